/*
 * addr: IP addresses as fail2ban's IPAddr holds them: IPv4 and IPv6 with a
 * prefix length, IPv4-mapped IPv6 turned into IPv4, and the two non-address
 * forms fail2ban keeps - a "raw" failure id (a user name, a host name kept
 * as text) and an invalid address (999.1.1.1), both compared and printed as
 * their text.  A small value type callers embed; leaf module.
 */
#ifndef F2B_ADDR_H
#define F2B_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The cidr argument of addr_parse() (fail2ban's IPAddr constants). */
#define ADDR_CIDR_UNSPEC	(-1)	/* plain text, maybe with /len or [brackets] */
#define ADDR_CIDR_RAW		(-2)	/* keep as text, never an address */
#define ADDR_FAM_IPV4		(-4)	/* only try IPv4 */
#define ADDR_FAM_IPV6		(-12)	/* only try IPv6 */

enum addr_family { ADDR_INVALID, ADDR_RAW, ADDR_IPV4, ADDR_IPV6 };

/* Longest text addr_str() writes, with its NUL, for valid addresses. */
#define ADDR_STRLEN	(46 + 4)

struct addr {
	enum addr_family family;
	int		 plen;		/* prefix length (32 or 128 for one address) */
	uint8_t		 a[16];		/* network order; IPv4 in a[0..3] */
	char		*raw;		/* the text given (heap) */
};

/*
 * IPAddr(text, cidr) of len bytes.  Returns 0, or -1 where fail2ban raises
 * (a bad /len or /mask, a NUL byte, a family number out of range) with the
 * exception as Python's repr() shows it in *err (heap; err may be NULL),
 * e.g. ValueError("invalid literal for int() with base 10: 'b'").  *out is
 * always set: a cleared address on error.  An unparsable address is not an
 * error: it becomes ADDR_INVALID and keeps its text.  A cidr past the
 * family's bits keeps the address whole (plen saturates at INT_MAX).  A raw
 * id holding a NUL byte is refused too (fail2ban keeps it, and its action
 * then fails).
 */
int	 addr_parse_n(struct addr *, const char *text, size_t len, long long cidr,
	    char **err);
/* addr_parse_n() of a C string, without the message. */
int	 addr_parse(struct addr *, const char *text, long long cidr);
void	 addr_clear(struct addr *);
void	 addr_copy(struct addr *dst, const struct addr *src);
bool	 addr_valid(const struct addr *);
/* A single address (not a subnet, raw or invalid). */
bool	 addr_single(const struct addr *);
/*
 * str(IPAddr): "192.0.2.1", "2001:db8::/32", or the raw text - use the
 * returned text: a raw id longer than buf is cut there.
 */
const char *addr_str(const struct addr *, char *buf, size_t len);
/* "inet4", "inet6" or NULL. */
const char *addr_family_str(const struct addr *);
bool	 addr_equal(const struct addr *, const struct addr *);
/* Whether a lies in the network net (both valid addresses of a family). */
bool	 addr_in_net(const struct addr *a, const struct addr *net);

/* The prefix lengths of prefix bans: each family's full length bans one address. */
#define ADDR_PREFIX4_FULL	32
#define ADDR_PREFIX6_FULL	128
/*
 * The network of plen4 (IPv4) or plen6 (IPv6) bits that holds a, into *out
 * (cleared first; addr_clear() it): a valid address is masked to its
 * family's length, unless it is a network that length would widen; raw
 * ids and invalid text are copied.  Lengths outside 1..32 and 1..128 keep
 * a as it is.  Returns whether *out differs from a.
 */
bool	 addr_prefix(struct addr *out, const struct addr *a, int plen4, int plen6);
/* Whether the network net holds all of inner (an address or a network). */
bool	 addr_net_holds(const struct addr *net, const struct addr *inner);
/*
 * IPAddr.searchIP: if text is exactly an IPv4 or (bracketed) IPv6 address,
 * sets *start and *len to it and returns true.
 */
bool	 addr_search(const char *text, size_t *start, size_t *len);
/* PTR name labels: "7.2.0.192." or the IPv6 nibbles, with suffix. */
char	*addr_ptr(const struct addr *, const char *suffix);

#endif
