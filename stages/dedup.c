/* dedup.c — near-duplicate detection over a time window (ordered stage).
 *
 * Every accepted article enters an index that holds the articles of the last
 * window_ms of event time.  A new article finds its candidates there by
 * MinHash LSH bands of the whole text and of its lede, verifies the entries
 * that share the most bands on the exact shingle sets, and checks that the facts agree:
 * the numbers and capitalised names of the shorter text must be found in the
 * longer one.  The best verified candidate makes the article a `dup` of its
 * canonical item, or an `update` when the article is a fuller version that
 * contains it.  Otherwise the article is `new`.
 *
 * Entries (what verification needs) sit in a FIFO ring in arrival order and
 * leave it once the stream's event time is window_ms past them; their keys
 * live in a generational index (lshindex.h) that drops whole tables.  With
 * --state, the ring and the index are saved whole and come back exactly as
 * they were, so a resumed run decides as an uninterrupted one would. */
#include "wirefold/dedup.h"

#include <assert.h>
#include <math.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "wirefold/asan.h"
#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/lshindex.h"
#include "wirefold/minhash.h"
#include "wirefold/ring.h"
#include "wirefold/stage.h"
#include "wirefold/state.h"

/* A query gathers at most MAX_HITS (entry, key) hits; the MAX_VERIFY
 * entries that share the most keys with the article are verified exactly.
 * The number of shared bands grows with the Jaccard similarity, so a copy
 * ranks far above texts that merely share a stock phrase ("said in a
 * statement"), whose count grows with the window's population. */
enum { MAX_HITS = 4096, MAX_VERIFY = 16, HIT_SLOTS = 2 * MAX_HITS };

/* Lines of a candidate's shingles asked for before its verification. */
enum { SET_LINES_AHEAD = 4 };

/* The article's shingles as a filter: byte v >> FILTER_SHIFT is set for
 * each value v (a byte, not a bit, so that a test is one load; 16 KiB stay
 * in the L1 cache), and above[] counts the values at or above each 64th of
 * the range.  The candidate's shingles that pass the filter bound the
 * overlap from above: most candidates are rejected in one pass over their
 * own set, which costs a third of a merge with the article's, and only
 * those that may pass are merged exactly. */
enum { FILTER_LOG = 14, FILTER_SHIFT = 32 - FILTER_LOG, RANGE_SHIFT = 26 };

struct filter {
	uint8_t bits[1u << FILTER_LOG];                 /* all 0 between queries */
	uint32_t above[(1u << (32 - RANGE_SHIFT)) + 1]; /* [b]: values v >> RANGE_SHIFT >= b */
};

/* An entry: what verification needs of an article held in the window.
 * Entries sit in the ring by value, one cache line each; their sets and ids
 * in the store (below), in the order they arrived. */
struct entry {
	int64_t time_ms;
	uint32_t *sets;      /* shingles, words, numbers, names, tickers, one
	                      * after the other (store) */
	char *id;            /* and its canon after it: the root item this one
	                      * is a copy of, or id (store) */
	struct chunk *chunk; /* that holds sets and id */
	uint32_t n_words, n_shingles, n_wordset, n_numbers, n_names, n_tickers;
	uint32_t bytes;      /* taken from the store */
};

/* The chunks of the entries' data, oldest to newest (see the store). */
struct store {
	struct chunk *oldest, *newest;
	struct chunk *spare; /* emptied, kept for the next one needed */
};

struct ranked {
	uint32_t seq;  /* entry seq, low 32 bits */
	uint32_t hits; /* keys it shares with the query */
};

struct dedup {
	struct wf_dedup_params p;
	struct wf_lsh_layout lsh; /* the bands of the keys */
	int64_t now_ms;
	struct entry *ring;  /* cap slots (a power of 2); entries base .. base + n - 1 */
	size_t cap, head, n;
	struct store store;  /* the entries' sets and ids */
	uint64_t base;
	struct wf_lsh_index *index; /* band keys → entry seq (low 32 bits) */
	uint32_t hits[MAX_HITS];    /* query scratch */
	struct ranked ranked[MAX_HITS];
	uint32_t slot[HIT_SLOTS];   /* count_hits' table, left empty */
	struct filter filter;       /* the query's shingles, during best_match */
	size_t entry_bytes;         /* of the entries held */
	struct wf_dedup_stats peak;
};

/* ---- keys ------------------------------------------------------------- */

static unsigned n_keys(const struct dedup *d)
{
	return d->lsh.bands + d->lsh.lede_bands;
}

/* ---- the store ------------------------------------------------------- */

/* The entries' sets and ids are taken from chunks in arrival order and
 * given back in the same order, as entries leave the window oldest first:
 * a chunk is a FIFO of entries' data, and the chunks a FIFO of chunks.  A
 * chunk whose last entry has left waits as the spare for the next one
 * needed, so that once the window is full no article takes fresh memory
 * (before, a malloc and two strdup an article, and the kernel's page faults
 * for the new pages as the heap moved on).  Chunks are 2 MiB, in a huge
 * page where the system gives one on request: the candidates' sets are read
 * at random. */
enum { CHUNK_BYTES = 2u << 20, TAKE_ALIGN = 16 };

struct chunk {
	struct chunk *newer;
	size_t size; /* bytes of data */
	size_t used;
	size_t live; /* entries with data here */
	alignas(64) unsigned char data[];
};

/* A chunk of data for size bytes or more; NULL when out of memory. */
static struct chunk *chunk_new(size_t size)
{
	struct chunk *c;
	if (size <= CHUNK_BYTES - sizeof *c) {
		c = aligned_alloc(CHUNK_BYTES, CHUNK_BYTES);
		size = CHUNK_BYTES - sizeof *c;
#ifdef MADV_HUGEPAGE
		if (c)
			madvise(c, CHUNK_BYTES, MADV_HUGEPAGE);
#endif
	} else {
		/* an article larger than a chunk has one of its own */
		c = aligned_alloc(alignof(struct chunk), (sizeof *c + size + 63) / 64 * 64);
	}
	if (!c)
		return NULL;
	*c = (struct chunk){.size = size};
	POISON(c->data, c->size);
	return c;
}

/* size bytes (a multiple of TAKE_ALIGN) for an entry's data, from the
 * newest chunk or a next one; *in is set to the chunk.  NULL when out of
 * memory. */
static void *store_take(struct store *st, size_t size, struct chunk **in)
{
	struct chunk *c = st->newest;
	if (!c || c->size - c->used < size) {
		if (st->spare && st->spare->size >= size) {
			c = st->spare;
			st->spare = NULL;
			*c = (struct chunk){.size = c->size};
		} else if (!(c = chunk_new(size))) {
			return NULL;
		}
		if (st->newest)
			st->newest->newer = c;
		else
			st->oldest = c;
		st->newest = c;
	}
	void *p = c->data + c->used;
	UNPOISON(p, size);
	c->used += size;
	c->live++;
	*in = c;
	return p;
}

/* Give back the size bytes at p, taken from c for an entry that has left:
 * the chunks all of whose entries have left are spared or freed. */
static void store_give(struct store *st, struct chunk *c, void *p, size_t size)
{
	assert(c->live > 0);
	POISON(p, size);
	if (--c->live == 0 && c == st->newest)
		c->used = 0; /* the window is empty: start the chunk again */
	while (st->oldest != st->newest && st->oldest->live == 0) {
		struct chunk *old = st->oldest;
		st->oldest = old->newer;
		if (!st->spare && old->size == CHUNK_BYTES - sizeof *old) {
			POISON(old->data, old->size);
			st->spare = old;
		} else {
			free(old);
		}
	}
}

static void store_free(struct store *st)
{
	for (struct chunk *c = st->oldest, *next; c; c = next) {
		next = c->newer;
		free(c);
	}
	free(st->spare);
	*st = (struct store){0};
}

/* ---- entries ---------------------------------------------------------- */

static const uint32_t *entry_shingles(const struct entry *e)
{
	return e->sets;
}

static const uint32_t *entry_words(const struct entry *e)
{
	return e->sets + e->n_shingles;
}

static const uint32_t *entry_numbers(const struct entry *e)
{
	return entry_words(e) + e->n_wordset;
}

static const uint32_t *entry_names(const struct entry *e)
{
	return entry_numbers(e) + e->n_numbers;
}

static const uint32_t *entry_tickers(const struct entry *e)
{
	return entry_names(e) + e->n_names;
}

static const char *entry_canon(const struct entry *e)
{
	return e->id + strlen(e->id) + 1;
}

/* Values in the entry's sets. */
static size_t entry_n32(const struct entry *e)
{
	return (size_t)e->n_shingles + e->n_wordset + e->n_numbers + e->n_names + e->n_tickers;
}

/* The live entry whose seq has these low 32 bits, or NULL. */
static const struct entry *entry_at(const struct dedup *d, uint32_t seq32)
{
	uint64_t off = (uint32_t)(seq32 - (uint32_t)d->base);
	if (off >= d->n)
		return NULL;
	return &d->ring[(d->head + off) & (d->cap - 1)];
}

static size_t entry_size(const struct entry *e)
{
	return sizeof *e + e->bytes;
}

/* Take room in the store for the entry e whose counts are set, with n32
 * values in its sets and the strings id and canon (id_len and canon_len
 * bytes), and copy the strings there.  Returns 0 or WF_ENOMEM. */
static int entry_take(struct store *st, struct entry *e, const char *id, size_t id_len,
                      const char *canon, size_t canon_len)
{
	const size_t n32 = entry_n32(e);
	const size_t size = (n32 * sizeof(uint32_t) + id_len + canon_len + 2 + TAKE_ALIGN - 1) /
	                    TAKE_ALIGN * TAKE_ALIGN;
	if (size > UINT32_MAX)
		return WF_ENOMEM;
	e->sets = store_take(st, size, &e->chunk);
	if (!e->sets)
		return WF_ENOMEM;
	e->bytes = (uint32_t)size;
	e->id = (char *)(e->sets + n32);
	memcpy(e->id, id, id_len);
	e->id[id_len] = '\0';
	memcpy(e->id + id_len + 1, canon, canon_len);
	e->id[id_len + 1 + canon_len] = '\0';
	return 0;
}

/* The entry of the article a, whose canonical item is canon, into *e.
 * Returns 0 or WF_ENOMEM. */
static int entry_init(struct store *st, struct entry *e, const struct wf_article *a,
                      const char *canon)
{
	const struct wf_fingerprint *fp = &a->fp;
	*e = (struct entry){.time_ms = a->time_ms,
	                    .n_words = fp->n_words,
	                    .n_shingles = fp->n_shingles,
	                    .n_wordset = fp->n_wordset,
	                    .n_numbers = fp->n_numbers,
	                    .n_names = fp->n_names,
	                    .n_tickers = fp->n_tickers};
	if (entry_take(st, e, a->id, strlen(a->id), canon, strlen(canon)) < 0)
		return WF_ENOMEM;
	uint32_t *p = e->sets;
	memcpy(p, fp->shingles, fp->n_shingles * sizeof *p);
	p += fp->n_shingles;
	memcpy(p, fp->words, fp->n_wordset * sizeof *p);
	p += fp->n_wordset;
	memcpy(p, fp->numbers, fp->n_numbers * sizeof *p);
	p += fp->n_numbers;
	memcpy(p, fp->names, fp->n_names * sizeof *p);
	p += fp->n_names;
	memcpy(p, fp->tickers, fp->n_tickers * sizeof *p);
	return 0;
}

static void pop_oldest(struct dedup *d)
{
	struct entry *e = &d->ring[d->head];
	d->entry_bytes -= entry_size(e);
	store_give(&d->store, e->chunk, e->sets, e->bytes);
	d->head = (d->head + 1) & (d->cap - 1);
	d->base++;
	d->n--;
}

/* Room for one more entry in the ring. */
static int ring_reserve(struct dedup *d)
{
	if (d->n == d->cap) {
		/* the ring doubles from a power of 2: slots are found with a mask */
		if (wf_ring_grow((void **)&d->ring, &d->cap, &d->head, d->n, sizeof *d->ring, 1024) < 0)
			return WF_ENOMEM;
		assert((d->cap & (d->cap - 1)) == 0);
	}
	return 0;
}

/* Append e to the ring (after ring_reserve). */
static void ring_append(struct dedup *d, const struct entry *e)
{
	d->ring[(d->head + d->n) & (d->cap - 1)] = *e;
	d->n++;
	d->entry_bytes += entry_size(e);
	if (d->n > d->peak.peak_held) {
		d->peak.peak_held = d->n;
		d->peak.index_bytes = wf_lsh_index_bytes(d->index);
		d->peak.entry_bytes = d->entry_bytes;
	}
}

/* ---- verification ----------------------------------------------------- */

/* |a ∩ b| of two sorted arrays. */
static uint32_t overlap(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	/* branch-free: the comparisons of two random hash sets are coin
	 * flips a branch predictor cannot learn */
	uint32_t i = 0, j = 0, n = 0;
	while (i < na && j < nb) {
		const uint32_t x = a[i], y = b[j];
		n += x == y;
		i += x <= y;
		j += y <= x;
	}
	return n;
}

/* |a ∩ b| of two sorted sets (no repeats) when it is need or more;
 * otherwise possibly less than |a ∩ b| but still below need: the merge
 * stops once the elements left cannot make up the difference.  Most
 * candidates share a stock phrase and little else, and are given up half
 * way.  With SSE2 (every x86-64), blocks of four are compared all against
 * all (the block intersection of Schlegel, Willhalm and Lehner). */
static uint32_t overlap_upto(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb,
                             uint32_t need)
{
	uint32_t i = 0, j = 0, n = 0;
#ifdef __SSE2__
	/* bits set in a 4-bit mask (x86-64's baseline has no popcnt) */
	static const uint8_t pop4[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
	while (i + 4 <= na && j + 4 <= nb) {
		if (n + (na - i < nb - j ? na - i : nb - j) < need)
			return n;
		const __m128i va = _mm_loadu_si128((const __m128i *)(a + i));
		const __m128i vb = _mm_loadu_si128((const __m128i *)(b + j));
		__m128i eq = _mm_cmpeq_epi32(va, vb);
		eq = _mm_or_si128(eq, _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(0, 3, 2, 1))));
		eq = _mm_or_si128(eq, _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(1, 0, 3, 2))));
		eq = _mm_or_si128(eq, _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(2, 1, 0, 3))));
		n += pop4[_mm_movemask_ps(_mm_castsi128_ps(eq))];
		const uint32_t amax = a[i + 3], bmax = b[j + 3];
		i += amax <= bmax ? 4 : 0;
		j += bmax <= amax ? 4 : 0;
	}
#endif
	if (n + (na - i < nb - j ? na - i : nb - j) < need)
		return n;
	return n + overlap(a + i, na - i, b + j, nb - j);
}

/* Fill f from the sorted set x. */
static void filter_fill(struct filter *f, const uint32_t *x, uint32_t nx)
{
	enum { RANGES = 1u << (32 - RANGE_SHIFT) };
	memset(f->above, 0, sizeof f->above);
	for (uint32_t i = 0; i < nx; i++) {
		f->bits[x[i] >> FILTER_SHIFT] = 1;
		f->above[x[i] >> RANGE_SHIFT]++;
	}
	for (unsigned b = RANGES; b-- > 0;)
		f->above[b] += f->above[b + 1];
}

/* Leave f as filter_fill found it. */
static void filter_clear(struct filter *f, const uint32_t *x, uint32_t nx)
{
	for (uint32_t i = 0; i < nx; i++)
		f->bits[x[i] >> FILTER_SHIFT] = 0;
}

/* An upper bound of |x ∩ y| (x the set in f, y sorted without repeats)
 * when it is need or more; otherwise possibly less, but still below need:
 * the count stops once the elements of y left, or those of x at or above
 * them, cannot make up the difference. */
static uint32_t filter_bound_upto(const struct filter *f, const uint32_t *y, uint32_t ny,
                                  uint32_t need)
{
	enum { STEP = 16 };
	uint32_t n = 0, j = 0;
	for (; j + STEP <= ny; j += STEP) {
		const uint32_t left_y = ny - j, left_x = f->above[y[j] >> RANGE_SHIFT];
		if (n + (left_y < left_x ? left_y : left_x) < need)
			return n;
		for (unsigned k = 0; k < STEP; k++)
			n += f->bits[y[j + k] >> FILTER_SHIFT];
	}
	for (; j < ny; j++)
		n += f->bits[y[j] >> FILTER_SHIFT];
	return n;
}

struct verdict {
	bool match;
	enum wf_kind kind;
	double containment; /* of the shorter in the longer */
	double jaccard;
};

/* Compare the article (x) with an earlier entry (y). */
static struct verdict verify(const struct dedup *d, const struct wf_fingerprint *x,
                             const struct entry *y)
{
	struct verdict v = {0};
	uint32_t nx = x->n_shingles, ny = y->n_shingles;
	if (!nx || !ny)
		return v;
	/* below this many shared shingles the containment test fails */
	const uint32_t need = (uint32_t)(d->p.min_containment * (nx < ny ? nx : ny));
	/* the filter's bound first: most candidates fail on it */
	uint32_t in = filter_bound_upto(&d->filter, entry_shingles(y), ny, need);
	if (in >= need)
		in = overlap_upto(x->shingles, nx, entry_shingles(y), ny, need);
	v.containment = (double)in / (nx < ny ? nx : ny);
	v.jaccard = (double)in / (nx + ny - in);
	if (v.containment < d->p.min_containment)
		return v;
	/* two texts headlined with different stocks are two reports, whatever
	 * else they share */
	if (x->n_tickers && y->n_tickers &&
	    !overlap(x->tickers, x->n_tickers, entry_tickers(y), y->n_tickers))
		return v;
	/* The facts of the shorter text must be in the longer one: a template
	 * look-alike differs in its figures and names. */
	bool x_short = x->n_words <= y->n_words;
	const uint32_t *sn = x_short ? x->numbers : entry_numbers(y);
	uint32_t nsn = x_short ? x->n_numbers : y->n_numbers;
	const uint32_t *ln = x_short ? entry_numbers(y) : x->numbers;
	uint32_t nln = x_short ? y->n_numbers : x->n_numbers;
	uint32_t num_miss = nsn - overlap(sn, nsn, ln, nln);
	/* a name of the shorter text may stand in lower case in the longer */
	const uint32_t *sa = x_short ? x->names : entry_names(y);
	uint32_t nsa = x_short ? x->n_names : y->n_names;
	const uint32_t *lw = x_short ? entry_words(y) : x->words;
	uint32_t nlw = x_short ? y->n_wordset : x->n_wordset;
	uint32_t name_miss = nsa - overlap(sa, nsa, lw, nlw);
	if (num_miss > d->p.max_number_misses &&
	    num_miss > d->p.max_number_miss_share * nsn)
		return v;
	if (nsa && (double)name_miss / nsa > d->p.max_name_miss_share)
		return v;
	v.match = true;
	/* A later text that is clearly longer and holds the earlier one is
	 * an update; anything else is the same report again. */
	double y_in_x = (double)in / ny;
	v.kind = nx >= d->p.update_growth * ny && y_in_x >= d->p.min_containment
	                 ? WF_KIND_UPDATE
	                 : WF_KIND_DUP;
	return v;
}

/* x ranks before y: more shared keys, and among equals the newer entry */
static bool ranks_before(struct ranked x, struct ranked y)
{
	return x.hits != y.hits ? x.hits > y.hits : x.seq > y.seq;
}

/* The hits counted per entry, into d->ranked; returns how many entries.
 * A small open-addressing table: a query has some hundreds of hits. */
static size_t count_hits(struct dedup *d, const uint32_t *hit, size_t nh)
{
	struct ranked *r = d->ranked;
	uint32_t *slot = d->slot; /* index into r + 1; 0 = empty */
	uint32_t mask = HIT_SLOTS - 1;
	size_t nr = 0;
	for (size_t i = 0; i < nh; i++) {
		uint32_t h = (hit[i] * 0x9E3779B1u) & mask;
		while (slot[h] && r[slot[h] - 1].seq != hit[i])
			h = (h + 1) & mask;
		if (slot[h]) {
			r[slot[h] - 1].hits++;
		} else {
			r[nr] = (struct ranked){hit[i], 1};
			slot[h] = (uint32_t)++nr;
		}
	}
	for (size_t i = 0; i < nr; i++) { /* leave the table empty */
		uint32_t h = (r[i].seq * 0x9E3779B1u) & mask;
		while (slot[h])
			slot[h] = 0, h = (h + 1) & mask;
	}
	return nr;
}

/* The MAX_VERIFY entries that rank first (all when fewer), oldest first,
 * into r[0..return). */
static size_t select_ranked(struct ranked *r, size_t nr)
{
	size_t k = 0; /* r[0..k): the best so far, best first */
	for (size_t i = 0; i < nr; i++) {
		struct ranked x = r[i];
		if (k == MAX_VERIFY && !ranks_before(x, r[k - 1]))
			continue;
		size_t j = k < MAX_VERIFY ? k++ : k - 1;
		for (; j > 0 && ranks_before(x, r[j - 1]); j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	/* verified oldest first: among equal containments the first wins */
	for (size_t i = 1; i < k; i++) {
		struct ranked x = r[i];
		size_t j = i;
		for (; j > 0 && r[j - 1].seq > x.seq; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	return k;
}

/* The best earlier entry the article duplicates, or NULL. */
static const struct entry *best_match(struct dedup *d, const struct wf_article *a,
                                      const uint64_t *keys, struct verdict *out)
{
	size_t nh = wf_lsh_index_query(d->index, keys, n_keys(d), d->hits, MAX_HITS);
	struct ranked *r = d->ranked;
	size_t nr = select_ranked(r, count_hits(d, d->hits, nh));
	/* the candidates' entries and sets are cache misses: fetch them
	 * together */
	for (size_t i = 0; i < nr; i++) {
		const struct entry *y = entry_at(d, r[i].seq);
		if (y)
			__builtin_prefetch(y);
	}
	for (size_t i = 0; i < nr; i++) {
		const struct entry *y = entry_at(d, r[i].seq);
		if (!y)
			continue;
		/* the start of its shingles: the scan's stream takes over */
		for (uint32_t l = 0; l < SET_LINES_AHEAD * 16 && l < y->n_shingles; l += 16)
			__builtin_prefetch(y->sets + l);
	}
	const struct entry *best = NULL;
	if (nr)
		filter_fill(&d->filter, a->fp.shingles, a->fp.n_shingles);
	for (size_t i = 0; i < nr; i++) {
		const struct entry *y = entry_at(d, r[i].seq);
		if (!y || llabs(y->time_ms - a->time_ms) > d->p.window_ms)
			continue;
		struct verdict v = verify(d, &a->fp, y);
		if (!v.match)
			continue;
		/* highest containment wins; ties go to the earliest entry */
		if (!best || v.containment > out->containment ||
		    (v.containment == out->containment && v.jaccard > out->jaccard)) {
			best = y;
			*out = v;
		}
	}
	if (nr)
		filter_clear(&d->filter, a->fp.shingles, a->fp.n_shingles);
	return best;
}

/* ---- the stage -------------------------------------------------------- */

static int dedup_init(void **self, const struct wf_config *cfg)
{
	struct dedup *d = calloc(1, sizeof *d);
	if (!d)
		return WF_ENOMEM;
	d->p = cfg->dedup;
	wf_lsh_layout_of(cfg, &d->lsh);
	d->now_ms = INT64_MIN;
	d->cap = 1024;
	d->ring = calloc(d->cap, sizeof *d->ring);
	/* generations of a third of the window: an entry is indexed for at
	 * most 4/3 of the window, and a query looks at about four tables */
	d->index = wf_lsh_index_new(d->p.window_ms / 3 + 1);
	if (!d->ring || !d->index) {
		free(d->ring);
		wf_lsh_index_free(d->index);
		free(d);
		return WF_ENOMEM;
	}
	*self = d;
	return 0;
}

static int dedup_article(struct dedup *d, struct wf_batch *b, struct wf_article *a)
{
	if (a->time_ms > d->now_ms)
		d->now_ms = a->time_ms;
	while (d->n && d->ring[d->head].time_ms < d->now_ms - d->p.window_ms)
		pop_oldest(d);
	wf_lsh_index_expire(d->index, d->now_ms - d->p.window_ms);
	/* the fingerprint stage made the keys on a worker; an article
	 * fingerprinted on its own (wf_fingerprint_article) has none */
	uint64_t own[2 * WF_MINHASH_MAX];
	const uint64_t *keys = a->fp.keys;
	if (a->fp.n_keys != n_keys(d)) {
		wf_lsh_keys(&d->lsh, &a->fp, own);
		keys = own;
	}
	struct verdict v = {0};
	const struct entry *y = best_match(d, a, keys, &v);
	if (y) {
		a->kind = v.kind;
		const char *canon = entry_canon(y);
		a->canonical = wf_arena_strndup(&b->arena, canon, strlen(canon));
		a->similarity = (float)v.containment;
		if (!a->canonical)
			return WF_ENOMEM;
	} else {
		a->kind = WF_KIND_NEW;
		a->canonical = a->id;
		a->similarity = 1.0f;
	}
	struct entry e;
	if (ring_reserve(d) < 0 || entry_init(&d->store, &e, a, a->canonical) < 0)
		return WF_ENOMEM;
	if (wf_lsh_index_add(d->index, e.time_ms, keys, n_keys(d), (uint32_t)(d->base + d->n)) < 0) {
		store_give(&d->store, e.chunk, e.sets, e.bytes);
		return WF_ENOMEM;
	}
	ring_append(d, &e);
	return 0;
}

static int dedup_process(void *self, struct wf_batch *b)
{
	struct dedup *d = self;
	for (size_t i = 0; i < b->n; i++) {
		struct wf_article *a = &b->items[i];
		if (!a->rejected && dedup_article(d, b, a) < 0) {
			fprintf(stderr, "wirefold: out of memory in the dedup stage\n");
			return WF_FLOW_ERROR;
		}
	}
	return WF_FLOW_OK;
}

static void dedup_free(void *self)
{
	struct dedup *d = self;
	if (!d)
		return;
	store_free(&d->store);
	free(d->ring);
	wf_lsh_index_free(d->index);
	free(d);
}

void wf_dedup_stats(const void *self, struct wf_dedup_stats *out)
{
	const struct dedup *d = self;
	*out = d->peak;
	out->held = d->n;
}

/* ---- state ------------------------------------------------------------ */

/* Section: now_ms, base, the number of entries, each entry oldest first
 * (entry_put), then the index (wf_lsh_index_save). */
enum { NCOUNTS = 6 };

static void entry_put(struct wf_state_out *out, const struct entry *e)
{
	wf_state_put_i64(out, e->time_ms);
	wf_state_put_str(out, e->id);
	wf_state_put_str(out, entry_canon(e));
	const uint32_t c[NCOUNTS] = {e->n_words,   e->n_shingles, e->n_wordset,
	                             e->n_numbers, e->n_names,    e->n_tickers};
	wf_state_put_u32s(out, c, NCOUNTS);
	/* the arrays follow each other in the entry's allocation */
	wf_state_put_u32s(out, e->sets, entry_n32(e));
}

static int dedup_save(void *self, struct wf_state_out *out)
{
	const struct dedup *d = self;
	wf_state_put_i64(out, d->now_ms);
	wf_state_put_u64(out, d->base);
	wf_state_put_u64(out, d->n);
	for (size_t i = 0; i < d->n && !out->error; i++)
		entry_put(out, &d->ring[(d->head + i) & (d->cap - 1)]);
	wf_lsh_index_save(d->index, out);
	return out->error;
}

/* One entry as entry_put wrote it into *e, its data in st.  Returns 0, or
 * WF_ESTATE / WF_ENOMEM (also in in->error). */
static int entry_get(struct wf_state_in *in, struct store *st, struct entry *e)
{
	*e = (struct entry){.time_ms = wf_state_get_i64(in)};
	char *id = wf_state_get_str(in), *canon = wf_state_get_str(in);
	uint32_t c[NCOUNTS];
	if (!id || !canon || !wf_state_get_u32s(in, c, NCOUNTS))
		goto err_free_strings;
	e->n_words = c[0];
	e->n_shingles = c[1];
	e->n_wordset = c[2];
	e->n_numbers = c[3];
	e->n_names = c[4];
	e->n_tickers = c[5];
	/* the counts must fit in what is left before memory is taken for them */
	if (entry_n32(e) > wf_state_in_left(in) / 4) {
		wf_state_in_fail(in);
		goto err_free_strings;
	}
	if (entry_take(st, e, id, strlen(id), canon, strlen(canon)) < 0) {
		in->error = WF_ENOMEM;
		goto err_free_strings;
	}
	wf_state_get_u32s(in, e->sets, entry_n32(e)); /* cannot fall short: checked */
	free(id);
	free(canon);
	return 0;

err_free_strings:
	free(id);
	free(canon);
	if (!in->error)
		wf_state_in_fail(in);
	return in->error;
}

static int dedup_load(void *self, struct wf_state_in *in)
{
	struct dedup *d = self;
	d->now_ms = wf_state_get_i64(in);
	d->base = wf_state_get_u64(in);
	uint64_t n = wf_state_get_u64(in);
	for (uint64_t i = 0; i < n && !in->error; i++) {
		if (ring_reserve(d) < 0)
			return WF_ENOMEM;
		struct entry e;
		if (entry_get(in, &d->store, &e) < 0)
			break;
		ring_append(d, &e);
	}
	if (!in->error)
		wf_lsh_index_load(d->index, in);
	return in->error;
}

const struct wf_stage_ops wf_dedup_stage = {
	.name = "dedup",
	.parallel = false,
	.init = dedup_init,
	.process = dedup_process,
	.flush = NULL,
	.free = dedup_free,
	.save = dedup_save,
	.load = dedup_load,
};
