/* replay.c — run a fuzz target over files and directories of inputs.
 *
 * usage: replay_TARGET PATH...   (prints TAP: one test per input file)
 * Builds without libFuzzer, so the seed corpus and every input that once
 * crashed (fixtures/fuzz/) run as a regression test in each build,
 * sanitizers included. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int n;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("not ok %d - %s: cannot open\n", ++n, path);
		return 1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			uint8_t *p = realloc(buf, cap *= 2);
			if (!p) {
				free(buf);
				buf = NULL;
			}
			buf = p;
		}
	}
	fclose(f);
	if (!buf) {
		printf("not ok %d - %s: out of memory\n", ++n, path);
		return 1;
	}
	/* an exact-size copy, so reading past the input is caught */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact) {
		free(buf);
		printf("not ok %d - %s: out of memory\n", ++n, path);
		return 1;
	}
	memcpy(exact, buf, len);
	free(buf);
	fflush(stdout);
	LLVMFuzzerTestOneInput(exact, len); /* a failed CHECK aborts */
	free(exact);
	printf("ok %d - %s\n", ++n, path);
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		printf("not ok %d - %s: missing\n", ++n, path);
		return 1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *d = opendir(path);
	if (!d) {
		printf("not ok %d - %s: cannot open\n", ++n, path);
		return 1;
	}
	char **names = NULL;
	size_t nn = 0, cap = 0;
	struct dirent *e;
	int bad = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (nn == cap) {
			char **p = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *p);
			if (!p)
				break;
			names = p;
		}
		size_t l = strlen(path) + strlen(e->d_name) + 2;
		if (!(names[nn] = malloc(l)))
			break;
		snprintf(names[nn++], l, "%s/%s", path, e->d_name);
	}
	closedir(d);
	/* in name order, so the TAP output is the same on every run */
	if (nn > 1)
		qsort(names, nn, sizeof *names, cmp_name);
	for (size_t i = 0; i < nn; i++) {
		bad |= run_path(names[i]);
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0;
	for (int i = 1; i < argc; i++)
		bad |= run_path(argv[i]);
	printf("1..%d\n", n);
	return bad;
}
