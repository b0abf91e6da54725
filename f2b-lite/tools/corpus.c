/* corpus: fail2ban's sample-log test (tests/samplestestcase.py) in C. */
#include "corpus.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "diag.h"
#include "dict.h"
#include "filter.h"
#include "linescan.h"
#include "json.h"
#include "pyval.h"
#include "strbuf.h"
#include "xmalloc.h"

/* tests/utils.py: TEST_NOW and the zone fail2ban's samples were written in */
#define TEST_NOW	1124013600
#define TEST_NOW_STR	"2005-08-14T10:00:00"
#define TEST_TZ		"CET-01CEST-02,M3.5.0,M10.5.0"

/* One filter under test: its options and which regexes samples hit. */
struct ftest {
	char		*name;		/* "sshd" + options, for messages */
	struct pyval	*opts;		/* dict of the options (test.* kept) */
	struct filter	*flt;
	bool		*used;
	size_t		 nregex;
};

struct run {
	bool		 tap;
	bool		 prefilter;	/* the filters use the Vectorscan prefilter */
	unsigned long	 n, failed;
	const char	*basedir;
	struct dict	*filters;	/* name+options -> struct ftest * */
	struct dict	*used_re;	/* failregexes some sample hit (regexsUsedRe) */
};

static void __attribute__((format(printf, 3, 4)))
check(struct run *r, bool ok, const char *fmt, ...)
{
	va_list ap;

	r->n++;
	if (!ok)
		r->failed++;
	if (!r->tap && ok)
		return;
	printf("%s %lu - ", ok ? "ok" : "not ok", r->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
ftest_free(void *p)
{
	struct ftest *t = p;

	free(t->name);
	pyval_free(t->opts);
	filter_free(t->flt);
	free(t->used);
	free(t);
}

/* Applies the filter's command stream as samplestestcase's _readFilter does. */
static int
apply_stream(struct filter *flt, const struct pyval *stream, char **err)
{
	size_t i, k;

	for (i = 0; i < pyval_len(stream); i++) {
		struct pyval *c = pyval_at(stream, i), *vals;
		const char *op = pyval_as_str(pyval_at(c, 0)), *what = pyval_as_str(pyval_at(c, 2));
		bool multi = strcmp(op, "multi-set") == 0;

		vals = multi ? pyval_at(c, 3) : NULL;
		for (k = 0; k < (multi ? pyval_len(vals) : 1); k++) {
			struct pyval *v = multi ? pyval_at(vals, k) : pyval_at(c, 3);
			struct strbuf s = STRBUF_INIT;
			int rc = 0;

			pyval_to_text(v, &s);
			if (!strcmp(what, "prefregex"))
				rc = filter_set_prefregex(flt, strbuf_str(&s), err);
			else if (!strcmp(what, "addfailregex"))
				rc = filter_add_failregex(flt, strbuf_str(&s), err);
			else if (!strcmp(what, "addignoreregex"))
				rc = filter_add_ignoreregex(flt, strbuf_str(&s), err);
			else if (!strcmp(what, "maxlines"))
				rc = filter_set_maxlines(flt, pyval_as_int(v), err);
			else if (!strcmp(what, "datepattern"))
				rc = filter_set_datepattern(flt, strbuf_str(&s), err);
			strbuf_free(&s);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

static struct ftest *
read_filter(struct run *r, const char *name, const struct pyval *opts)
{
	struct strbuf key = STRBUF_INIT;
	struct dict *args = dict_new(free);
	struct diag *d = diag_new();
	struct pyval *stream;
	struct ftest *t;
	char *err = NULL;
	size_t i;
	int why;

	strbuf_adds(&key, name);
	if (opts && pyval_len(opts))
		pyval_repr(opts, &key);
	if ((t = dict_get(r->filters, strbuf_str(&key), NULL)) != NULL) {
		strbuf_free(&key);
		dict_free(args);
		diag_free(d);
		return t;
	}
	for (i = 0; opts && i < pyval_len(opts); i++) {
		struct pyval *k = pyval_dict_key(opts, i);
		struct strbuf v = STRBUF_INIT;

		if (strncmp(pyval_as_str(k), "test.", 5) == 0)
			continue;
		pyval_to_text(pyval_dict_val(opts, i), &v);
		dict_set(args, pyval_as_str(k), strbuf_detach(&v));
	}
	t = xcalloc(1, sizeof(*t));
	t->name = strbuf_detach(&key);
	t->opts = opts ? pyval_copy(opts) : pyval_dict();
	t->flt = filter_new();
	filter_set_raw(t->flt, true);
	filter_set_check_all(t->flt, true);
	filter_set_check_findtime(t->flt, false);
	linescan_set(filter_linescan(t->flt), r->prefilter, true);
	stream = config_filter(r->basedir, name, args, NULL, d, &why);
	if (stream == NULL || apply_stream(t->flt, stream, &err) < 0) {
		check(r, false, "%s: filter cannot be read: %s", t->name,
		    err ? err : diag_count(d) ? diag_text(d, 0) : "no such filter");
		free(err);
	}
	t->nregex = filter_nfailregex(t->flt);
	t->used = xcalloc(t->nregex + 1, sizeof(*t->used));
	pyval_free(stream);
	dict_free(args);
	diag_free(d);
	dict_set(r->filters, t->name, t);
	return t;
}

/* The few Python expressions fail2ban's samples use as constraints. */
static bool
constraint_ok(const char *expr, const char *name, const struct pyval *opts)
{
	char want[128], key[64], op[3];
	struct pyval *v;

	if (sscanf(expr, " name == '%127[^']'", want) == 1 ||
	    sscanf(expr, " name=='%127[^']'", want) == 1)
		return strcmp(name, want) == 0;
	if (sscanf(expr, " opts.get('%63[^']') %2[!=] '%127[^']'", key, op, want) == 3) {
		bool eq;

		v = pyval_dict_get(opts, key);
		eq = v && pyval_type(v) == PY_STR && strcmp(pyval_as_str(v), want) == 0;
		return strcmp(op, "==") == 0 ? eq : !eq;
	}
	return true;
}

static int
cmp_pyval(const void *a, const void *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int c;

	pyval_repr(*(struct pyval *const *)a, &x);
	pyval_repr(*(struct pyval *const *)b, &y);
	c = strcmp(strbuf_str(&x), strbuf_str(&y));
	strbuf_free(&x);
	strbuf_free(&y);
	return c;
}

/* assertSortedEqual for sets and lists, equality otherwise */
static bool
value_equal(const struct pyval *got, const struct pyval *want)
{
	enum pyval_type gt = pyval_type(got);
	size_t i, n;
	bool eq = true;

	if (gt == PY_SET || gt == PY_LIST || gt == PY_TUPLE) {
		struct pyval **a, **b;

		n = pyval_len(got);
		if (pyval_len(want) != n)
			return false;
		a = xcalloc(n + 1, sizeof(*a));
		b = xcalloc(n + 1, sizeof(*b));
		for (i = 0; i < n; i++) {
			a[i] = pyval_at(got, i);
			b[i] = pyval_at(want, i);
		}
		qsort(a, n, sizeof(*a), cmp_pyval);
		qsort(b, n, sizeof(*b), cmp_pyval);
		for (i = 0; i < n && eq; i++)
			eq = pyval_equal(a[i], b[i]);
		free(a);
		free(b);
		return eq;
	}
	return pyval_equal(got, want);
}

/* time.mktime(strptime("%Y-%m-%dT%H:%M:%S[.%f]")) */
static double
json_time(const char *s)
{
	struct tm tm;
	double frac = 0;
	const char *dot;

	memset(&tm, 0, sizeof(tm));
	if (strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return -1;
	if ((dot = strchr(s, '.')) != NULL)
		frac = strtod(dot, NULL);
	return clock_mktime(&tm) + frac;
}

static void
mark_used(struct run *r, struct ftest *t, int regex)
{
	if (regex < 0 || (size_t)regex >= t->nregex)
		return;
	t->used[regex] = true;
	dict_set(r->used_re, filter_failregex(t->flt, (size_t)regex), NULL);
}

static void
check_line(struct run *r, const char *file, int lineno, const char *line,
    struct ftest **tests, size_t ntests, const struct pyval *faildata,
    const char *name)
{
	size_t ti;

	for (ti = 0; ti < ntests; ti++) {
		struct ftest *t = tests[ti];
		struct pyval *cons = faildata ? pyval_dict_get(faildata, "constraint") : NULL;
		struct pyval *want = faildata ? pyval_dict_get(faildata, "match") : NULL;
		struct pyval *lt = pyval_dict_get(t->opts, "logtype");
		struct filter_failure *ff = NULL;
		size_t n = 0, cap = 0, i, nret = 0;
		struct filter_failure *ret = NULL;
		bool must = want && pyval_as_bool(want);

		if (cons && pyval_type(cons) == PY_STR &&
		    !constraint_ok(pyval_as_str(cons), name, t->opts))
			continue;
		if (lt && pyval_type(lt) == PY_STR && !strcmp(pyval_as_str(lt), "journal")) {
			struct datedet_time now = { TEST_NOW, true };
			struct pyval *pl = pyval_dict_get(t->opts, "test.prefix-line");
			struct strbuf l = STRBUF_INIT;

			if (pl && pyval_type(pl) == PY_STR)
				strbuf_adds(&l, pyval_as_str(pl));
			strbuf_adds(&l, line);
			filter_process_dated(t->flt, TEST_NOW_STR, l.s, l.len, &now, &ff, &n,
			    &cap, NULL);
			strbuf_free(&l);
		} else
			filter_process_line(t->flt, line, strlen(line), &ff, &n, &cap, NULL);
		for (i = 0; i < n; i++) {
			struct pyval *nf = pyval_dict_get(ff[i].data, "nofail");

			if (!ff[i].has_id || (nf && pyval_as_bool(nf))) {
				mark_used(r, t, ff[i].regex);
				continue;
			}
			ret = ret ? ret : &ff[i];
			nret++;
		}
		if (nret == 0) {
			check(r, !must, "%s:%d (%s): %s", file, lineno, t->name,
			    must ? "line not matched when it should have been" : "no match, as expected");
		} else if (!must) {
			check(r, false, "%s:%d (%s): line matched when it should not have "
			    "(regex %d)", file, lineno, t->name, ret->regex);
		} else if (nret != 1) {
			check(r, false, "%s:%d (%s): several regexes matched", file, lineno, t->name);
		} else {
			struct strbuf why = STRBUF_INIT;
			size_t k;

			for (k = 0; k < pyval_len(faildata); k++) {
				const char *key = pyval_as_str(pyval_dict_key(faildata, k));
				struct pyval *v = pyval_dict_val(faildata, k), *fv;

				if (!strcmp(key, "time") || !strcmp(key, "match") ||
				    !strcmp(key, "desc") || !strcmp(key, "constraint"))
					continue;
				fv = pyval_dict_get(ret->data, key);
				if (fv == NULL || pyval_type(fv) == PY_NONE) {
					if (!strcmp(key, "host")) {
						struct addr a;
						bool eq;

						addr_parse(&a, pyval_as_str(v) ? pyval_as_str(v) : "",
						    ret->id.family == ADDR_RAW || ret->id.family ==
						    ADDR_INVALID ? ADDR_CIDR_RAW : ADDR_CIDR_UNSPEC);
						if (ret->id.family == ADDR_INVALID)
							a.family = ADDR_INVALID;
						eq = addr_equal(&a, &ret->id);
						addr_clear(&a);
						if (!eq) {
							char b[ADDR_STRLEN];

							strbuf_addf(&why, " host %s != %s", addr_str(&ret->id, b,
							    sizeof(b)), pyval_as_str(v));
						}
						continue;
					}
					if (!strcmp(key, "attempts")) {
						struct pyval *m = pyval_dict_get(ret->data, "matches");

						if ((long long)(m ? pyval_len(m) : 0) != pyval_as_int(v))
							strbuf_addf(&why, " attempts %zu != %lld",
							    m ? pyval_len(m) : 0, pyval_as_int(v));
						continue;
					}
					if (pyval_type(v) != PY_NONE)
						strbuf_addf(&why, " %s missing", key);
					continue;
				}
				if (!value_equal(fv, v)) {
					strbuf_addf(&why, " %s: ", key);
					pyval_repr(fv, &why);
					strbuf_adds(&why, " != ");
					pyval_repr(v, &why);
				}
			}
			{
				struct pyval *tv = pyval_dict_get(faildata, "time");

				if (tv && pyval_type(tv) == PY_STR) {
					double jt = json_time(pyval_as_str(tv));

					if (!ret->has_time || ret->time.secs != jt)
						strbuf_addf(&why, " time %.6f != %s (%.6f)",
						    ret->has_time ? ret->time.secs : -1,
						    pyval_as_str(tv), jt);
				}
			}
			mark_used(r, t, ret->regex);
			check(r, why.len == 0, "%s:%d (%s): %s%s", file, lineno, t->name,
			    why.len ? "mismatch:" : "matched as annotated", strbuf_str(&why));
			strbuf_free(&why);
		}
		filter_failures_free(ff, n);
	}
}

static void
run_file(struct run *r, const char *dir, const char *name)
{
	char **files = NULL, *buf = NULL;
	size_t nfiles = 1, fi, cap = 0, i;
	struct ftest **tests = NULL;
	size_t ntests = 0;
	struct pyval *common = NULL;
	bool ignore_block = false;

	dict_free(r->used_re);
	r->used_re = dict_new(NULL);
	files = xcalloc(64, sizeof(*files));
	files[0] = xstrdup(name);
	for (fi = 0; fi < nfiles; fi++) {
		char *path = xasprintf("%s/%s", dir, files[fi]);
		FILE *f = fopen(path, "r");
		struct pyval *faildata = NULL;
		ssize_t len;
		int lineno = 0;
		bool pending = false;

		if (f == NULL) {
			check(r, false, "%s: cannot open", path);
			free(path);
			continue;
		}
		while ((len = getline(&buf, &cap, f)) > 0) {
			const char *p = buf, *colon;

			lineno++;
			while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
				buf[--len] = '\0';
			if (buf[0] == '#' && !pending) {
				/* ^#+ ?(failJSON|fileOptions|filterOptions|addFILE):(.+)$ */
				while (*p == '#')
					p++;
				if (*p == ' ')
					p++;
				colon = strchr(p, ':');
				if (colon && colon[1] && (!strncmp(p, "failJSON:", 9) ||
				    !strncmp(p, "fileOptions:", 12) || !strncmp(p, "filterOptions:", 14) ||
				    !strncmp(p, "addFILE:", 8))) {
					char *err;
					struct pyval *v = json_parse(colon + 1, strlen(colon + 1), &err);

					if (v == NULL) {
						check(r, false, "%s:%d: bad JSON: %s", path, lineno, err);
						free(err);
						continue;
					}
					if (!strncmp(p, "fileOptions:", 12)) {
						pyval_free(common);
						common = v;
					} else if (!strncmp(p, "filterOptions:", 14)) {
						ntests = 0;
						ignore_block = false;
						for (i = 0; i < (pyval_type(v) == PY_LIST ? pyval_len(v) : 1); i++) {
							struct pyval *o = pyval_type(v) == PY_LIST ? pyval_at(v, i) : v;
							struct pyval *opts = common ? pyval_copy(common) : pyval_dict();
							struct pyval *cond;
							size_t k;

							for (k = 0; k < pyval_len(o); k++)
								pyval_dict_set(opts, pyval_copy(pyval_dict_key(o, k)),
								    pyval_copy(pyval_dict_val(o, k)));
							cond = pyval_dict_get(opts, "test.condition");
							if (cond && pyval_type(cond) == PY_STR)
								ignore_block = !constraint_ok(pyval_as_str(cond),
								    name, opts);
							if (!ignore_block) {
								tests = xrealloc(tests, (ntests + 1) * sizeof(*tests));
								tests[ntests++] = read_filter(r, name, opts);
							}
							pyval_free(opts);
						}
						pyval_free(v);
					} else if (!strncmp(p, "addFILE:", 8)) {
						if (nfiles < 63 && pyval_type(v) == PY_STR)
							files[nfiles++] = xstrdup(pyval_as_str(v));
						pyval_free(v);
					} else {
						pyval_free(faildata);
						faildata = v;
						pending = true;	/* the next line is the sample */
					}
					continue;
				}
			}
			if (!pending && (ignore_block || buf[0] == '#' ||
			    strspn(buf, " \t\r\n\f\v") == (size_t)len))
				continue;
			if (!pending) {
				pyval_free(faildata);
				faildata = pyval_dict();
			}
			pending = false;
			if (ignore_block)
				continue;
			if (ntests == 0) {
				tests = xrealloc(tests, sizeof(*tests));
				tests[0] = read_filter(r, name, NULL);
				ntests = 1;
			}
			check_line(r, path, lineno, buf, tests, ntests, faildata, name);
		}
		pyval_free(faildata);
		fclose(f);
		free(path);
	}
	/* every failregex of every filter variant has a sample */
	{
		size_t pos = 0;
		struct ftest *t;

		while (dict_next(r->filters, &pos, NULL, (void **)&t)) {
			if (strncmp(t->name, name, strlen(name)) != 0 ||
			    (t->name[strlen(name)] != '\0' && t->name[strlen(name)] != '{'))
				continue;
			for (i = 0; i < t->nregex; i++) {
				bool ok = t->used[i] ||
				    dict_has(r->used_re, filter_failregex(t->flt, i));

				check(r, ok, "%s: failregex %zu %s", t->name, i,
				    ok ? "has samples" : "has no samples");
			}
		}
	}
	for (fi = 0; fi < nfiles; fi++)
		free(files[fi]);
	free(files);
	free(tests);
	free(buf);
	pyval_free(common);
}

int
corpus_run(const char *path, const char *basedir, bool tap, bool prefilter)
{
	struct run r = { .tap = tap, .prefilter = prefilter, .basedir = basedir };
	struct stat st;

	setenv("TZ", TEST_TZ, 1);
	clock_zone_changed();
	clock_set(TEST_NOW);
	r.filters = dict_new(ftest_free);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct dirent **ents;
		int n, i;

		n = scandir(path, &ents, NULL, alphasort);
		for (i = 0; i < n; i++) {
			char *flt = xasprintf("%s/filter.d/%s.conf", basedir, ents[i]->d_name);
			char *full = xasprintf("%s/%s", path, ents[i]->d_name);

			if (ents[i]->d_name[0] != '.' && stat(full, &st) == 0 &&
			    S_ISREG(st.st_mode) && stat(flt, &st) == 0)
				run_file(&r, path, ents[i]->d_name);
			free(flt);
			free(full);
			free(ents[i]);
		}
		free(ents);
	} else {
		char *dir = xstrdup(path), *slash = strrchr(dir, '/');
		const char *name = slash ? slash + 1 : path;

		if (slash)
			*slash = '\0';
		run_file(&r, slash ? dir : ".", name);
		free(dir);
	}
	dict_free(r.filters);
	dict_free(r.used_re);
	if (tap)
		printf("1..%lu\n", r.n);
	else
		printf("%lu passed, %lu failed\n", r.n - r.failed, r.failed);
	return r.failed ? 1 : 0;
}
