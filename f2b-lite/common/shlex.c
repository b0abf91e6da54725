/*
 * shlex: shlex.split() (Lib/shlex.py's read_token in posix mode with
 * whitespace_split), for the two places fail2ban uses it.
 */
#include "shlex.h"

#include <stdbool.h>

#include "pyval.h"
#include "strbuf.h"

#define NO_CLOSING	"No closing quotation"
#define NO_ESCAPED	"No escaped character"

int
shlex_split(const char *s, struct pyval *out, const char **err)
{
	struct strbuf tok = STRBUF_INIT;
	bool intok = false;
	char q = 0;

	*err = NULL;
	for (;; s++) {
		char c = *s;

		if (q == '\'') {
			if (c == '\0')
				*err = NO_CLOSING;
			else if (c == '\'')
				q = 0;
			else
				strbuf_addc(&tok, c);
		} else if (q == '"') {
			if (c == '\0')
				*err = NO_CLOSING;
			else if (c == '"')
				q = 0;
			else if (c == '\\' && s[1] == '\0')
				*err = NO_ESCAPED;
			else if (c == '\\' && (s[1] == '"' || s[1] == '\\'))
				strbuf_addc(&tok, *++s);
			else
				strbuf_addc(&tok, c);
		} else if (c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (intok)
				pyval_append(out, pyval_strn(strbuf_str(&tok), tok.len));
			strbuf_reset(&tok);
			intok = false;
			if (c == '\0')
				break;
		} else {
			intok = true;
			if (c == '\'' || c == '"')
				q = c;
			else if (c == '\\' && s[1] == '\0')
				*err = NO_ESCAPED;
			else if (c == '\\')
				strbuf_addc(&tok, *++s);
			else
				strbuf_addc(&tok, c);
		}
		if (*err != NULL)
			break;
	}
	strbuf_free(&tok);
	return *err ? -1 : 0;
}
