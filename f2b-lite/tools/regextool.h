/*
 * regextool: fail2ban-regex - a filter tested against a log, as
 * fail2ban-server would see it (fail2ban/client/fail2banregex.py).
 */
#ifndef F2B_REGEXTOOL_H
#define F2B_REGEXTOOL_H

int	 regextool_main(int argc, char **argv);

#endif
