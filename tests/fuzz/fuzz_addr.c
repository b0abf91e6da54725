/*
 * libFuzzer target: address text as it comes out of a log line or a
 * command (IPv4, IPv6, brackets, ::ffff: mapping, /len and /mask, raw
 * ids): parsing, printing, the reverse name, and the address scanner.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[ADDR_STRLEN], *ptr;
	struct addr a, b;
	static const int cidrs[] = { ADDR_CIDR_RAW, ADDR_CIDR_UNSPEC, 0, 8, 24, 32, 64, 128, 129 };
	size_t start, len, i;

	if (memchr(data, 0, size))
		return 0;
	s = xstrndup((const char *)data, size);
	for (i = 0; i < sizeof(cidrs) / sizeof(cidrs[0]); i++) {
		if (addr_parse(&a, s, cidrs[i]) == 0) {
			addr_str(&a, buf, sizeof(buf));
			addr_family_str(&a);
			if (addr_valid(&a)) {
				ptr = addr_ptr(&a, "example.");
				free(ptr);
				addr_copy(&b, &a);
				(void)addr_in_net(&b, &a);
				if (!addr_equal(&a, &b))
					abort();
				addr_clear(&b);
			}
			addr_clear(&a);
		}
	}
	if (addr_search(s, &start, &len) && (start > size || len > size - start))
		abort();
	free(s);
	return 0;
}
