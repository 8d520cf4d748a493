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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

struct entry {
	uint64_t seq;
	int64_t time_ms;
	char *id;
	char *canon; /* the root item this one is a copy of, or id */
	uint32_t n_words, n_shingles, n_wordset, n_numbers, n_names, n_tickers;
	uint32_t *shingles, *words, *numbers, *names, *tickers;
};

struct ranked {
	uint32_t seq;  /* entry seq, low 32 bits */
	uint32_t hits; /* keys it shares with the query */
};

struct dedup {
	struct wf_dedup_params p;
	unsigned k, bands, rows;
	unsigned lede_k, lede_bands, lede_rows;
	int64_t now_ms;
	struct entry **ring; /* cap slots; entries base .. base + n - 1 */
	size_t cap, head, n;
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
	return d->bands + d->lede_bands;
}

static void make_keys(const struct dedup *d, const struct wf_fingerprint *fp,
                      uint64_t *keys)
{
	for (unsigned b = 0; b < d->bands; b++) {
		uint64_t h = 0x6c7368ull + b;
		for (unsigned r = 0; r < d->rows; r++)
			h = wf_hash_combine(h, fp->minhash[b * d->rows + r]);
		keys[b] = wf_hash_finish(h);
	}
	for (unsigned b = 0; b < d->lede_bands; b++) {
		uint64_t h = 0x1ede00ull + b;
		for (unsigned r = 0; r < d->lede_rows; r++)
			h = wf_hash_combine(h, fp->lede[b * d->lede_rows + r]);
		keys[d->bands + b] = wf_hash_finish(h);
	}
}

/* ---- entries ---------------------------------------------------------- */

/* The live entry whose seq has these low 32 bits, or NULL. */
static struct entry *entry_at(const struct dedup *d, uint32_t seq32)
{
	uint64_t off = (uint32_t)(seq32 - (uint32_t)d->base);
	if (off >= d->n)
		return NULL;
	return d->ring[(d->head + off) % d->cap];
}

static size_t entry_size(const struct entry *e)
{
	return sizeof *e + strlen(e->id) + strlen(e->canon) + 2 +
	       ((size_t)e->n_shingles + e->n_wordset + e->n_numbers + e->n_names + e->n_tickers) *
	               sizeof(uint32_t);
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->id);
	free(e->canon);
	free(e);
}

static uint32_t *copy_u32(uint32_t **dst, const uint32_t *src, uint32_t n)
{
	memcpy(*dst, src, n * sizeof *src);
	uint32_t *at = *dst;
	*dst += n;
	return at;
}

static struct entry *entry_new(const struct wf_article *a, const char *canon)
{
	const struct wf_fingerprint *fp = &a->fp;
	size_t n32 = (size_t)fp->n_shingles + fp->n_wordset + fp->n_numbers + fp->n_names +
	             fp->n_tickers;
	struct entry *e = malloc(sizeof *e + n32 * sizeof(uint32_t));
	if (!e)
		return NULL;
	e->id = strdup(a->id);
	e->canon = strdup(canon);
	if (!e->id || !e->canon) {
		entry_free(e);
		return NULL;
	}
	e->time_ms = a->time_ms;
	e->n_words = fp->n_words;
	e->n_shingles = fp->n_shingles;
	e->n_wordset = fp->n_wordset;
	e->n_numbers = fp->n_numbers;
	e->n_names = fp->n_names;
	e->n_tickers = fp->n_tickers;
	uint32_t *p = (uint32_t *)(e + 1);
	e->shingles = copy_u32(&p, fp->shingles, fp->n_shingles);
	e->words = copy_u32(&p, fp->words, fp->n_wordset);
	e->numbers = copy_u32(&p, fp->numbers, fp->n_numbers);
	e->names = copy_u32(&p, fp->names, fp->n_names);
	e->tickers = copy_u32(&p, fp->tickers, fp->n_tickers);
	return e;
}

static void pop_oldest(struct dedup *d)
{
	d->entry_bytes -= entry_size(d->ring[d->head]);
	entry_free(d->ring[d->head]);
	d->ring[d->head] = NULL;
	d->head = (d->head + 1) % d->cap;
	d->base++;
	d->n--;
}

/* Room for one more entry in the ring. */
static int ring_reserve(struct dedup *d)
{
	if (d->n == d->cap)
		return wf_ring_grow((void **)&d->ring, &d->cap, &d->head, d->n, sizeof *d->ring, 1024);
	return 0;
}

/* Append e to the ring (after ring_reserve). */
static void ring_append(struct dedup *d, struct entry *e)
{
	e->seq = d->base + d->n;
	d->ring[(d->head + d->n) % d->cap] = e;
	d->n++;
	d->entry_bytes += entry_size(e);
	if (d->n > d->peak.peak_held) {
		d->peak.peak_held = d->n;
		d->peak.index_bytes = wf_lsh_index_bytes(d->index);
		d->peak.entry_bytes = d->entry_bytes;
	}
}

static int push(struct dedup *d, struct entry *e, const uint64_t *keys)
{
	if (ring_reserve(d) < 0 ||
	    wf_lsh_index_add(d->index, e->time_ms, keys, n_keys(d), (uint32_t)(d->base + d->n)) < 0)
		return WF_ENOMEM;
	ring_append(d, e);
	return 0;
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
	uint32_t in = filter_bound_upto(&d->filter, y->shingles, ny, need);
	if (in >= need)
		in = overlap_upto(x->shingles, nx, y->shingles, ny, need);
	v.containment = (double)in / (nx < ny ? nx : ny);
	v.jaccard = (double)in / (nx + ny - in);
	if (v.containment < d->p.min_containment)
		return v;
	/* two texts headlined with different stocks are two reports, whatever
	 * else they share */
	if (x->n_tickers && y->n_tickers &&
	    !overlap(x->tickers, x->n_tickers, y->tickers, y->n_tickers))
		return v;
	/* The facts of the shorter text must be in the longer one: a template
	 * look-alike differs in its figures and names. */
	bool x_short = x->n_words <= y->n_words;
	const uint32_t *sn = x_short ? x->numbers : y->numbers;
	uint32_t nsn = x_short ? x->n_numbers : y->n_numbers;
	const uint32_t *ln = x_short ? y->numbers : x->numbers;
	uint32_t nln = x_short ? y->n_numbers : x->n_numbers;
	uint32_t num_miss = nsn - overlap(sn, nsn, ln, nln);
	/* a name of the shorter text may stand in lower case in the longer */
	const uint32_t *sa = x_short ? x->names : y->names;
	uint32_t nsa = x_short ? x->n_names : y->n_names;
	const uint32_t *lw = x_short ? y->words : x->words;
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
		if (y)
			__builtin_prefetch(y->shingles);
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
	d->k = cfg->fp.minhash_k;
	wf_lsh_params(d->p.lsh_threshold, d->k, d->p.lsh_weight_fp, 1.0 - d->p.lsh_weight_fp,
	              &d->bands, &d->rows);
	d->lede_k = cfg->fp.lede_k;
	wf_lsh_params(d->p.lede_threshold, d->lede_k, d->p.lsh_weight_fp,
	              1.0 - d->p.lsh_weight_fp, &d->lede_bands, &d->lede_rows);
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
	while (d->n && d->ring[d->head]->time_ms < d->now_ms - d->p.window_ms)
		pop_oldest(d);
	wf_lsh_index_expire(d->index, d->now_ms - d->p.window_ms);
	uint64_t keys[2 * WF_MINHASH_MAX];
	make_keys(d, &a->fp, keys);
	struct verdict v = {0};
	const struct entry *y = best_match(d, a, keys, &v);
	if (y) {
		a->kind = v.kind;
		a->canonical = wf_arena_strndup(&b->arena, y->canon, strlen(y->canon));
		a->similarity = (float)v.containment;
		if (!a->canonical)
			return WF_ENOMEM;
	} else {
		a->kind = WF_KIND_NEW;
		a->canonical = a->id;
		a->similarity = 1.0f;
	}
	struct entry *e = entry_new(a, a->canonical);
	if (!e)
		return WF_ENOMEM;
	if (push(d, e, keys) < 0) {
		entry_free(e);
		return WF_ENOMEM;
	}
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
	while (d->n)
		pop_oldest(d);
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
	wf_state_put_str(out, e->canon);
	const uint32_t c[NCOUNTS] = {e->n_words,   e->n_shingles, e->n_wordset,
	                             e->n_numbers, e->n_names,    e->n_tickers};
	wf_state_put_u32s(out, c, NCOUNTS);
	/* the arrays follow each other in the entry's allocation */
	wf_state_put_u32s(out, e->shingles, (size_t)c[1] + c[2] + c[3] + c[4] + c[5]);
}

static int dedup_save(void *self, struct wf_state_out *out)
{
	const struct dedup *d = self;
	wf_state_put_i64(out, d->now_ms);
	wf_state_put_u64(out, d->base);
	wf_state_put_u64(out, d->n);
	for (size_t i = 0; i < d->n && !out->error; i++)
		entry_put(out, d->ring[(d->head + i) % d->cap]);
	wf_lsh_index_save(d->index, out);
	return out->error;
}

/* One entry as entry_put wrote it, or NULL (in->error says why). */
static struct entry *entry_get(struct wf_state_in *in)
{
	int64_t time_ms = wf_state_get_i64(in);
	char *id = wf_state_get_str(in), *canon = wf_state_get_str(in);
	uint32_t c[NCOUNTS];
	if (!id || !canon || !wf_state_get_u32s(in, c, NCOUNTS))
		goto err_free_strings;
	/* the counts must fit in what is left before memory is taken for them */
	size_t n32 = (size_t)c[1] + c[2] + c[3] + c[4] + c[5];
	if (n32 > wf_state_in_left(in) / 4) {
		wf_state_in_fail(in);
		goto err_free_strings;
	}
	struct entry *e = malloc(sizeof *e + n32 * sizeof(uint32_t));
	if (!e) {
		in->error = WF_ENOMEM;
		goto err_free_strings;
	}
	e->time_ms = time_ms;
	e->id = id;
	e->canon = canon;
	e->n_words = c[0];
	e->n_shingles = c[1];
	e->n_wordset = c[2];
	e->n_numbers = c[3];
	e->n_names = c[4];
	e->n_tickers = c[5];
	e->shingles = (uint32_t *)(e + 1);
	e->words = e->shingles + c[1];
	e->numbers = e->words + c[2];
	e->names = e->numbers + c[3];
	e->tickers = e->names + c[4];
	wf_state_get_u32s(in, e->shingles, n32); /* cannot fall short: checked */
	return e;

err_free_strings:
	free(id);
	free(canon);
	return NULL;
}

static int dedup_load(void *self, struct wf_state_in *in)
{
	struct dedup *d = self;
	d->now_ms = wf_state_get_i64(in);
	d->base = wf_state_get_u64(in);
	uint64_t n = wf_state_get_u64(in);
	for (uint64_t i = 0; i < n && !in->error; i++) {
		struct entry *e = entry_get(in);
		if (!e)
			break;
		if (ring_reserve(d) < 0) {
			entry_free(e);
			return WF_ENOMEM;
		}
		ring_append(d, e);
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
