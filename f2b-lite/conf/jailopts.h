/*
 * jailopts: the jail's option table - one row per name a jail answers to,
 * in jail.conf and in `set <jail> NAME ...` / `get <jail> NAME ...`, in the
 * manner of redis's static_configs[] and tmux's options-table.c.  Adding an
 * option is one row here (and, for the server, its set/get functions).
 *
 * Two layers read it, so it is a list macro (an "X macro") rather than an
 * array: the configuration loader (conf/config.c) makes its typed option
 * lists of JailReader and FilterReader from the rows the files hold, in
 * this order (the order of the stream's `set` commands); the jail
 * (jail/options.c) makes its dispatch table of every row's set and get
 * functions, names that only it defines - the loader drops them unexpanded,
 * so the configuration reader knows nothing of the runtime.
 *
 *   X(name, load, type, default, set, get)
 *
 *   name     the option's name, or a prefix ending in '.': every name that
 *            starts with it and has no row of its own
 *   load     FIRST   JailReader._configOpts1st: read first (and again with
 *                    the rest, in its place)
 *            JAIL    JailReader._configOpts
 *            FILTER  FilterReader._configOpts (the filter's file, or the
 *                    jail's section over it)
 *            OWN     f2b-lite's own, read with JailReader._configOpts (no
 *                    command when the files lack it)
 *            CMD     a command only, never read from the files
 *   type     its value in the files: STR, INT (Python's int()), BOOL
 *            (_as_bool), TIME (a str the server reads as seconds: the
 *            loader warns of a bad or saturated one); NONE for a command
 *   default  its text when the files lack it (NULL: None)
 *   set      jail/options.c's `set` of it, NULL: none ("Invalid command")
 *   get      jail/options.c's `get` of it, NULL: none
 */
#ifndef F2B_JAILOPTS_H
#define F2B_JAILOPTS_H

#define JAIL_OPTIONS(X) \
	/* JailReader._configOpts */ \
	X("enabled",		FIRST,	BOOL,	"False",	NULL,			NULL) \
	X("backend",		FIRST,	STR,	"auto",		NULL,			NULL) \
	X("maxretry",		JAIL,	INT,	NULL,		set_failcount,		get_maxretry) \
	X("maxmatches",		JAIL,	INT,	NULL,		set_failcount,		get_maxmatches) \
	X("findtime",		JAIL,	TIME,	NULL,		set_findtime,		get_time) \
	X("bantime",		JAIL,	TIME,	NULL,		set_bantime,		get_time) \
	X("bantime.increment",	JAIL,	BOOL,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("bantime.factor",	JAIL,	STR,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("bantime.formula",	JAIL,	STR,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("bantime.multipliers", JAIL,	STR,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("bantime.maxtime",	JAIL,	TIME,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("bantime.rndtime",	JAIL,	TIME,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("bantime.overalljails", JAIL,	BOOL,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("ignorecommand",	JAIL,	STR,	NULL,		set_ignorecommand,	get_ignorecommand) \
	X("ignoreself",		JAIL,	BOOL,	NULL,		set_ignoreself,		get_ignoreself) \
	X("ignoreip",		JAIL,	STR,	NULL,		NULL,			get_ignoreip) \
	X("ignorecache",	JAIL,	STR,	NULL,		set_ignorecache,	get_ignorecache) \
	X("filter",		FIRST,	STR,	"",		NULL,			NULL) \
	X("logtimezone",	JAIL,	STR,	NULL,		set_logtimezone,	get_logtimezone) \
	X("logencoding",	JAIL,	STR,	NULL,		set_logencoding,	get_logencoding) \
	X("logpath",		JAIL,	STR,	NULL,		NULL,			get_logpath) \
	X("action",		JAIL,	STR,	"",		set_action,		get_action) \
	/* f2b-lite's own, read with JailReader's: prefix bans (f2b-lite-extras(7)) */ \
	X("ipv4prefix",		OWN,	INT,	NULL,		set_prefix,		get_prefix) \
	X("ipv6prefix",		OWN,	INT,	NULL,		set_prefix,		get_prefix) \
	/* FilterReader._configOpts */ \
	X("usedns",		FILTER,	STR,	NULL,		set_usedns,		get_usedns) \
	X("prefregex",		FILTER,	STR,	NULL,		set_prefregex,		get_prefregex) \
	X("ignoreregex",	FILTER,	STR,	NULL,		NULL,			get_regexes) \
	X("failregex",		FILTER,	STR,	NULL,		NULL,			get_regexes) \
	X("maxlines",		FILTER,	INT,	NULL,		set_maxlines,		get_maxlines) \
	X("datepattern",	FILTER,	STR,	NULL,		set_datepattern,	get_datepattern) \
	X("journalmatch",	FILTER,	STR,	NULL,		set_kept,		get_journalmatch) \
	/* the commands of the server's jails (server/server.py, transmitter.py) */ \
	X("bantime.",		CMD,	NONE,	NULL,		set_bantime_extra,	get_bantime_extra) \
	X("addfailregex",	CMD,	NONE,	NULL,		set_addregex,		NULL) \
	X("addignoreregex",	CMD,	NONE,	NULL,		set_addregex,		NULL) \
	X("delfailregex",	CMD,	NONE,	NULL,		set_delregex,		NULL) \
	X("delignoreregex",	CMD,	NONE,	NULL,		set_delregex,		NULL) \
	X("addignoreip",	CMD,	NONE,	NULL,		set_addignoreip,	NULL) \
	X("delignoreip",	CMD,	NONE,	NULL,		set_delignoreip,	NULL) \
	X("addlogpath",		CMD,	NONE,	NULL,		set_addlogpath,		NULL) \
	X("dellogpath",		CMD,	NONE,	NULL,		set_dellogpath,		NULL) \
	X("addlogglob",		CMD,	NONE,	NULL,		set_addlogglob,		NULL) \
	X("addjournalmatch",	CMD,	NONE,	NULL,		set_addjournalmatch,	NULL) \
	X("deljournalmatch",	CMD,	NONE,	NULL,		set_deljournalmatch,	NULL) \
	X("addaction",		CMD,	NONE,	NULL,		set_addaction,		NULL) \
	X("delaction",		CMD,	NONE,	NULL,		set_delaction,		NULL) \
	X("actions",		CMD,	NONE,	NULL,		NULL,			get_actions) \
	X("actionproperties",	CMD,	NONE,	NULL,		NULL,			get_action) \
	X("actionmethods",	CMD,	NONE,	NULL,		NULL,			get_action) \
	X("attempt",		CMD,	NONE,	NULL,		set_attempt,		NULL) \
	X("idle",		CMD,	NONE,	NULL,		set_idle,		NULL) \
	X("banip",		CMD,	NONE,	NULL,		set_banip,		get_banip) \
	X("unbanip",		CMD,	NONE,	NULL,		set_unbanip,		NULL) \
	X("banned",		CMD,	NONE,	NULL,		NULL,			get_banned) \
	X("addlogline",		CMD,	NONE,	NULL,		set_addlogline,		get_kept)

#endif
