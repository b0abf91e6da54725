/*
 * config: fail2ban's configuration readers (the fail2ban/client/ readers):
 * fail2ban.conf, jail.conf with its jails, and the filter.d and action.d
 * files they name, resolved into the command stream fail2ban-client sends
 * to the server - the list of Python lists that `fail2ban-client -d` prints.
 *
 * Each jail option has its type from one table (JailReader._configOpts and
 * friends).  Problems are reported to a diag as "file:line: message"; the
 * readers keep going after an error so that all of them are reported.
 */
#ifndef F2B_CONFIG_H
#define F2B_CONFIG_H

#include <stdbool.h>

struct diag;
struct dict;
struct pyval;

struct config_request {
	const char	*basedir;	/* -c DIR */
	bool		 allow_no_files;	/* -d: a jail without log files is kept */
	bool		 test;		/* -t: a broken jail fails the whole test */
	const char	*jail;		/* only this jail, or NULL for all */
	/*
	 * f2b-lite's server (and -t, start): backend auto and no log file:
	 * the systemd journal when the filter has a journalmatch; otherwise
	 * (and with any file backend) the jail runs and waits for its files:
	 * a missing path is added all the same (followed once it appears),
	 * globs are watched for new files.  fail2ban 1.0.2 refuses the whole
	 * configuration ("Have not found any log file"): -d still does.
	 */
	bool		 journal_fallback;
	/*
	 * The server and its reload: any error inside a jail (its options, its
	 * filter, its actions) skips that jail with a config-error command, as
	 * fail2ban skips a jail on a JailDefError; *ok is false when no jail is
	 * left or there is an error outside every jail.  Off: fail2ban's
	 * verdict of -t and -d.
	 */
	bool		 skip_broken_jails;
	/*
	 * The command-line options (char * values): their loglevel, logtarget
	 * and syslogsocket override fail2ban.conf's
	 */
	const struct dict *mainopts;
};

/*
 * Reads fail2ban.conf's socket, pidfile, loglevel, logtarget and
 * syslogsocket into opts (name -> heap char *) for the names opts does not
 * hold yet.  Returns -1 if the base directory does not exist.
 */
int	 config_early(const char *basedir, struct dict *opts, struct diag *);

/*
 * Builds the command stream.  Returns a list (owned by the caller), or NULL
 * when the configuration cannot be used at all.  *ok is fail2ban's verdict
 * (some jail usable, or, under test, no jail broken); every error is in the
 * diag either way.
 */
struct pyval *config_stream(const struct config_request *, struct diag *,
	    bool *ok);

/*
 * fail2ban-regex's FilterReader: the stream of the filter name (under
 * basedir/filter.d, with its layers) or, with basedir NULL, of the explicit
 * file name (with its includes), with filter arguments args (char *
 * values) and the backend deciding logtype.  Returns the commands, or NULL
 * when the filter cannot be read (*why: 1 no such files, 2 unusable).
 */
struct pyval *config_filter(const char *basedir, const char *name,
	    const struct dict *args, const char *backend, struct diag *, int *why);

#endif
