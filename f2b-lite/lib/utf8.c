/* utf8: strict UTF-8 decoding and Python's whitespace/printable classes. */
#include "utf8.h"

#include <string.h>

#include "strbuf.h"

int
utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	int len, i;

	if (n == 0)
		return -1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return -1;
	if (n < (size_t)len)
		return -1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*cp = c;
	return len;
}

bool
utf8_isspace(uint32_t c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
	return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

int
utf8_space_at(const char *s, size_t n)
{
	uint32_t cp;
	int l;

	if (n == 0)
		return 0;
	if ((unsigned char)s[0] < 0x80)
		return utf8_isspace((unsigned char)s[0]) ? 1 : 0;
	l = utf8_decode(s, n, &cp);
	return l > 0 && utf8_isspace(cp) ? l : 0;
}

/* Format (Cf), separator (Z* but space), private use and noncharacters. */
static const uint32_t utf8_nonprint[][2] = {
	{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
	{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 }, { 0x1680, 0x1680 }, { 0x180e, 0x180e },
	{ 0x2000, 0x200f }, { 0x2028, 0x202f }, { 0x205f, 0x2064 },
	{ 0x2066, 0x206f }, { 0x3000, 0x3000 }, { 0xd800, 0xf8ff },
	{ 0xfdd0, 0xfdef }, { 0xfeff, 0xfeff }, { 0xfff9, 0xfffb },
	{ 0xfffe, 0xffff }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
	{ 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f }, { 0xf0000, 0x10ffff },
};

bool
utf8_isprintable(uint32_t c)
{
	size_t i;

	if (c < 0x20 || (c >= 0x7f && c <= 0xa0))
		return false;
	if (c < 0xad)
		return true;
	for (i = 0; i < sizeof(utf8_nonprint) / sizeof(utf8_nonprint[0]); i++)
		if (c >= utf8_nonprint[i][0] && c <= utf8_nonprint[i][1])
			return false;
	return (c & 0xfffe) != 0xfffe;
}

int
utf8_encode(uint32_t c, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xc0 | (c >> 6));
		o[1] = (unsigned char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (c >> 12));
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (c & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | (c >> 18));
	o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (c & 0x3f));
	return 4;
}

/* Length of the longest valid prefix of an encoded character at s (0..4). */
static size_t
utf8_valid_prefix(const unsigned char *s, size_t n, size_t *need)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		*need = 1;
		return 0;
	}
	*need = len;
	for (i = 1; i < len && i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return i;
		lo = 0x80;
		hi = 0xbf;
	}
	return i;
}

/*
 * Length of the longest valid UTF-8 prefix of s (plain ASCII eight bytes at
 * a time: most log text); *ascii cleared when it holds any other byte.
 */
static size_t
valid_run(const unsigned char *s, size_t n, bool *ascii)
{
	size_t i = 0, need;
	uint64_t w;

	while (i < n) {
		while (i + 8 <= n) {
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		*ascii = false;
		if (utf8_valid_prefix(s + i, n - i, &need) != need)
			return i;
		i += need;
	}
	return n;
}

size_t
utf8_check(const char *s, size_t n)
{
	bool ascii;

	return valid_run((const unsigned char *)s, n, &ascii);
}

bool
utf8_valid(const char *str, size_t n, bool *ascii)
{
	*ascii = true;
	return valid_run((const unsigned char *)str, n, ascii) == n;
}

size_t
utf8_sanitize(const char *str, size_t n, struct strbuf *sb)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, repl = 0, need, got;
	bool ascii;

	while ((i += valid_run(s + i, n - i, &ascii)) < n) {
		got = utf8_valid_prefix(s + i, n - i, &need);
		strbuf_add(sb, str + run, i - run);
		strbuf_adds(sb, "\xef\xbf\xbd");
		repl++;
		i += got ? got : 1;
		run = i;
	}
	strbuf_add(sb, str + run, n - run);
	return repl;
}
