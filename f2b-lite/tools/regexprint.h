/*
 * regexprint: fail2ban-regex's output - the rows of -o and the report
 * after a run.  The state of a run (struct tool: the options, the regexes
 * with their hits, the line counts) is declared here because regextool
 * fills it in and this module prints it; only those two modules include
 * this header.
 */
#ifndef F2B_REGEXPRINT_H
#define F2B_REGEXPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "strbuf.h"

struct filter;
struct filter_failure;
struct pyval;
struct recode;

/* A failregex or ignoreregex as given, with its hits (RegexStat). */
struct rstat {
	char		*regex;
	unsigned long	 hits;
	unsigned long	 limit_hits;	/* searches stopped by the match limit */
	struct pyval	*iplist;	/* verbose: [id, time, multiple] rows */
};

struct opts {
	const char	*config;
	const char	*datepattern;
	const char	*timezone;
	const char	*encoding;
	bool		 raw;
	const char	*usedns;
	long		 maxlines;
	const char	*journalmatch;
	const char	*log_level;
	int		 verbose;
	bool		 verbose_date;
	bool		 debuggex;
	bool		 check_all;
	const char	*out;
	bool		 print_no_missed, print_no_ignored, print_all_matched;
	bool		 print_all_missed, print_all_ignored;
	const char	*corpus;	/* our corpus mode: a file or directory */
	bool		 tap;
	bool		 no_prefilter;	/* --no-prefilter, F2B_LITE_PREFILTER=off */
};

struct otpl;

struct linestats {
	unsigned long	 tested, matched, missed, ignored;
	struct strbuf	 matched_lines, missed_lines, ignored_lines;	/* NUL-separated */
	size_t		 nmatched_lines, nmissed_lines, nignored_lines;
};

struct tool {
	struct opts	 o;
	struct filter	*flt;
	long		 display_max;	/* _maxlines */
	bool		 maxlines_set, datepattern_set;
	struct rstat	*fail, *ign;
	size_t		 nfail, nign;
	unsigned long	 pref_matched;
	struct pyval	*pref_groups;	/* verbose: collected prefregex groups */
	struct linestats st;
	bool		 line_ignored;
	const char	*backend;
	struct pyval	*jm;		/* the filter's last journalmatch (words) */
	struct recode	*recode;	/* -e: another encoding than UTF-8 */
	struct strbuf	 recoded;
	const char	*jdatetext;	/* a journal entry's date text, or NULL */
	double		 jtime;
	double		 elapsed;
	size_t		 limit_hits;	/* searches stopped by the match limit */
	size_t		 limit_pref;	/* ... of the prefregex (per regex: rstat) */
	size_t		 truncated;	/* lines cut to FILTER_LINE_MAX */
	size_t		 line_errors;	/* lines processLine raised on */
	struct otpl	*otpl;		/* -o template, cut into parts at first use */
	bool		 otpl_msg;	/* ... and whether it holds <msg> */
};

/* print() of a line / of a formatted line, to stdout. */
void	 regexprint_line(const char *);
void	 regexprint_fmt(const char *, ...) __attribute__((format(printf, 1, 2)));
/* self.output(): only when not printing failures only */
#define TOOL_OUT(t, ...) do { if (!(t)->o.out) regexprint_fmt(__VA_ARGS__); } while (0)
/* shortstr(s, l): s cut to l characters with "..." (heap, caller frees). */
char	*regexprint_shortstr(const char *, size_t);
/* A failure's id as text ("None" without one), appended to sb. */
void	 regexprint_id(const struct filter_failure *, struct strbuf *);
/* Prints the rows of -o for n failures of a line (t->o.out the format). */
void	 regexprint_failures(struct tool *, struct filter_failure *, size_t n);
/* Frees a -o template (NULL is fine). */
void	 regexprint_otpl_free(struct otpl *);
/* Our limits' effects on a run (f2b-lite's lines of the report), to fp. */
void	 regexprint_hazards(struct tool *, FILE *fp);
/* printStats: the report after a run. */
void	 regexprint_stats(struct tool *);

#endif
