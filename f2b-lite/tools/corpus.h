/*
 * corpus: replays sample logs annotated in fail2ban's format and checks the
 * filter against every annotation, as fail2ban's samplestestcase.py does:
 * "# failJSON: {...}" before a line says whether it must match, with which
 * host, time and groups; "# filterOptions:" switches filter arguments;
 * "# fileOptions:" and "# addFILE:" as in fail2ban.  Lines without an
 * annotation must not match, and every failregex must be hit by some sample.
 * Times are checked in fail2ban's test setting: TZ CET/CEST, now fixed at
 * 2005-08-14 12:00 CEST.
 */
#ifndef F2B_CORPUS_H
#define F2B_CORPUS_H

#include <stdbool.h>

/*
 * Replays path (a sample log named after its filter, or a directory of
 * them) with filters from basedir/filter.d.  Prints TAP when tap is set,
 * failures and an "N passed, M failed" line otherwise.  Returns 0 when
 * every check passed.  prefilter: the filters use the Vectorscan prefilter
 * (linescan_set()).
 */
int	 corpus_run(const char *path, const char *basedir, bool tap, bool prefilter);

#endif
