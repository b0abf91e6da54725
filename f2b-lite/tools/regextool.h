/*
 * regextool: fail2ban-regex.  The filter engine it drives is not written
 * yet; for now it reports that.
 */
#ifndef F2B_REGEXTOOL_H
#define F2B_REGEXTOOL_H

int	 regextool_main(int argc, char **argv);

#endif
