/* lshindex.c — generational open-addressing multimap for LSH keys. */
#include "wirefold/lshindex.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/error.h"
#include "wirefold/state.h"

struct slot {
	uint32_t tag; /* 0: empty */
	uint32_t value;
};

struct gen {
	int64_t t_start; /* time of its first pair */
	int64_t t_max;   /* newest pair */
	struct slot *slots;
	uint32_t mask;   /* capacity - 1 */
	uint32_t used;
};

enum { MAX_GENS = 64, FIRST_CAP = 1024 };

struct wf_lsh_index {
	int64_t span_ms;
	struct gen gens[MAX_GENS]; /* gens[0] oldest .. gens[n - 1] current */
	unsigned n;
};

static uint32_t tag_of(uint64_t key)
{
	uint32_t t = (uint32_t)(key >> 32);
	return t ? t : 1;
}

static uint32_t home(uint32_t tag, uint32_t mask)
{
	return (tag * 0x9E3779B1u) & mask;
}

struct wf_lsh_index *wf_lsh_index_new(int64_t span_ms)
{
	struct wf_lsh_index *ix = calloc(1, sizeof *ix);
	if (ix)
		ix->span_ms = span_ms > 0 ? span_ms : 1;
	return ix;
}

void wf_lsh_index_free(struct wf_lsh_index *ix)
{
	if (!ix)
		return;
	for (unsigned g = 0; g < ix->n; g++)
		free(ix->gens[g].slots);
	free(ix);
}

/* A key shared by more than this many pairs of a generation (a template's
 * boilerplate band) stops taking new ones: its queries stay cheap and the
 * other bands still find the newcomers. */
enum { MAX_PER_KEY = 48 };

static void put(struct gen *g, uint32_t tag, uint32_t value)
{
	uint32_t i = home(tag, g->mask), same = 0;
	while (g->slots[i].tag) {
		if (g->slots[i].tag == tag && ++same >= MAX_PER_KEY)
			return;
		i = (i + 1) & g->mask;
	}
	g->slots[i].tag = tag;
	g->slots[i].value = value;
	g->used++;
}

static int grow(struct gen *g)
{
	uint32_t cap = g->slots ? (g->mask + 1) * 2 : FIRST_CAP;
	if (cap == 0)
		return WF_ENOMEM;
	struct slot *old = g->slots;
	uint32_t oldcap = old ? g->mask + 1 : 0;
	g->slots = calloc(cap, sizeof *g->slots);
	if (!g->slots) {
		g->slots = old;
		return WF_ENOMEM;
	}
	g->mask = cap - 1;
	g->used = 0;
	for (uint32_t i = 0; i < oldcap; i++)
		if (old[i].tag)
			put(g, old[i].tag, old[i].value);
	free(old);
	return 0;
}

static void drop_oldest(struct wf_lsh_index *ix)
{
	free(ix->gens[0].slots);
	memmove(ix->gens, ix->gens + 1, (ix->n - 1) * sizeof *ix->gens);
	ix->n--;
}

int wf_lsh_index_add(struct wf_lsh_index *ix, int64_t time_ms, const uint64_t *keys,
                     unsigned n, uint32_t value)
{
	struct gen *g = ix->n ? &ix->gens[ix->n - 1] : NULL;
	if (!g || time_ms >= g->t_start + ix->span_ms) {
		if (ix->n == MAX_GENS)
			drop_oldest(ix); /* a window of more than 64 spans: forget */
		g = &ix->gens[ix->n++];
		memset(g, 0, sizeof *g);
		g->t_start = g->t_max = time_ms;
	}
	/* keep the load at most 3/4: linear probing stays short */
	while ((uint64_t)(g->used + n) * 4 > (uint64_t)(g->slots ? g->mask + 1 : 0) * 3)
		if (grow(g) < 0)
			return WF_ENOMEM;
	for (unsigned k = 0; k < n; k++)
		put(g, tag_of(keys[k]), value);
	if (time_ms > g->t_max)
		g->t_max = time_ms;
	return 0;
}

size_t wf_lsh_index_query(const struct wf_lsh_index *ix, const uint64_t *keys,
                          unsigned n, uint32_t *out, size_t max)
{
	size_t got = 0;
	/* Every probe is a cache miss in a table of megabytes: ask for all
	 * of them first so that they are fetched together, not one by one. */
	for (unsigned gi = ix->n; gi-- > 0;) {
		const struct gen *g = &ix->gens[gi];
		if (g->slots)
			for (unsigned k = 0; k < n; k++)
				__builtin_prefetch(&g->slots[home(tag_of(keys[k]), g->mask)]);
	}
	for (unsigned gi = ix->n; gi-- > 0;) {
		const struct gen *g = &ix->gens[gi];
		if (!g->slots)
			continue;
		for (unsigned k = 0; k < n; k++) {
			uint32_t tag = tag_of(keys[k]);
			for (uint32_t i = home(tag, g->mask); g->slots[i].tag; i = (i + 1) & g->mask) {
				if (g->slots[i].tag != tag)
					continue;
				if (got == max)
					return got;
				out[got++] = g->slots[i].value;
			}
		}
	}
	return got;
}

void wf_lsh_index_expire(struct wf_lsh_index *ix, int64_t before_ms)
{
	while (ix->n > 1 && ix->gens[0].t_max < before_ms)
		drop_oldest(ix);
}

size_t wf_lsh_index_bytes(const struct wf_lsh_index *ix)
{
	size_t b = sizeof *ix;
	for (unsigned g = 0; g < ix->n; g++)
		if (ix->gens[g].slots)
			b += (size_t)(ix->gens[g].mask + 1) * sizeof(struct slot);
	return b;
}

void wf_lsh_index_save(const struct wf_lsh_index *ix, struct wf_state_out *out)
{
	wf_state_put_i64(out, ix->span_ms);
	wf_state_put_u32(out, ix->n);
	for (unsigned gi = 0; gi < ix->n; gi++) {
		const struct gen *g = &ix->gens[gi];
		uint32_t cap = g->slots ? g->mask + 1 : 0;
		wf_state_put_i64(out, g->t_start);
		wf_state_put_i64(out, g->t_max);
		wf_state_put_u32(out, cap);
		wf_state_put_u32(out, g->used);
		for (uint32_t i = 0; i < cap && !out->error; i++) {
			wf_state_put_u32(out, g->slots[i].tag);
			wf_state_put_u32(out, g->slots[i].value);
		}
	}
}

int wf_lsh_index_load(struct wf_lsh_index *ix, struct wf_state_in *in)
{
	uint32_t n = 0;
	if (ix->n != 0 || wf_state_get_i64(in) != ix->span_ms || (n = wf_state_get_u32(in)) > MAX_GENS)
		goto err_bad;
	for (unsigned gi = 0; gi < n && !in->error; gi++) {
		struct gen *g = &ix->gens[gi];
		memset(g, 0, sizeof *g);
		g->t_start = wf_state_get_i64(in);
		g->t_max = wf_state_get_i64(in);
		uint32_t cap = wf_state_get_u32(in);
		g->used = wf_state_get_u32(in);
		ix->n++;
		if (cap == 0 && g->used == 0)
			continue;
		/* a power of two, loaded at most 3/4, and all there */
		if (cap < FIRST_CAP || (cap & (cap - 1)) || (uint64_t)g->used * 4 > (uint64_t)cap * 3 ||
		    cap > wf_state_in_left(in) / 8)
			goto err_bad;
		if (!(g->slots = calloc(cap, sizeof *g->slots))) {
			in->error = WF_ENOMEM;
			return WF_ENOMEM;
		}
		g->mask = cap - 1;
		for (uint32_t i = 0; i < cap; i++) {
			g->slots[i].tag = wf_state_get_u32(in);
			g->slots[i].value = wf_state_get_u32(in);
		}
	}
	return in->error;

err_bad:
	wf_state_in_fail(in);
	return WF_ESTATE;
}
