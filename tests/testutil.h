/* testutil.h — helpers shared by the Criterion tests. */
#ifndef WF_TESTUTIL_H
#define WF_TESTUTIL_H

#include <criterion/criterion.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Parameterized tests run each case in another process and copy the
 * parameter there, where pointers into this process's memory are
 * meaningless: so a parameter is an index into a static table of cases,
 * which both processes have.  indices(n) gives 0 .. n-1. */
static inline size_t *indices(size_t n)
{
	static size_t idx[256];
	cr_assert_leq(n, sizeof idx / sizeof idx[0]);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return idx;
}

/* A copy of s[0..n) that ends exactly where an unreadable page begins, so
 * reading one byte past it crashes the test. */
struct guarded {
	char *map;
	size_t map_len;
	char *s;
};

static inline struct guarded guard(const char *s, size_t n)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (n + page - 1) / page + 1;
	struct guarded g;
	g.map_len = pages * page + page;
	g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(g.map, MAP_FAILED);
	cr_assert_eq(mprotect(g.map + pages * page, page, PROT_NONE), 0);
	g.s = g.map + pages * page - n;
	if (n)
		memcpy(g.s, s, n);
	return g;
}

static inline void unguard(struct guarded *g)
{
	munmap(g->map, g->map_len);
}

#endif
