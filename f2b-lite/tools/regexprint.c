/*
 * regexprint: what fail2ban-regex prints (fail2ban/client/fail2banregex.py:
 * output(), printLinesFromList, _escOut and printStats): the rows of -o
 * (id, ip, msg, row, a group's name, or a template of action-info tags) and
 * the report after a run (prefregex, failregex and ignoreregex hits, date
 * template hits, the line counts and the matched, ignored and missed lines).
 *
 * Sections: the output primitives; -o output (the tags, the template cut
 * once, a row per failure); the report (our limits' hazards, the regex and
 * date tables, the lines).
 */
#include "regexprint.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "clock.h"
#include "datedet.h"
#include "filter.h"
#include "pyval.h"
#include "strbuf.h"
#include "tagsub.h"
#include "xmalloc.h"

/* ---- output primitives -------------------------------------------------- */

void
regexprint_line(const char *s)
{
	fputs(s, stdout);
	fputc('\n', stdout);
}

void __attribute__((format(printf, 1, 2)))
regexprint_fmt(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* shortstr(s, 53), counting characters */
char *
regexprint_shortstr(const char *s, size_t l)
{
	size_t chars = 0, i, cut = 0;

	for (i = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80) {
			if (chars == l - 3)
				cut = i;
			chars++;
		}
	if (chars > l)
		return xasprintf("%.*s...", (int)cut, s);
	return xstrdup(s);
}

/* pprint_list: "|- header", then "|  item" lines, then "`-" */
static void
pprint_list(const char *const *items, size_t n, const char *header)
{
	size_t i;

	if (n == 0)
		return;
	if (header)
		printf("|- %s\n", header);
	for (i = 0; i < n; i++)
		printf("|  %s\n", items[i]);
	regexprint_line("`-");
}

/* ---- -o output ---------------------------------------------------------- */

static void
time_text(const struct filter_failure *f, struct strbuf *sb)
{
	if (!f->has_time)
		strbuf_adds(sb, "None");
	else if (f->time.is_int && f->time.secs >= 1 && f->time.secs < 1e18 &&
	    f->time.secs == (double)(long long)f->time.secs) {
		/* "%.0f" of a whole number, without printf's float machinery */
		char buf[24], *p = buf + sizeof(buf);
		long long v = (long long)f->time.secs;

		do {
			*--p = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		strbuf_add(sb, p, (size_t)(buf + sizeof(buf) - p));
	} else if (f->time.is_int)
		strbuf_addf(sb, "%.0f", f->time.secs);
	else
		pyval_repr_float(f->time.secs, sb);
}

void
regexprint_id(const struct filter_failure *f, struct strbuf *sb)
{
	char buf[ADDR_STRLEN];

	if (!f->has_id)
		strbuf_adds(sb, "None");
	else
		strbuf_adds(sb, addr_str(&f->id, buf, sizeof(buf)));
}

/* "".join(match) for a match held as a tuple or a string */
static void
match_text(const struct pyval *m, struct strbuf *sb)
{
	size_t i;

	if (pyval_type(m) == PY_STR) {
		strbuf_add(sb, pyval_as_str(m), pyval_strlen(m));
		return;
	}
	for (i = 0; i < pyval_len(m); i++)
		pyval_to_text(pyval_at(m, i), sb);
}

struct outctx {
	const struct filter_failure *f;
	bool	 msg_wrap;	/* <msg> of several lines: a placeholder now */
};

/* The action-info tags -o templates know (ActionInfo). */
enum otag {
	OT_TEXT,	/* literal template text (and unknown tags, kept) */
	OT_FID, OT_IP, OT_TIME, OT_FAILURES, OT_MATCHES, OT_MSG, OT_FAMILY,
	OT_IPREV, OT_BANCOUNT, OT_RESTORED, OT_BR, OT_SP
};

static const struct {
	const char	*name;
	enum otag	 tag;
} otags[] = {
	{ "fid", OT_FID }, { "ip", OT_IP }, { "time", OT_TIME },
	{ "failures", OT_FAILURES }, { "matches", OT_MATCHES },
	{ "msg", OT_MSG }, { "family", OT_FAMILY }, { "ip-rev", OT_IPREV },
	{ "bancount", OT_BANCOUNT }, { "restored", OT_RESTORED },
	{ "br", OT_BR }, { "sp", OT_SP },
};

/* A -o template cut once into its text and its tags (see render_template). */
struct oseg {
	enum otag	 tag;
	const char	*text;		/* OT_TEXT */
	size_t		 len;
};

struct otpl {
	struct oseg	*seg;
	size_t		 nseg;
	struct strbuf	 first, val;	/* scratch, reused for every row */
};

static struct otpl *
otpl_new(const char *fmt)
{
	struct otpl *o = xcalloc(1, sizeof(*o));
	const char *p = fmt, *name, *m;
	size_t nlen, cap = 0, i;

	/* the action-info tags, where replaceDynamicTags finds them */
	for (;;) {
		enum otag tag = OT_TEXT;

		m = tagsub_find(fmt, p, &name, &nlen);
		o->seg = xgrow(o->seg, &cap, o->nseg + 2, sizeof(*o->seg));
		if (m == NULL) {
			o->seg[o->nseg++] = (struct oseg){ OT_TEXT, p, strlen(p) };
			break;
		}
		for (i = 0; i < sizeof(otags) / sizeof(otags[0]); i++)
			if (strlen(otags[i].name) == nlen &&
			    !strncmp(otags[i].name, name, nlen))
				tag = otags[i].tag;
		if (tag == OT_TEXT) {	/* unknown: stays as it is */
			o->seg[o->nseg++] = (struct oseg){ OT_TEXT, p,
			    (size_t)(m - p) + nlen + 2 };
		} else {
			o->seg[o->nseg++] = (struct oseg){ OT_TEXT, p,
			    (size_t)(m - p) };
			o->seg[o->nseg++] = (struct oseg){ tag, NULL, 0 };
		}
		p = m + nlen + 2;
	}
	return o;
}

void
regexprint_otpl_free(struct otpl *o)
{
	if (o == NULL)
		return;
	free(o->seg);
	strbuf_free(&o->first);
	strbuf_free(&o->val);
	free(o);
}

/*
 * Appends the action-info value of a tag.  Returns false for <msg> held
 * back as a placeholder ("\0msg\0": a message of several lines).
 */
static bool
tag_value(const struct outctx *c, enum otag tag, struct strbuf *sb)
{
	const struct filter_failure *f = c->f;
	struct pyval *matches, *v;
	size_t i;

	switch (tag) {
	case OT_FID:
		regexprint_id(f, sb);
		break;
	case OT_IP:
		if ((v = pyval_dict_get(f->data, "ip")) != NULL)
			pyval_to_text(v, sb);
		else
			regexprint_id(f, sb);
		break;
	case OT_TIME:
		/* a ticket made without a time gets the current one */
		if (f->has_time)
			time_text(f, sb);
		else
			pyval_repr_float(clock_now(), sb);
		break;
	case OT_FAILURES:
		if ((v = pyval_dict_get(f->data, "failures")) != NULL)
			pyval_to_text(v, sb);
		else
			strbuf_adds(sb, "0");
		break;
	case OT_MATCHES:
	case OT_MSG:
		matches = pyval_dict_get(f->data, "matches");
		if (tag == OT_MSG && (c->msg_wrap ||
		    (matches && pyval_len(matches) > 1)))
			return false;
		for (i = 0; matches && i < pyval_len(matches); i++) {
			if (i)
				strbuf_addc(sb, '\n');
			match_text(pyval_at(matches, i), sb);
		}
		break;
	case OT_FAMILY: {
		const char *fam = f->has_id ? addr_family_str(&f->id) : NULL;

		strbuf_adds(sb, fam ? fam : "None");
		break;
	}
	case OT_IPREV: {
		char *p = f->has_id ? addr_ptr(&f->id, "") : xstrdup("");

		strbuf_adds(sb, p);
		free(p);
		break;
	}
	case OT_BANCOUNT:
	case OT_RESTORED:
		strbuf_adds(sb, "0");
		break;
	case OT_BR:
		strbuf_adds(sb, "\n");
		break;
	case OT_SP:
		strbuf_adds(sb, " ");
		break;
	case OT_TEXT:
		break;
	}
	return true;
}

/* CommandAction.replaceDynamicTags with fail2ban-regex's _escOut */
static void
render_template(const struct outctx *c, struct otpl *o, struct strbuf *out)
{
	struct strbuf *first = &o->first, *val = &o->val;
	const char *p, *end;
	size_t i;

	strbuf_reset(first);
	for (i = 0; i < o->nseg; i++) {
		const struct oseg *sg = &o->seg[i];
		size_t l;

		if (sg->tag == OT_TEXT) {
			strbuf_add(first, sg->text, sg->len);
			continue;
		}
		strbuf_reset(val);
		if (!tag_value(c, sg->tag, val)) {
			strbuf_add(first, "\0msg\0", 5);
			continue;
		}
		/* values are C strings here: text after a NUL byte is lost */
		l = val->s ? strlen(val->s) : 0;
		if (l == 0 && sg->tag == OT_MSG) {
			/* an empty-looking <msg> takes five bytes, as a placeholder */
			strbuf_add(val, "\0\0\0\0\0", 5);
			l = 5;
		}
		strbuf_add(first, val->s ? val->s : "", l);
	}
	/* then <F-NAME> tags from the failure's data (the text may hold NULs) */
	p = first->s ? first->s : "";
	end = p + first->len;
	if (memchr(p, '<', first->len) == NULL) {
		strbuf_add(out, p, first->len);
		return;
	}
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));

		if (lt == NULL) {
			strbuf_add(out, p, (size_t)(end - p));
			break;
		}
		strbuf_add(out, p, (size_t)(lt - p));
		p = lt;
		if (end - p > 3 && p[0] == '<' && p[1] == 'F' && p[2] == '-') {
			const char *e = p + 3;

			while (e < end && ((*e >= 'A' && *e <= 'Z') || (*e >= '0' && *e <= '9') ||
			    *e == '_' || *e == '-'))
				e++;
			if (e < end && *e == '>' && e > p + 3) {
				char *key = xstrndup(p + 3, (size_t)(e - p - 3)), *k;
				struct pyval *v;

				for (k = key; *k; k++)
					if (*k >= 'A' && *k <= 'Z')
						*k = (char)(*k - 'A' + 'a');
				if (!strcmp(key, "id") || !strcmp(key, "port")) {
					char *mk = xasprintf("f%s", key);

					free(key);
					key = mk;
				}
				v = pyval_dict_get(c->f->data, key);
				if (v && pyval_type(v) != PY_NONE)
					pyval_to_text(v, out);
				free(key);
				p = e + 1;
				continue;
			}
		}
		strbuf_addc(out, *p++);
	}
}

void
regexprint_failures(struct tool *t, struct filter_failure *ff, size_t n)
{
	const char *o = t->o.out;
	struct strbuf sb = STRBUF_INIT, deferred = STRBUF_INIT;
	bool nl = false;	/* wrap['NL']: a <msg> of several lines was seen */
	size_t i, k;

	for (i = 0; i < n; i++) {
		struct pyval *matches = pyval_dict_get(ff[i].data, "matches");

		strbuf_reset(&sb);
		if (!strcmp(o, "id") || !strcmp(o, "fid"))
			regexprint_id(&ff[i], &sb);
		else if (!strcmp(o, "ip")) {
			struct pyval *ip = pyval_dict_get(ff[i].data, "ip");

			if (ip)
				pyval_to_text(ip, &sb);
			else
				regexprint_id(&ff[i], &sb);
		} else if (!strcmp(o, "msg")) {
			for (k = 0; matches && k < pyval_len(matches); k++) {
				strbuf_reset(&sb);
				match_text(pyval_at(matches, k), &sb);
				regexprint_line(strbuf_str(&sb));
			}
			continue;
		} else if (!strcmp(o, "row")) {
			struct pyval *d = pyval_dict();

			for (k = 0; k < pyval_len(ff[i].data); k++) {
				struct pyval *key = pyval_dict_key(ff[i].data, k);

				if (pyval_type(key) == PY_STR && !strcmp(pyval_as_str(key), "matches"))
					continue;
				pyval_dict_set(d, pyval_copy(key), pyval_copy(pyval_dict_val(ff[i].data, k)));
			}
			strbuf_addc(&sb, '[');
			if (ff[i].has_id) {
				struct strbuf idt = STRBUF_INIT;

				regexprint_id(&ff[i], &idt);
				pyval_repr_str(idt.s, idt.len, &sb);
				strbuf_free(&idt);
			} else
				strbuf_adds(&sb, "None");
			strbuf_adds(&sb, ",\t");
			time_text(&ff[i], &sb);
			strbuf_adds(&sb, ",\t");
			pyval_repr(d, &sb);
			strbuf_adds(&sb, "],");
			pyval_free(d);
		} else if (strchr(o, '<') == NULL) {
			struct pyval *v = pyval_dict_get(ff[i].data, o);

			if (v)
				pyval_to_text(v, &sb);
			else
				strbuf_adds(&sb, "None");
		} else {
			struct outctx c = { &ff[i], nl };
			bool wrap;

			if (t->otpl == NULL) {
				t->otpl = otpl_new(o);
				t->otpl_msg = strstr(o, "<msg>") != NULL;
			}
			wrap = t->otpl_msg &&
			    (nl || (matches && pyval_len(matches) > 1));
			if (wrap)
				nl = true;
			render_template(&c, t->otpl, &sb);
			if (wrap) {
				/* kept for the end: one output line per matched line */
				for (k = 0; matches && k < pyval_len(matches); k++) {
					struct strbuf line = STRBUF_INIT, rep = STRBUF_INIT;
					const char *s = sb.s;
					size_t left = sb.len;

					match_text(pyval_at(matches, k), &line);
					while (left > 0) {
						const char *ph = memmem(s, left, "\0msg\0", 5);

						if (ph == NULL) {
							strbuf_add(&rep, s, left);
							break;
						}
						strbuf_add(&rep, s, (size_t)(ph - s));
						strbuf_add(&rep, line.s ? line.s : "", line.len);
						left -= (size_t)(ph - s) + 5;
						s = ph + 5;
					}
					strbuf_add(&deferred, strbuf_str(&rep), rep.len);
					strbuf_addc(&deferred, '\n');
					strbuf_free(&line);
					strbuf_free(&rep);
				}
				continue;
			}
		}
		/* one write per row, without stdio's locking: we have one thread */
		strbuf_addc(&sb, '\n');
		fwrite_unlocked(sb.s, 1, sb.len, stdout);
	}
	fwrite(deferred.s ? deferred.s : "", 1, deferred.len, stdout);
	strbuf_free(&deferred);
	strbuf_free(&sb);
}

/* ---- the report --------------------------------------------------------- */

/*
 * Lines our limits changed (f2b-lite's addition to the report): searches the
 * match or depth limit stopped, by regex, and lines cut for being too long.
 */
void
regexprint_hazards(struct tool *t, FILE *fp)
{
	size_t i;

	const char *sep = " ";

	if (t->limit_hits) {
		fprintf(fp, "[%zu search%s stopped by the regex match limit, counted as no "
		    "match:", t->limit_hits, t->limit_hits == 1 ? "" : "es");
		if (t->limit_pref) {
			fprintf(fp, "%sprefregex: %zu", sep, t->limit_pref);
			sep = ", ";
		}
		for (i = 0; i < t->nfail; i++)
			if (t->fail[i].limit_hits) {
				fprintf(fp, "%sfailregex #%zu: %lu", sep, i + 1,
				    t->fail[i].limit_hits);
				sep = ", ";
			}
		for (i = 0; i < t->nign; i++)
			if (t->ign[i].limit_hits) {
				fprintf(fp, "%signoreregex #%zu: %lu", sep, i + 1,
				    t->ign[i].limit_hits);
				sep = ", ";
			}
		fputs("]\n", fp);
	}
	if (t->truncated)
		fprintf(fp, "[%zu line%s longer than %d bytes cut to that length for "
		    "matching]\n", t->truncated, t->truncated == 1 ? "" : "s", FILTER_LINE_MAX);
	if (t->line_errors)
		fprintf(fp, "[%zu line%s could not be processed (the errors above; fail2ban-regex "
		    "stops at the first), counted as missed]\n", t->line_errors,
		    t->line_errors == 1 ? "" : "s");
}

static unsigned long
print_regexes(struct tool *t, const char *title, struct rstat *list, size_t n)
{
	struct strbuf items = STRBUF_INIT;
	const char **ptrs;
	unsigned long total = 0;
	size_t i, k, ni = 0, off;

	for (i = 0; i < n; i++) {
		total += list[i].hits;
		if (list[i].hits || t->o.verbose) {
			struct strbuf s = STRBUF_INIT;

			strbuf_addf(&s, "%2zu) [%lu] %s", i + 1, list[i].hits, list[i].regex);
			strbuf_add(&items, s.s, s.len + 1);
			ni++;
			strbuf_free(&s);
		}
		if (t->o.verbose && list[i].iplist) {
			for (k = 0; k < pyval_len(list[i].iplist); k++) {
				struct pyval *row = pyval_at(list[i].iplist, k);
				struct pyval *tm = pyval_at(row, 1);
				time_t tt = pyval_type(tm) == PY_NONE ? (time_t)clock_now() :
				    (time_t)pyval_as_float(tm);
				struct tm lt;
				char ts[64];
				struct strbuf s = STRBUF_INIT;

				localtime_r(&tt, &lt);
				strftime(ts, sizeof(ts), "%a %b %d %H:%M:%S %Y", &lt);
				strbuf_addf(&s, "    %s  %s%s", pyval_as_str(pyval_at(row, 0)), ts,
				    pyval_as_bool(pyval_at(row, 2)) ? " (multiple regex matched)" : "");
				strbuf_add(&items, s.s, s.len + 1);
				ni++;
				strbuf_free(&s);
			}
		}
	}
	regexprint_fmt("\n%s: %lu total", title, total);
	ptrs = xcalloc(ni + 1, sizeof(*ptrs));
	for (i = 0, off = 0; i < ni; i++, off += strlen(items.s + off) + 1)
		ptrs[i] = items.s + off;
	pprint_list(ptrs, ni, " #) [# of hits] regular expression");
	free(ptrs);
	strbuf_free(&items);
	return total;
}

static void
print_lines(struct tool *t, const char *ltype, unsigned long count,
    const struct strbuf *lines, size_t nlines, bool print_all)
{
	char header[64];
	const char **ptrs;
	char **rs;
	size_t i, off;

	if (count == 0)
		return;
	snprintf(header, sizeof(header), "%c%s line(s):", ltype[0] - 'a' + 'A', ltype + 1);
	if (!((long)count < t->display_max || print_all)) {
		regexprint_fmt("%s too many to print.  Use --print-all-%s to print all %lu lines",
		    header, ltype, count);
		return;
	}
	ptrs = xcalloc(nlines + 1, sizeof(*ptrs));
	rs = xcalloc(nlines + 1, sizeof(*rs));
	for (i = 0, off = 0; i < nlines; i++, off += strlen(lines->s + off) + 1) {
		size_t l = strlen(lines->s + off);

		/* x.rstrip() */
		while (l > 0 && (lines->s[off + l - 1] == ' ' ||
		    (lines->s[off + l - 1] >= '\t' && lines->s[off + l - 1] <= '\r')))
			l--;
		rs[i] = xstrndup(lines->s + off, l);
		ptrs[i] = rs[i];
	}
	pprint_list(ptrs, nlines, header);
	for (i = 0; i < nlines; i++)
		free(rs[i]);
	free(rs);
	free(ptrs);
}

void
regexprint_stats(struct tool *t)
{
	struct datedet *dd = filter_datedet(t->flt);
	size_t i;

	regexprint_line("");
	regexprint_line("Results");
	regexprint_line("=======");
	if (filter_prefregex(t->flt)) {
		const char **items;
		size_t n = 1, k;
		struct strbuf *grp;

		grp = xcalloc(1 + (t->pref_groups ? pyval_len(t->pref_groups) : 0), sizeof(*grp));
		items = xcalloc(1 + (t->pref_groups ? pyval_len(t->pref_groups) : 0),
		    sizeof(*items));
		items[0] = filter_prefregex(t->flt);
		if (t->o.verbose && t->pref_groups)
			for (k = 0; k < pyval_len(t->pref_groups); k++) {
				struct pyval *g = pyval_at(t->pref_groups, k);

				strbuf_adds(&grp[k], "    ");
				pyval_to_text(g, &grp[k]);
				items[n++] = grp[k].s;
			}
		regexprint_fmt("\n%s: %lu total", "Prefregex", t->pref_matched);
		pprint_list(items, n, NULL);
		for (k = 0; k + 1 < n; k++)
			strbuf_free(&grp[k]);
		free(grp);
		free(items);
	}
	print_regexes(t, "Failregex", t->fail, t->nfail);
	print_regexes(t, "Ignoreregex", t->ign, t->nign);
	if (dd != NULL) {
		struct strbuf items = STRBUF_INIT;
		const char **ptrs;
		size_t ni = 0, off;

		regexprint_line("\nDate template hits:");
		for (i = 0; i < datedet_count(dd); i++) {
			double tw, w;
			const char *pat;

			if (!(t->o.verbose || datedet_hits(dd, i)))
				continue;
			strbuf_addf(&items, "[%lu] %s", datedet_hits(dd, i), datedet_name(dd, i));
			strbuf_addc(&items, '\0');
			ni++;
			if (t->o.verbose_date) {
				w = datedet_weight(dd, i, &tw);
				pat = datedet_pattern(dd, i);
				strbuf_addf(&items, "    # weight: %.3f (%.3f), pattern: %s", w, tw,
				    pat ? pat : "");
				strbuf_addc(&items, '\0');
				strbuf_addf(&items, "    # regex:   %s", datedet_regex(dd, i));
				strbuf_addc(&items, '\0');
				ni += 2;
			}
		}
		ptrs = xcalloc(ni + 1, sizeof(*ptrs));
		for (i = 0, off = 0; i < ni; i++, off += strlen(items.s + off) + 1)
			ptrs[i] = items.s + off;
		pprint_list(ptrs, ni, "[# of hits] date format");
		free(ptrs);
		strbuf_free(&items);
	}
	regexprint_fmt("\nLines: %lu lines, %lu ignored, %lu matched, %lu missed", t->st.tested,
	    t->st.ignored, t->st.matched, t->st.missed);
	regexprint_fmt("[processed in %.2f sec]", t->elapsed);
	regexprint_hazards(t, stdout);
	regexprint_line("");
	if (t->o.print_all_matched)
		print_lines(t, "matched", t->st.matched, &t->st.matched_lines,
		    t->st.nmatched_lines, t->o.print_all_matched);
	if (!t->o.print_no_ignored)
		print_lines(t, "ignored", t->st.ignored, &t->st.ignored_lines,
		    t->st.nignored_lines, t->o.print_all_ignored);
	if (!t->o.print_no_missed)
		print_lines(t, "missed", t->st.missed, &t->st.missed_lines,
		    t->st.nmissed_lines, t->o.print_all_missed);
}
