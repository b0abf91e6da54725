/*
 * beautifier: how fail2ban-client words the server's answers
 * (fail2ban/client/beautifier.py): "Server replied: pong", the status
 * trees, the lists of log files, regexes and addresses.  Leaf module.
 */
#ifndef F2B_BEAUTIFIER_H
#define F2B_BEAUTIFIER_H

struct pyval;
struct strbuf;

/* The text for answer value v to command cmd (a list of str). */
void	beautify(const struct pyval *cmd, const struct pyval *v, struct strbuf *out);
/* The text for an error answer (an exception value). */
void	beautify_error(const struct pyval *exc, struct strbuf *out);
/* Python's str() of a value. */
void	beautify_str(const struct pyval *v, struct strbuf *out);

#endif
