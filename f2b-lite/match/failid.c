/*
 * failid: the id of a failure fail2ban's findFailure found (server/
 * filter.py, after a failregex matched): the ip4, ip6, dns and fid groups
 * in fail2ban's order, a cidr group, usedns (yes, warn, no, raw) and
 * rawhost; a name is resolved through dns, or handed back for the caller
 * to look up off its loop.  Logs what fail2ban logs here (no id group; a
 * name that did not resolve, or resolved under usedns warn).
 *
 * Sections: value helpers (Python's view of a group's value); failid_get().
 */
#include "failid.h"

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dns.h"
#include "log.h"
#include "pyint.h"
#include "pyval.h"
#include "strbuf.h"
#include "xmalloc.h"

/* v as fail2ban tests "is not None". */
static const struct pyval *
not_none(const struct pyval *v)
{
	return v != NULL && pyval_type(v) != PY_NONE ? v : NULL;
}

/* A failure dict's value (k a string literal) as fail2ban tests "is not None". */
#define dvalue(fail, k)	not_none(pyval_dget((fail), k))

/* Python's name of a value's type in its TypeErrors. */
static const char *
type_name(const struct pyval *v)
{
	switch (pyval_type(v)) {
	case PY_STR: return "str";
	case PY_TUPLE: return "tuple";
	case PY_LIST: return "list";
	case PY_NONE: return "NoneType";
	default: return "object";
	}
}

/* int(fail.get('cidr') or fam) */
static int
cidr_of(const struct pyval *c, long long fam, long long *cidr, char **err)
{
	if (c == NULL || !pyval_as_bool(c)) {
		*cidr = fam;
		return 0;
	}
	if (pyval_type(c) == PY_STR) {
		char *msg;

		if (pyint_ll(pyval_as_str(c), pyval_strlen(c), PYINT_STR, cidr, NULL, &msg) == 0)
			return 0;
		*err = pyval_repr_exception("ValueError", msg);
		free(msg);
		return -1;
	}
	*err = xasprintf("TypeError(\"int() argument must be a string, a bytes-like "
	    "object or a real number, not '%s'\")", type_name(c));
	return -1;
}

/*
 * IPAddr(v, cidr) of a group's value: a str, or a tuple (<F-TUPLE_...>),
 * which is a raw id - its str() - or a TypeError where fail2ban would hand
 * it to inet_pton.
 */
static int
id_parse(struct addr *out, const struct pyval *v, long long cidr, char **err)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (pyval_type(v) == PY_STR)
		return addr_parse_n(out, pyval_as_str(v), pyval_strlen(v), cidr, err);
	memset(out, 0, sizeof(*out));
	if (cidr == ADDR_CIDR_UNSPEC && (pyval_type(v) == PY_TUPLE ||
	    pyval_type(v) == PY_LIST))
		cidr = ADDR_CIDR_RAW;
	if (cidr != ADDR_CIDR_RAW) {
		/* inet_pton's arguments: the family number is checked first */
		if (addr_parse_n(out, "", 0, cidr, err) < 0)
			return -1;
		addr_clear(out);
		*err = xasprintf("TypeError('inet_pton() argument 2 must be str, not %s')",
		    type_name(v));
		return -1;
	}
	pyval_to_text(v, &sb);
	rc = addr_parse_n(out, sb.s ? sb.s : "", sb.len, cidr, err);
	strbuf_free(&sb);
	return rc;
}
enum failid_rc
failid_get(const struct failid_opts *o, int ri, struct pyval *fail, bool has_mlfid,
    struct failid *res, char **err)
{
	long long defcidr = (!strcmp(o->usedns, "raw") || o->rawhost) ? ADDR_CIDR_RAW :
	    ADDR_CIDR_UNSPEC, cidr = defcidr;
	const struct pyval *ip4 = dvalue(fail, "ip4"), *fid = dvalue(fail, "fid");
	const struct pyval *ip = ip4 ? ip4 : dvalue(fail, "ip6");
	bool raw = defcidr == ADDR_CIDR_RAW;

	memset(res, 0, sizeof(*res));
	if (ip != NULL) {
		if (cidr_of(dvalue(fail, "cidr"), ip == ip4 ? ADDR_FAM_IPV4 : ADDR_FAM_IPV6,
		    &cidr, err) < 0)
			return FAILID_ERROR;
		raw = true;
	} else if ((ip = dvalue(fail, "dns")) == NULL) {
		if (fid == NULL && !has_mlfid) {
			/* getFailID() finds nothing either: fail2ban logs and goes on */
			log_msg(LOG_LVL_ERROR, LOG_FILTER, "No group found in a match "
			    "of failregex %d", ri);
			return FAILID_NONE;
		}
		ip = fid;
		raw = true;
	}
	if (ip == NULL) {
		/* multi-line failure without an id yet: pending */
		pyval_dict_set(fail, pyval_str("mlfpending"), pyval_int(1));
		return FAILID_PENDING;
	} else if (raw) {
		if (fid == NULL || pyval_equal(fid, ip)) {
			if (id_parse(&res->id, ip, cidr, err) < 0)
				return FAILID_ERROR;
		} else {
			char abuf[ADDR_STRLEN];
			struct addr ipa;

			if (id_parse(&ipa, ip, cidr, err) < 0)
				return FAILID_ERROR;
			pyval_dict_set(fail, pyval_str("ip"),
			    pyval_str(addr_str(&ipa, abuf, sizeof(abuf))));
			addr_clear(&ipa);
			if (id_parse(&res->id, fid, defcidr, err) < 0)
				return FAILID_ERROR;
		}
		return FAILID_ADDR;
	} else {
		/* DNSUtils.textToIp */
		const char *host = pyval_as_str(ip);
		size_t s, l;

		if (host == NULL) {
			*err = xasprintf("TypeError(\"expected string or bytes-like object, "
			    "got '%s'\")", type_name(ip));
			return FAILID_ERROR;
		}
		/* searchIP sees the whole text; a C string would end at a NUL */
		if (strlen(host) == pyval_strlen(ip) && addr_search(host, &s, &l)) {
			if (addr_parse_n(&res->id, host + s, l, ADDR_CIDR_UNSPEC, err) < 0)
				return FAILID_ERROR;
			if (addr_valid(&res->id))
				return FAILID_ADDR;
			addr_clear(&res->id);
		} else if ((!strcmp(o->usedns, "yes") || !strcmp(o->usedns, "warn")) &&
		    o->defer_dns) {
			/* the caller looks the name up (off its loop) */
			res->host = host;
			return FAILID_HOST;
		} else if (!strcmp(o->usedns, "yes") || !strcmp(o->usedns, "warn")) {
			const char *derr;

			res->nips = dns_to_ips(host, &res->ips, &derr);
			if (derr)
				log_msg(LOG_LVL_WARNING, LOG_IPDNS, DNS_FAILED, host, derr);
			if (res->nips && !strcmp(o->usedns, "warn")) {
				char abuf[ADDR_STRLEN];

				log_msg(LOG_LVL_WARNING, LOG_FILTER, "Determined IP using "
				    "DNS Lookup: %s = %s", host, addr_str(&res->ips[0], abuf,
				    sizeof(abuf)));
			}
		}
	}
	return FAILID_ADDRS;
}
