/*
 * ipset_poll: the benchmarks' clock for "in the set" (bench/lib.sh compiles
 * it; without libipset's headers lib.sh falls back to ipset(8) in a loop).
 *
 *   ipset_poll test|count SET IP|N T0|- [LOG TEXTFILE]
 *
 * Prints the microseconds from T0 (or from appending TEXTFILE to LOG, done
 * here in one write) until IP is in SET / SET has at least N entries,
 * polling every 50 us; -1 (status 1) after IPSET_POLL_LIMIT seconds
 * (default 300).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libipset/ipset.h>
#include <libipset/session.h>
static long entries = -1;
static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}
static int q_err(struct ipset *i, void *p, int status, const char *msg, ...)
{
	(void)i; (void)p; (void)msg;
	return status;
}
static int q_std(struct ipset *i, void *p)
{
	struct ipset_session *s = ipset_session(i);
	int e = ipset_session_report_type(s) > IPSET_WARNING;
	(void)p;
	ipset_session_report_reset(s);
	return e ? -1 : 0;
}
static int q_out(struct ipset_session *s, void *p, const char *fmt, ...)
{
	char buf[4096];
	const char *n;
	va_list ap;
	(void)s; (void)p;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((n = strstr(buf, "Number of entries: ")) != NULL)
		entries = atol(n + 19);
	return 0;
}
int main(int argc, char **argv)
{
	struct ipset *h;
	long long t0, limit;
	int count;
	if (argc != 5 && argc != 7)
		return 2;
	count = strcmp(argv[1], "count") == 0;
	ipset_load_types();
	if ((h = ipset_init()) == NULL)
		return 2;
	ipset_custom_printf(h, q_err, q_std, q_out, NULL);
	if (argc == 7) {
		int in = open(argv[6], O_RDONLY), out = open(argv[5], O_WRONLY | O_APPEND);
		struct stat st;
		char *buf;
		if (in < 0 || out < 0 || fstat(in, &st) < 0 || (buf = malloc(st.st_size + 1)) == NULL ||
		    read(in, buf, st.st_size) != st.st_size)
			return 2;
		t0 = now_us();
		if (write(out, buf, st.st_size) != st.st_size)
			return 2;
		close(out);
	} else
		t0 = strcmp(argv[4], "-") == 0 ? now_us() : atoll(argv[4]);
	limit = t0 + (getenv("IPSET_POLL_LIMIT") ? atoll(getenv("IPSET_POLL_LIMIT")) : 300) *
	    1000000LL;
	for (;;) {
		char *a[] = { "ipset", count ? "list" : "test", argv[2], count ? "-t" : argv[3], NULL };
		if (count) {
			entries = -1;
			if (ipset_parse_argv(h, 4, a) == 0 && entries >= atol(argv[3]))
				break;
		} else if (ipset_parse_argv(h, 4, a) == 0)
			break;
		if (now_us() > limit) {
			puts("-1");
			return 1;
		}
		usleep(50);
	}
	printf("%lld\n", now_us() - t0);
	return 0;
}
