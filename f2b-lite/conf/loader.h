/*
 * loader: the part of fail2ban's readers (configreader.py) that every
 * reader shares: typed options with the place they came from, the
 * configurations read once per logical name (share_config), the reading
 * of a table of options from one section (ConfigReaderUnshared.getOptions)
 * and the filter and action readers (DefinitionInitConfigReader:
 * getOptions, getCombOption, getCombined).  config builds the command
 * stream on top of it; the option tables are config's.
 *
 * Errors go to the loader's diag as "file:line: message"; `fatal` records
 * that fail2ban would have raised.
 */
#ifndef F2B_LOADER_H
#define F2B_LOADER_H

#include <stdbool.h>
#include <stddef.h>

struct config_request;
struct confset;
struct confset_cache;
struct diag;
struct dict;
struct pyval;

enum opt_type { OPT_STR, OPT_INT, OPT_BOOL, OPT_TIME };	/* TIME: a str, seconds to the server */

/* One option of a reader's table: name, type and default (NULL = None). */
struct optdef {
	const char	*name;
	enum opt_type	 type;
	const char	*def;
};

/* An option value with the place it came from. */
struct cfgopt {
	struct pyval	*val;
	const char	*file;
	int		 line;
};
/* A confset read once per logical name (fail2ban's share_config). */
struct loader_shared {
	struct confset	*cs;
	int		 nread;
	bool		 done;
};

struct loader {
	const struct config_request *req;	/* config's, opaque here */
	const char		*basedir;	/* req->basedir */
	struct confset_cache	*cache;
	struct dict		*shared;	/* name -> struct loader_shared * */
	struct diag		*diag;
	bool			 fatal;		/* fail2ban would have raised */
};

/* A filter or action reader (DefinitionInitConfigReader). */
struct defreader {
	struct loader		*L;
	struct loader_shared	*sh;
	char			*file;		/* "filter.d/sshd", "action.d/x" */
	char			*name;		/* action name (actname) */
	char			*jail;
	const struct optdef	*defs;
	size_t			 ndefs;
	struct dict		*initopts;	/* cfgopt */
	struct dict		*popts;		/* cfgopt */
	struct dict		*opts;		/* cfgopt, _opts */
	struct dict		*defcache;	/* heap char * or NULL */
	struct dict		*pvars;		/* vars of popts */
	const char		*deffile;	/* where the jail named it */
	int			 defline;
};

/* typed options and their dicts (name -> struct cfgopt *) */
bool	 loader_optdef_has(const struct optdef *, size_t n, const char *name);
const struct optdef *loader_optdef_find(const struct optdef *, size_t n,
	    const char *name);
struct cfgopt *loader_cfgopt_new(struct pyval *, const char *file, int line);
struct dict *loader_cfgopts_new(void);
/* The option's text, or NULL when absent, None or not a str. */
const char *loader_cfgopts_str(const struct dict *, const char *name);

/* The loader's dict of shared confsets frees them with this. */
void	 loader_shared_free(void *);
/* ConfigReader.read(name): the shared confset, read on first use. */
struct loader_shared *loader_read(struct loader *, const char *name);
/* A time option the server evaluates: warns when it saturates or fails. */
void	 loader_check_time(struct loader *, const char *name,
	    const struct cfgopt *);
/*
 * ConfigReaderUnshared.getOptions: reads the table's options from section
 * sec into values, skipping those in popts (which are also the
 * interpolation vars).  Returns -1 when fail2ban would have raised.
 */
int	 loader_getoptions(struct loader *, const struct confset *,
	    const char *sec, const struct optdef *, size_t ndefs,
	    const struct dict *popts, bool should_exist, bool convert,
	    struct dict *values, const char *ctx);

/* the filter and action readers */
struct defreader *loader_def_new(struct loader *, const char *dir,
	    const char *file, const char *jail, struct dict *initopts,
	    const struct optdef *, size_t ndefs);
void	 loader_def_free(struct defreader *);
/* Reads the reader's file; false when no file of it exists. */
bool	 loader_def_read(struct defreader *);
/* DefinitionInitConfigReader.getOptions */
int	 loader_def_getoptions(struct defreader *, const struct dict *jailopts,
	    bool all);
/*
 * DefinitionInitConfigReader.getCombined: the options, tags substituted
 * (but not those named in ignore_names), typed; NULL when substitution fails.
 */
struct dict *loader_def_combined(struct defreader *,
	    const char *const *ignore_names);

#endif
