/* action: CommandAction properties and command text. */
#include "action.h"

#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dict.h"
#include "optval.h"
#include "strbuf.h"
#include "tagsub.h"
#include "timestr.h"
#include "xmalloc.h"

#define MAX_TAG_REPLACE	25

struct action {
	char		*name;
	struct dict	*props;		/* name -> heap char * */
	struct dict	*resolved;	/* conditional -> struct dict * (props resolved) */
	unsigned long	 changes;	/* action_set() calls */
};

static void
free_dict(void *p)
{
	dict_free(p);
}

struct action *
action_new(const char *name)
{
	struct action *a = xcalloc(1, sizeof(*a));

	a->name = xstrdup(name);
	a->props = dict_new(free);
	a->resolved = dict_new(free_dict);
	return a;
}

void
action_free(struct action *a)
{
	if (a == NULL)
		return;
	dict_free(a->props);
	dict_free(a->resolved);
	free(a->name);
	free(a);
}

const char *
action_name(const struct action *a)
{
	return a->name;
}

void
action_set(struct action *a, const char *key, const char *value)
{
	if (value)
		dict_set(a->props, key, xstrdup(value));
	else
		dict_del(a->props, key);
	dict_free(a->resolved);		/* the static pass depends on every property */
	a->resolved = dict_new(free_dict);
	a->changes++;
}

unsigned long
action_changes(const struct action *a)
{
	return a->changes;
}

bool
action_mentions(const struct action *a, const char *word)
{
	size_t pos = 0;
	void *v;

	while (dict_next(a->props, &pos, NULL, &v))
		if (v != NULL && strcasestr(v, word) != NULL)
			return true;
	return false;
}

const char *
action_get(const struct action *a, const char *key)
{
	return dict_get(a->props, key, NULL);
}

size_t
action_nprops(const struct action *a)
{
	return dict_len(a->props);
}

const char *
action_prop_name(const struct action *a, size_t i)
{
	size_t pos = 0, k = 0;
	const char *key;

	while (dict_next(a->props, &pos, &key, NULL))
		if (k++ == i)
			return key;
	return NULL;
}

/* Whether some property is "name?family=..." (CONDITIONAL_FAM_RE). */
static bool
conditional(const struct action *a)
{
	size_t pos = 0;
	const char *key;

	while (dict_next(a->props, &pos, &key, NULL))
		if (strstr(key, "?family=") != NULL)
			return true;
	return false;
}

size_t
action_families(const struct action *a, bool allow_ipv6, const char *out[2])
{
	if (!conditional(a)) {
		out[0] = "";
		return 1;
	}
	out[0] = "inet4";
	out[1] = "inet6";
	return allow_ipv6 ? 2 : 1;
}

bool
action_start_on_demand(const struct action *a)
{
	const char *v = action_get(a, "actionstart_on_demand");

	if (v != NULL)
		return optval_bool(v);
	return conditional(a);
}

double
action_timeout(const struct action *a)
{
	const char *v = action_get(a, "timeout");
	double t;
	char *err;

	if (v == NULL || *v == '\0')
		return 60;
	if (timestr_seconds(v, &t, NULL, &err) < 0) {
		free(err);
		return 60;
	}
	return t;
}

bool
action_norestored(const struct action *a)
{
	const char *v = action_get(a, "norestored");

	return v != NULL && optval_bool(v);
}

/* ---- the static pass ------------------------------------------------------ */

/* substituteRecursiveTags over the properties, once per conditional. */
static struct dict *
resolved(struct action *a, const char *cond, char **err)
{
	struct dict *r = dict_get(a->resolved, cond, NULL), *ignore;

	if (r != NULL)
		return r;
	r = dict_copy(a->props, dict_copy_str);
	ignore = dict_new(NULL);
	dict_set(ignore, "matches", NULL);
	dict_set(ignore, "ipmatches", NULL);
	dict_set(ignore, "ipjailmatches", NULL);
	if (tagsub_resolve(r, cond, ignore, NULL, NULL, err) < 0) {
		dict_free(ignore);
		dict_free(r);
		return NULL;
	}
	dict_free(ignore);
	dict_set(a->resolved, cond, r);
	return r;
}

/*
 * Python's socket.getfqdn(): the host's name looked up, then its address
 * looked up again; the first of that name and its aliases with a dot in
 * it, else that name; the host name itself when a lookup fails.
 */
static void
fqdn(char *buf, size_t len)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC }, *ai = NULL;
	struct hostent he, *h = NULL;
	char tmp[8192];
	int herr;
	size_t i;

	if (getaddrinfo(buf, NULL, &hints, &ai) != 0 || ai == NULL)
		return;
	if (ai->ai_family == AF_INET)
		gethostbyaddr_r(&((struct sockaddr_in *)ai->ai_addr)->sin_addr,
		    sizeof(struct in_addr), AF_INET, &he, tmp, sizeof(tmp), &h, &herr);
	else if (ai->ai_family == AF_INET6)
		gethostbyaddr_r(&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr,
		    sizeof(struct in6_addr), AF_INET6, &he, tmp, sizeof(tmp), &h, &herr);
	freeaddrinfo(ai);
	if (h == NULL || h->h_name == NULL)
		return;
	for (i = 0; h->h_aliases && h->h_aliases[i]; i++)
		if (strchr(h->h_aliases[i], '.'))
			break;
	snprintf(buf, len, "%s", strchr(h->h_name, '.') || h->h_aliases == NULL ||
	    h->h_aliases[i] == NULL ? h->h_name : h->h_aliases[i]);
}

static const char *
builtin(const char *tag, char *buf, size_t len)
{
	/* DNSUtils.getHostname(): asked once (fail2ban caches it too) */
	static char fq[256], sh[256];

	if (strcmp(tag, "br") == 0)
		return "\n";
	if (strcmp(tag, "sp") == 0)
		return " ";
	if (strcmp(tag, "fq-hostname") == 0 || strcmp(tag, "sh-hostname") == 0) {
		if (sh[0] == '\0') {
			if (gethostname(sh, sizeof(sh)) < 0)
				return NULL;
			sh[sizeof(sh) - 1] = '\0';
			snprintf(fq, sizeof(fq), "%s", sh);
			fqdn(fq, sizeof(fq));
		}
		snprintf(buf, len, "%s", tag[0] == 'f' ? fq : sh);	/* gethostname() as it is */
		return buf;
	}
	return NULL;
}

/* TAG_CRE = <([^ <>]+)> */
static const char *
next_tag(const char *s, const char **name, size_t *len)
{
	for (; (s = strchr(s, '<')) != NULL; s++) {
		size_t n = strcspn(s + 1, " <>");

		if (n > 0 && s[1 + n] == '>') {
			*name = s + 1;
			*len = n;
			return s;
		}
	}
	return NULL;
}

/* CommandAction.replaceTag: repeated passes until nothing changes. */
static char *
static_pass(struct action *a, const char *query, const char *family, char **err)
{
	char cond[32], host[256];
	struct dict *r;
	char *cur = xstrdup(query);
	int count = MAX_TAG_REPLACE + 1;

	snprintf(cond, sizeof(cond), "%s%s", *family ? "family=" : "", family);
	if ((r = resolved(a, cond, err)) == NULL) {
		free(cur);
		return NULL;
	}
	while (strchr(cur, '<') != NULL) {
		struct strbuf out = STRBUF_INIT;
		const char *p = cur, *t, *name;
		size_t len;

		while ((t = next_tag(p, &name, &len)) != NULL) {
			char *tag = xstrndup(name, len), *ck;
			const char *v = NULL;

			strbuf_add(&out, p, (size_t)(t - p));
			if (*cond) {
				ck = xasprintf("%s?%s", tag, cond);
				v = dict_get(r, ck, NULL);
				free(ck);
			}
			if (v == NULL)
				v = dict_get(r, tag, NULL);
			if (v == NULL)
				v = builtin(tag, host, sizeof(host));
			if (v != NULL && (strcmp(tag, "matches") == 0 ||
			    strcmp(tag, "ipmatches") == 0 || strcmp(tag, "ipjailmatches") == 0))
				v = NULL;	/* those are the ban's, filled in later */
			if (v != NULL)
				strbuf_adds(&out, v);
			else
				strbuf_add(&out, t, len + 2);
			free(tag);
			p = t + len + 2;
		}
		strbuf_adds(&out, p);
		if (strcmp(out.s ? out.s : "", cur) == 0) {
			strbuf_free(&out);
			break;
		}
		free(cur);
		cur = strbuf_detach(&out);
		if (--count <= 0) {
			*err = xasprintf("unexpected too long replacement interpolation, "
			    "possible self referencing definitions in query: %s", cur);
			free(cur);
			return NULL;
		}
	}
	return cur;
}

bool
action_has(struct action *a, const char *op, const char *family)
{
	char *tag = xasprintf("<%s>", op), *err = NULL, *s;
	bool has;

	s = static_pass(a, tag, family, &err);
	has = s != NULL && *s != '\0' && strcmp(s, tag) != 0;
	free(tag);
	free(err);
	free(s);
	return has;
}

/* ---- the dynamic pass ------------------------------------------------------ */

/* ESCAPE_CRE: values with any of these go in as shell variables */
static bool
needs_escape(const char *v)
{
	return strpbrk(v, "\\#&;`|*?~<>^()[]{}$'\"\n\r") != NULL;
}

struct dyn {
	struct strbuf	 vars;		/* "f2bV_a=$0 f2bV_b=$1 " */
	char		**args;
	size_t		 nargs;
	struct dict	*seen;		/* variable name -> index */
};

static void
put_value(struct dyn *d, struct strbuf *out, const char *tag, const char *value)
{
	struct strbuf var = STRBUF_INIT;
	const char *p;

	if (!needs_escape(value)) {
		strbuf_adds(out, value);
		return;
	}
	strbuf_adds(&var, "f2bV_");
	for (p = tag; *p; p++)
		strbuf_addc(&var, isalnum((unsigned char)*p) || *p == '_' ? *p : '_');
	if (!dict_has(d->seen, var.s)) {
		dict_set(d->seen, var.s, NULL);
		strbuf_addf(&d->vars, "%s=$%zu ", var.s, d->nargs);
		d->args = xrealloc(d->args, (d->nargs + 2) * sizeof(*d->args));
		d->args[d->nargs++] = xstrdup(value);
		d->args[d->nargs] = NULL;
	}
	strbuf_addc(out, '$');
	strbuf_add(out, var.s, var.len);
	strbuf_free(&var);
}

/* mapTag2Opt: F-ID -> fid, F-PORT -> fport, others lower-cased */
static char *
map_ftag(const char *name, size_t len)
{
	char *s = xstrndup(name, len), *p;

	if (strcmp(s, "ID") == 0) {
		free(s);
		return xstrdup("fid");
	}
	if (strcmp(s, "PORT") == 0) {
		free(s);
		return xstrdup("fport");
	}
	for (p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

static char *
dynamic_pass(const char *cmd, action_info_fn *info, void *arg, struct dyn *d)
{
	struct strbuf out = STRBUF_INIT;
	const char *p = cmd, *t, *name;
	size_t len;

	/* TAG_CRE pass over the ban's values */
	while ((t = next_tag(p, &name, &len)) != NULL) {
		char *tag = xstrndup(name, len), *v = NULL, host[256];
		const char *b;

		strbuf_add(&out, p, (size_t)(t - p));
		if (strncmp(tag, "F-", 2) != 0)
			v = info ? info(arg, tag) : NULL;
		if (v != NULL) {
			put_value(d, &out, tag, v);
			free(v);
		} else if ((b = builtin(tag, host, sizeof(host))) != NULL)
			strbuf_adds(&out, b);
		else
			strbuf_add(&out, t, len + 2);
		free(tag);
		p = t + len + 2;
	}
	strbuf_adds(&out, p);
	/* FCUSTAG_CRE: <F-NAME> from the ticket's data, empty when missing */
	if (strstr(out.s ? out.s : "", "<F-") != NULL) {
		struct strbuf o2 = STRBUF_INIT;

		p = out.s;
		while ((t = strstr(p, "<F-")) != NULL) {
			size_t n = strspn(t + 3, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

			strbuf_add(&o2, p, (size_t)(t - p));
			if (n > 0 && t[3 + n] == '>') {
				char *opt = map_ftag(t + 3, n), *key = xasprintf("F-*%s", opt);
				char *v = info ? info(arg, key) : NULL;

				if (v != NULL) {
					char *vtag = xasprintf("F_%s", opt);

					put_value(d, &o2, vtag, v);
					free(vtag);
					free(v);
				}
				free(key);
				free(opt);
				p = t + 3 + n + 1;
			} else {
				strbuf_add(&o2, t, 3);
				p = t + 3;
			}
		}
		strbuf_adds(&o2, p);
		strbuf_free(&out);
		out = o2;
	}
	return strbuf_detach(&out);
}

bool
action_command(struct action *a, const char *op, const char *family,
    action_info_fn *info, void *arg, struct action_cmd *c, char **err)
{
	char *tag = xasprintf("<%s>", op), *s, *dyn;
	struct dyn d;

	memset(c, 0, sizeof(*c));
	*err = NULL;
	s = static_pass(a, tag, family, err);
	if (s == NULL || *s == '\0' || strcmp(s, tag) == 0) {
		free(tag);
		free(s);
		return false;
	}
	free(tag);
	memset(&d, 0, sizeof(d));
	d.seen = dict_new(NULL);
	dyn = dynamic_pass(s, info, arg, &d);
	free(s);
	dict_free(d.seen);
	if (d.nargs) {
		/* Utils.buildShellCmd: "v=$0 w=$1 \n<cmd>" plus the values */
		strbuf_addc(&d.vars, '\n');
		strbuf_adds(&d.vars, dyn);
		free(dyn);
		c->script = strbuf_detach(&d.vars);
	} else {
		strbuf_free(&d.vars);
		c->script = dyn;
	}
	c->args = d.args;
	c->nargs = d.nargs;
	return true;
}

void
action_cmd_free(struct action_cmd *c)
{
	size_t i;

	for (i = 0; i < c->nargs; i++)
		free(c->args[i]);
	free(c->args);
	free(c->script);
	memset(c, 0, sizeof(*c));
}
