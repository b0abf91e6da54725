/*
 * fixture.h: temp directories and files for unit tests that read
 * configuration from disk.
 */
#ifndef F2B_FIXTURE_H
#define F2B_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fixture_dir[64];

static int
fixture_rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static __attribute__((unused)) void
fixture_cleanup(void)
{
	if (fixture_dir[0])
		nftw(fixture_dir, fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Creates a fresh temp dir (removed at exit) and returns its path. */
static __attribute__((unused)) const char *
fixture_tmpdir(void)
{
	if (fixture_dir[0]) {
		fixture_cleanup();
	} else
		atexit(fixture_cleanup);
	strcpy(fixture_dir, "/tmp/f2b-unit.XXXXXX");
	if (mkdtemp(fixture_dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
	return fixture_dir;
}

/* Writes len bytes (or a C string when len is -1) to dir/rel, making dirs. */
static __attribute__((unused)) void
fixture_write(const char *rel, const char *data, long len)
{
	char path[4096], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, rel);
	for (p = path + strlen(fixture_dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if ((f = fopen(path, "w")) == NULL) {
		perror(path);
		exit(2);
	}
	fwrite(data, 1, len < 0 ? strlen(data) : (size_t)len, f);
	fclose(f);
}

/* Returns dir/rel in a static buffer. */
static __attribute__((unused)) const char *
fixture_path(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", fixture_dir, rel);
	return path;
}

#endif
