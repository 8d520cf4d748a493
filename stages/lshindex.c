/* lshindex.c — generational open-addressing multimap for LSH keys. */
#include "wirefold/lshindex.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "wirefold/error.h"
#include "wirefold/state.h"
#include "wirefold/timeparse.h"

/* A slot is 4 bytes: 12 bits of the key as a tag (never 0: 0 is an empty
 * slot) over 20 bits of the value, less its generation's first value.  The
 * slot's position comes from 32 other bits of the key, so a query matches
 * 12 + log2(capacity) bits of a key; a false hit costs the caller one
 * verification, about once per ten queries.  Since the slots do not hold
 * their keys, a table never grows: a generation that is full (3/4 of its
 * slots, 2^20 values) is closed and a new one, twice as large, takes over
 * before its time.  Each new table is sized for a span's pairs at the rate
 * the last one filled, so that they run about 3/4 full. */
enum { VALUE_BITS = 20, TAG_SHIFT = 52, MAX_REL = (1u << VALUE_BITS) - 1 };

struct gen {
	int64_t t_start; /* time of its first pair */
	int64_t t_max;   /* newest pair */
	uint32_t *slots;
	uint32_t cap;    /* slots (any count) */
	uint32_t used;
	uint32_t base;   /* its first value */
};

/* A table is buckets of 16 slots, one 64-byte cache line each: a key's
 * pairs are its bucket's (and, when that is full, the next buckets') and a
 * query compares a bucket's 16 tags at once. */
enum { MAX_GENS = 64, FIRST_CAP = 4096, BUCKET = 16 };

struct wf_lsh_index {
	int64_t span_ms;
	struct gen gens[MAX_GENS]; /* gens[0] oldest .. gens[n - 1] current */
	unsigned n;
};

static uint32_t tag_of(uint64_t key)
{
	uint32_t t = (uint32_t)(key >> TAG_SHIFT);
	return t ? t : 1;
}

/* The key's bucket: multiply-shift over any number of buckets (Lemire). */
static uint32_t home(uint64_t key, uint32_t cap)
{
	return (uint32_t)(((key & 0xffffffffu) * (uint64_t)(cap / BUCKET)) >> 32);
}

/* Bit i set when slot i of the bucket at b holds tag (match) or is empty
 * (free).  Slots fill a bucket from its start and are never emptied, so a
 * bucket with a free slot ends every chain that reaches it.  A slot in use
 * has a tag (never 0), so a slot is empty exactly when its tag bits are 0:
 * both masks come from the 16 tags, packed to 16 bits each (they have 12). */
static void bucket_masks(const uint32_t *b, uint32_t tag, unsigned *match, unsigned *free_)
{
#ifdef __SSE2__
	const __m128i t = _mm_set1_epi16((short)tag), zero = _mm_setzero_si128();
	const __m128i *v = (const __m128i *)b;
	const __m128i lo = _mm_packs_epi32(_mm_srli_epi32(_mm_load_si128(v), VALUE_BITS),
	                                   _mm_srli_epi32(_mm_load_si128(v + 1), VALUE_BITS));
	const __m128i hi = _mm_packs_epi32(_mm_srli_epi32(_mm_load_si128(v + 2), VALUE_BITS),
	                                   _mm_srli_epi32(_mm_load_si128(v + 3), VALUE_BITS));
	*match = (unsigned)_mm_movemask_epi8(
		_mm_packs_epi16(_mm_cmpeq_epi16(lo, t), _mm_cmpeq_epi16(hi, t)));
	*free_ = (unsigned)_mm_movemask_epi8(
		_mm_packs_epi16(_mm_cmpeq_epi16(lo, zero), _mm_cmpeq_epi16(hi, zero)));
#else
	*match = *free_ = 0;
	for (unsigned i = 0; i < BUCKET; i++) {
		*match |= (unsigned)(b[i] && b[i] >> VALUE_BITS == tag) << i;
		*free_ |= (unsigned)(b[i] == 0) << i;
	}
#endif
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

/* Bits set in a 16-bit mask (x86-64's baseline has no popcnt instruction:
 * __builtin_popcount is a call). */
static unsigned pop16(unsigned x)
{
	x -= (x >> 1) & 0x5555;
	x = (x & 0x3333) + ((x >> 2) & 0x3333);
	x = (x + (x >> 4)) & 0x0f0f;
	return (x + (x >> 8)) & 0x1f;
}

static void put(struct gen *g, uint64_t key, uint32_t value)
{
	const uint32_t tag = tag_of(key), nb = g->cap / BUCKET;
	unsigned same = 0;
	for (uint32_t b = home(key, g->cap);; b = b + 1 == nb ? 0 : b + 1) {
		uint32_t *s = g->slots + (size_t)b * BUCKET;
		unsigned match, free_;
		bucket_masks(s, tag, &match, &free_);
		/* most buckets hold no pair of the key */
		if (match) {
			same += pop16(match & (free_ ? free_ - 1 : 0xffff));
			if (same >= MAX_PER_KEY)
				return;
		}
		if (free_) {
			s[__builtin_ctz(free_)] = tag << VALUE_BITS | (value - g->base);
			g->used++;
			return;
		}
	}
}

static void drop_oldest(struct wf_lsh_index *ix)
{
	free(ix->gens[0].slots);
	memmove(ix->gens, ix->gens + 1, (ix->n - 1) * sizeof *ix->gens);
	ix->n--;
}

/* whether n more pairs of value fit in g */
static bool fits(const struct gen *g, unsigned n, uint32_t value)
{
	return (uint64_t)(g->used + n) * 4 <= (uint64_t)g->cap * 3 && value - g->base <= MAX_REL;
}

/* Start a generation at time_ms for pairs from value on, of cap slots. */
static int open_gen(struct wf_lsh_index *ix, int64_t time_ms, uint32_t value, uint64_t cap)
{
	if (cap > UINT32_MAX / 2)
		cap = UINT32_MAX / 2 / BUCKET * BUCKET;
	uint32_t *slots = aligned_alloc(BUCKET * sizeof *slots, (size_t)cap * sizeof *slots);
	if (!slots)
		return WF_ENOMEM;
	memset(slots, 0, (size_t)cap * sizeof *slots);
	if (ix->n == MAX_GENS)
		drop_oldest(ix); /* a window of more than 64 tables: forget */
	struct gen *g = &ix->gens[ix->n++];
	*g = (struct gen){.t_start = time_ms, .t_max = time_ms, .slots = slots,
	                  .cap = (uint32_t)cap, .base = value};
	return 0;
}

int wf_lsh_index_add(struct wf_lsh_index *ix, int64_t time_ms, const uint64_t *keys,
                     unsigned n, uint32_t value)
{
	struct gen *g = ix->n ? &ix->gens[ix->n - 1] : NULL;
	if (!g || time_ms >= g->t_start + ix->span_ms || !fits(g, n, value)) {
		/* Room for a span, 3/4 full, at the rate the last table
		 * filled over the event time it covered.  A table that filled
		 * within a sixteenth of a span (a burst, a feed whose times stand
		 * still or run backwards) gives no rate: twice its room then, so
		 * memory follows the pairs held and never runs ahead of them. */
		uint64_t cap = FIRST_CAP;
		if (g) {
			const int64_t took = g->t_max - g->t_start; /* >= 0 */
			double want;
			if (took >= ix->span_ms || time_ms >= g->t_start + ix->span_ms)
				want = (double)g->used / 0.75;
			else if (took >= ix->span_ms / 16)
				want = (double)g->used * (double)ix->span_ms / (double)took / 0.75;
			else
				want = 2.0 * g->cap;
			const double most = 16.0 * g->cap;
			cap = (uint64_t)(want < most ? want : most);
		}
		if (cap < FIRST_CAP)
			cap = FIRST_CAP;
		while ((uint64_t)n * 4 > cap * 3)
			cap *= 2;
		cap = (cap + BUCKET - 1) / BUCKET * BUCKET;
		if (open_gen(ix, time_ms, value, cap) < 0)
			return WF_ENOMEM;
		g = &ix->gens[ix->n - 1];
	}
	for (unsigned k = 0; k < n; k++)
		put(g, keys[k], value);
	if (time_ms > g->t_max)
		g->t_max = time_ms;
	return 0;
}

/* The bucket of a key in g. */
static const uint32_t *bucket_of(const struct gen *g, uint64_t key)
{
	return g->slots + (size_t)home(key, g->cap) * BUCKET;
}

/* A query asks for the bucket of the probe this many probes ahead of the
 * one it compares.  Every probe is a cache miss in a table of megabytes;
 * asked for all at once, the requests outnumber what the core can have in
 * flight and it stalls on the prefetches themselves, batch after batch;
 * asked for a few ahead, they arrive while the probes before them are
 * compared. */
enum { PREFETCH_AHEAD = 16 };

size_t wf_lsh_index_query(const struct wf_lsh_index *ix, const uint64_t *keys,
                          unsigned n, uint32_t *out, size_t max)
{
	size_t got = 0;
	/* the next probe to ask for: key pk of generation pg - 1 */
	unsigned pg = ix->n, pk = 0;
	for (unsigned i = 0; i < PREFETCH_AHEAD && pg; i++) {
		const uint32_t *at = bucket_of(&ix->gens[pg - 1], keys[pk]);
		__builtin_prefetch(at);
		__builtin_prefetch(at + BUCKET);
		if (++pk == n)
			pk = 0, pg--;
	}
	for (unsigned gi = ix->n; gi-- > 0;) {
		const struct gen *g = &ix->gens[gi];
		const uint32_t nb = g->cap / BUCKET;
		for (unsigned k = 0; k < n; k++) {
			if (pg) {
				/* and the bucket after it (at most one past the
				 * table's end), where a third of the chains go on */
				const uint32_t *at = bucket_of(&ix->gens[pg - 1], keys[pk]);
				__builtin_prefetch(at);
				__builtin_prefetch(at + BUCKET);
				if (++pk == n)
					pk = 0, pg--;
			}
			const uint32_t tag = tag_of(keys[k]);
			for (uint32_t b = home(keys[k], g->cap);; b = b + 1 == nb ? 0 : b + 1) {
				const uint32_t *s = g->slots + (size_t)b * BUCKET;
				unsigned match, free_;
				bucket_masks(s, tag, &match, &free_);
				for (; match; match &= match - 1) {
					if (got == max)
						return got;
					out[got++] = g->base + (s[__builtin_ctz(match)] & MAX_REL);
				}
				if (free_)
					break;
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
		b += (size_t)ix->gens[g].cap * sizeof *ix->gens[g].slots;
	return b;
}

void wf_lsh_index_save(const struct wf_lsh_index *ix, struct wf_state_out *out)
{
	wf_state_put_i64(out, ix->span_ms);
	wf_state_put_u32(out, ix->n);
	for (unsigned gi = 0; gi < ix->n; gi++) {
		const struct gen *g = &ix->gens[gi];
		wf_state_put_i64(out, g->t_start);
		wf_state_put_i64(out, g->t_max);
		wf_state_put_u32(out, g->cap);
		wf_state_put_u32(out, g->used);
		wf_state_put_u32(out, g->base);
		wf_state_put_u32s(out, g->slots, g->cap);
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
		g->base = wf_state_get_u32(in);
		/* times a feed can have, at least the first size, loaded at most
		 * 3/4, and all there */
		if (in->error || g->t_start < WF_TIME_MIN_MS || g->t_start > WF_TIME_MAX_MS ||
		    g->t_max < g->t_start || g->t_max > WF_TIME_MAX_MS || cap < FIRST_CAP ||
		    cap > UINT32_MAX / 2 || cap % BUCKET || (uint64_t)g->used * 4 > (uint64_t)cap * 3 ||
		    cap > wf_state_in_left(in) / 4)
			goto err_bad;
		if (!(g->slots = aligned_alloc(BUCKET * sizeof *g->slots, (size_t)cap * sizeof *g->slots))) {
			in->error = WF_ENOMEM;
			return WF_ENOMEM;
		}
		g->cap = cap;
		ix->n++;
		wf_state_get_u32s(in, g->slots, cap);
		/* the slots as put() leaves them: as many used as said (so that
		 * some bucket has room and every probe ends), each bucket
		 * filled from its start, every slot in use with a tag */
		uint32_t used = 0;
		for (uint32_t b = 0; b < cap; b += BUCKET)
			for (uint32_t i = 0; i < BUCKET; i++) {
				const uint32_t v = g->slots[b + i];
				used += v != 0;
				if ((i && v && !g->slots[b + i - 1]) || (v && !(v >> VALUE_BITS)))
					goto err_bad;
			}
		if (used != g->used)
			goto err_bad;
	}
	return in->error;

err_bad:
	wf_state_in_fail(in);
	return WF_ESTATE;
}
