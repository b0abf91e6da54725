/* Unit tests for sha1: FIPS 180 test vectors and block boundaries. */
#include "sha1.h"
#include "tap.h"

int
main(void)
{
	char h[41], buf[200];
	size_t i;

	sha1_hex("", 0, h);
	is_str(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "empty");
	sha1_hex("abc", 3, h);
	is_str(h, "a9993e364706816aba3e25717850c26c9cd0d89d", "abc");
	sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	is_str(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "two blocks (56 bytes)");
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 'a';
	sha1_hex(buf, 64, h);
	is_str(h, "0098ba824b5c16427bd7a1122a5a442a25ec644d", "64 bytes");
	sha1_hex(buf, 55, h);
	is_str(h, "c1c8bbdc22796e28c0e15163d20899b65621d65a", "55 bytes");
	sha1_hex("Jan  1 00:00:01 h x\n", 20, h);
	is_str(h, "8eefc06ac8a693800725f06dcb8bea908fae7f1c", "a first line with its newline");
	return tap_done();
}
