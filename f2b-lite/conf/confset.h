/*
 * confset: one logical configuration ("jail", "fail2ban", "filter.d/sshd",
 * "action.d/iptables") as fail2ban merges it: the layering of .conf,
 * NAME.d/ *.conf, .local and NAME.d/ *.local, [INCLUDES] before/after with their .local
 * siblings, section merging with the KNOWN/<section> snapshots behind
 * %(known/x)s, [Init?family=inet6]-style conditional sections, and
 * ConfigParser's %(name)s interpolation extended with %(section/name)s,
 * %(default/name)s, %(known/name)s and %(__name__)s.
 *
 * Values keep their origin (file:line), so every error points at the line
 * that caused it.  Errors go to the diag given to each call.
 */
#ifndef F2B_CONFSET_H
#define F2B_CONFSET_H

#include <stdbool.h>
#include <stddef.h>

struct diag;
struct dict;
struct ini;
struct ini_value;

struct confset;

/* Parsed files shared between confsets (fail2ban's share_config). */
struct confset_cache;

struct confset_cache *confset_cache_new(void);
void	 confset_cache_free(struct confset_cache *);

/* basedir is the -c directory; cache may be shared by many confsets. */
struct confset	*confset_new(const char *basedir, struct confset_cache *);
void		 confset_free(struct confset *);
const char	*confset_basedir(const struct confset *);
/* Number of files merged so far. */
int		 confset_nfiles(const struct confset *);
/* Number of files that could not be used as they are (errors in the diag). */
int		 confset_nbroken(const struct confset *);

/*
 * Reads the logical name (e.g. "jail", "filter.d/sshd") with its layers and
 * includes.  Returns the number of files read; 0 means none was found.
 */
int	 confset_read(struct confset *, const char *name, struct diag *);
/* Merges one parsed file (no includes followed); the ini must outlive cs. */
void	 confset_add(struct confset *, const struct ini *);
/* Reads one explicit file with its includes (no .d/.local layering). */
int	 confset_read_file(struct confset *, const char *path, struct diag *);

enum confset_status {
	CONFSET_OK,
	CONFSET_NOSECTION,
	CONFSET_NOOPTION,
	CONFSET_ERROR		/* interpolation failed; reported in diag */
};

/* A value returned by a get: text (heap, NULL for Python's None) and origin. */
struct confset_result {
	char		*text;
	const char	*file;
	int		 line;
};

/*
 * ConfigParser.get(section, option, raw, vars): vars maps lower-case names to
 * strings (NULL values mean None) and takes precedence over the section,
 * which takes precedence over [DEFAULT].  On CONFSET_OK the caller frees
 * res->text.
 */
enum confset_status confset_get(const struct confset *, const char *section,
	    const char *option, bool raw, const struct dict *vars,
	    struct confset_result *res, struct diag *);
/*
 * fail2ban's get_ex: also understands "known/opt", "default/opt" and
 * "section/opt" option names.
 */
enum confset_status confset_get_ex(const struct confset *, const char *section,
	    const char *option, const struct dict *vars,
	    struct confset_result *res, struct diag *);

bool	 confset_has_section(const struct confset *, const char *);
/* Option of the section itself (with_default false) or also of [DEFAULT]. */
bool	 confset_has_option(const struct confset *, const char *section,
	    const char *option, bool with_default);
/*
 * Iterates section names in order, hiding KNOWN/ snapshots: start with
 * *pos = 0; returns NULL at the end.
 */
const char *confset_next_section(const struct confset *, size_t *pos);
/* The section's own options (key -> struct ini_value *), or NULL. */
const struct dict *confset_section(const struct confset *, const char *);
/* [DEFAULT] options (key -> struct ini_value *). */
const struct dict *confset_defaults(const struct confset *);

/* Adds options to a section (created if needed), each key prefixed with prefix. */
void	 confset_merge_section(struct confset *, const char *section,
	    const struct dict *values, const char *prefix);
/* Sets a [DEFAULT] option (no origin). */
void	 confset_set_default(struct confset *, const char *key, const char *val);

#endif
