/*
 * shlex: Python's shlex.split(s) - posix=True, no comments, words split on
 * whitespace - as fail2ban splits a command typed at fail2ban-client's
 * interactive prompt (fail2banclient.py) and each line of a filter's
 * journalmatch (filterreader.py).  Both callers get the same rules: quotes
 * join, a backslash escapes any character outside quotes and only '"' and
 * '\' inside double quotes, and a trailing backslash is an error as an
 * unclosed quote is.  Leaf module (uses pyval, strbuf): no logging.
 */
#ifndef F2B_SHLEX_H
#define F2B_SHLEX_H

struct pyval;

/*
 * Appends the words of s to list out (str values).  Returns 0, or -1 with
 * Python's ValueError text in *err ("No closing quotation", "No escaped
 * character", static strings); out may then hold some words: discard it.
 */
int	 shlex_split(const char *s, struct pyval *out, const char **err);

#endif
