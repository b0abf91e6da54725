/*
 * protocol: the commands fail2ban-client sends, as its help lists them, in
 * fail2ban's words and layout.  Leaf module.
 */
#ifndef F2B_PROTOCOL_H
#define F2B_PROTOCOL_H

struct strbuf;

/* Appends the formatted list (fail2ban's protocol.printFormatted()). */
void	 protocol_format(struct strbuf *);

#endif
