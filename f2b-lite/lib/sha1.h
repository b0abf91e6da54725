/*
 * sha1: SHA-1 (FIPS 180-4), for the first-line hash fail2ban keeps in its
 * database's logs.firstlinemd5 column (hashlib.md5 is unusable there, so
 * fail2ban falls back to SHA-1).  Leaf module.
 */
#ifndef F2B_SHA1_H
#define F2B_SHA1_H

#include <stddef.h>

/* The hex digest (41 bytes with the NUL) of len bytes at p. */
void	sha1_hex(const void *p, size_t len, char out[41]);

#endif
