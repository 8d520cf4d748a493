/* cluster.c — online story clustering (ordered stage); see cluster.h.
 *
 * State, all bounded by event time or by fixed caps:
 *   df        term -> document frequency (halved every df_horizon docs);
 *   stories   story id -> open story; `lru` lists them least recently
 *             active first, so closing idle ones looks at the head only;
 *   postings  term -> the open stories indexed under it (at most
 *             posting_max; when full, the least recently active leaves);
 *   items     item id hash -> the story it went to, for the duplicates
 *             that follow it; entries leave once older than the longer of
 *             the dedup window and the idle time.
 * A story is one object (its index terms, centroid and headline vector
 * follow the struct), of one of two sizes (enum sclass); stories and
 * posting lists come from large chunks,
 * closed ones and emptied ones go to free lists, so a steady stream
 * allocates nothing per article.  What a query reads of each story it
 * meets (struct hot) is kept apart from the stories, by slot. */
#include "wirefold/cluster.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/map.h"
#include "wirefold/ring.h"
#include "wirefold/stage.h"
#include "wirefold/state.h"

/* At most CANDIDATES_MAX stories are scored exactly per article: those
 * with the largest dot product over the indexed terms, and at least
 * CANDIDATES_REACH times the largest. */
enum { CANDIDATES_MAX = 8 };
/* Terms per field kept of the headline item, to re-check its centrality. */
enum { HEADLINE_TERMS = 16 };
#define CANDIDATES_REACH 0.25f
/* A bound on content_sim: each cosine is the dot product of a unit vector
 * with a centroid over the centroid's norm, all weights >= 0, so at most 1
 * but for float rounding (a few 1e-6); the gate and the weighted mean do
 * not raise it.  A candidate whose time decay times this is under the
 * threshold can neither be joined nor outrank one that can be (its
 * similarity is under both), so it is not scored. */
#define SIM_MAX 1.01
/* Sizes of the tables of idf values by document frequency and of TF
 * weights by count: most terms are rare and most counts small. */
enum { IDF_CACHE = 1024, TF_CACHE = 64 };
/* Entries per field (log 2) of the filter in front of the article's
 * lookup table. */
enum { AT_BITS_LOG = 11 };

uint64_t wf_story_id(const char *founding_id)
{
	return XXH3_64bits_withSeed(founding_id, strlen(founding_id), 0x5707);
}

/* A slot of the article's lookup table; its tag is the article's at_tag
 * plus the field (others are free). */
struct aslot {
	uint64_t h;
	float w;
	uint32_t tag;
};

/* A weighted term of a centroid or of an article's vector: 12 bytes, not
 * 16 (a story keeps 240 of them, and each new page a story pool takes is
 * a page fault) */
struct cterm {
	uint64_t h;
	float w;
} __attribute__((packed, aligned(4)));

struct vec {
	struct cterm *t[WF_NFIELDS]; /* sorted by h */
	uint32_t n[WF_NFIELDS];
};

/* The sizes of story objects.  Most stories get no second item, and one
 * item's centroid holds about half the terms a centroid can (the body's
 * centroid_terms, and few of the title and entities) and no headline
 * vector yet (hv_owed): such a story starts small, in an object with room
 * for the centroid it has, and moves to a full one when its second item
 * comes.  Stories take half the memory (so half the fresh pages, each a
 * page fault, and half the cache lines). */
enum sclass { STORY_SMALL, STORY_FULL, SCLASSES };

struct story {
	/* what scoring a candidate reads, in its first cache line */
	struct vec c;              /* centroid: running sums, top terms */
	float norm[WF_NFIELDS];    /* |centroid| per field */
	uint32_t slot;             /* its entry in cluster.hot, for life */
	uint64_t seq;              /* founding order: breaks ties */
	uint64_t id;
	struct story *prev, *next; /* the lru list */
	char *headline;            /* title of the most central item */
	uint32_t items;            /* distinct items (not duplicates) */
	uint8_t cls;               /* enum sclass: its object's size */
	bool hv_owed;              /* hv is still to be cut from c (cut_hv),
	                            * which is then its first item's vector */
	struct vec hv;             /* the headline item's vector */
	/* last, as the index terms follow: an eviction from a posting list
	 * reads only these of the story it evicts */
	uint32_t nix;              /* index terms in use */
	uint64_t *ix;              /* terms it is indexed under */
};

/* What a query and an eviction read of a story, apart from it and packed
 * with the others', so a posting list's stories cost no cache miss each. */
struct hot {
	int64_t last_ms; /* latest item time */
	uint32_t mark;   /* query scratch: the query it was seen in, */
	float acc;       /* and the query weight it matched there */
};

/* An open story indexed under a term, with the term's weight in it. */
struct pentry {
	uint32_t slot; /* the story's */
	float w;
};

/* A posting list holds as many entries as its class: the classes fill 1, 2,
 * 4, 8 cache lines, the last posting_max.  Most lists hold a few stories
 * (4 on average on the bench feed), so a list grows into the next class
 * when it fills rather than taking posting_max entries from the start. */
enum { PCLASSES = 8 };
struct posting {
	struct posting *next_free;
	uint32_t n;
	uint32_t cls;      /* its class */
	struct pentry e[]; /* least recently indexed first */
};

/* A story a query found, and the query weight it matched; once kept for
 * scoring, its time decay. */
struct cand {
	struct story *s;
	float acc;
	uint32_t slot;
	double decay;
};

struct item {
	uint64_t key; /* hash of the item id */
	int64_t time_ms;
	uint64_t story;
};

struct dfslot;
struct dftab {
	struct dfslot *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t n;
};

/* Stories and posting lists, each of a fixed size, come from chunks of
 * CHUNK bytes (a huge page) and go back to free lists, never to malloc; the
 * chunks go with the stage. */
enum { CHUNK = 2 << 20 };
struct pool {
	size_t size;    /* of an object: a multiple of the cache line */
	char *at, *end; /* what is left of the newest chunk */
	void **chunks;
	size_t nchunks, chunks_cap;
};

struct cluster {
	struct wf_cluster_params p;
	int64_t keep_items_ms;
	int64_t now_ms;
	uint64_t docs;      /* documents counted in df (after halvings) */
	uint64_t next_seq;
	uint32_t query;     /* query counter for hot.mark */
	struct hot *hot;    /* by story slot */
	struct story **story_at; /* by slot */
	uint32_t nhot;      /* slots handed out */
	size_t hot_cap;     /* of both */
	struct dftab df;
	struct wf_map stories;
	struct wf_map postings;
	struct wf_map items;
	struct story *lru_head, *lru_tail;
	struct story *free_stories[SCLASSES];
	uint32_t small_terms; /* centroid terms a small story has room for */
	struct posting *free_postings[PCLASSES];
	struct pool story_pool[SCLASSES], posting_pool[PCLASSES];
	uint32_t posting_cap[PCLASSES]; /* entries a list of each class holds */
	uint32_t nclasses;
	struct item *fifo; /* ring: items in arrival order */
	size_t fifo_cap, fifo_head, fifo_n;
	uint64_t fifo_base; /* absolute position of fifo[fifo_head] */
	uint64_t idf_docs[IDF_CACHE]; /* idf(df) for df < IDF_CACHE, */
	double idf_val[IDF_CACHE];    /* when docs was idf_docs[df] */
	double tf_weight[TF_CACHE];   /* 1 + ln tf for tf < TF_CACHE */
	/* scratch, grown as needed */
	uint32_t *cnt;       /* the article's term counts in df, */
	size_t cnt_cap;
	struct dfslot **slot; /* and their slots */
	size_t slot_cap;
	struct vec av;       /* the article's vector */
	size_t av_cap;
	struct aslot *at;    /* and its lookup table, */
	size_t at_mask;
	uint32_t at_tag;
	/* and a filter in front of that: per field, a flag for the top bits of
	 * each term's hash (bytes, not bits: a test is one compare with memory,
	 * and scoring tests every centroid term).  A flag is set when it holds
	 * the article's at_gen, so the 6 KiB are cleared once in 255 articles,
	 * when at_gen wraps, rather than for each */
	uint8_t at_bits[WF_NFIELDS][1 << AT_BITS_LOG];
	uint8_t at_gen;
	struct cterm *merge; /* centroid update */
	size_t merge_cap;
	uint64_t *keys;      /* keep_heaviest */
	size_t keys_cap;
	uint32_t *sel;       /* select_top */
	size_t sel_cap;
	struct cand *cands;
	size_t cands_cap;
	struct posting **plists; /* the posting lists of a query's terms */
	size_t plists_cap;
	bool *have;          /* reindex: which of the top terms s has, */
	size_t have_cap;
	uint32_t *evict;     /* and the entry each full list evicts */
	size_t evict_cap;
};

/* ---- small helpers ---------------------------------------------------- */

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(p, n * size);
	if (q)
		*cap = n;
	return q;
}

/* n bytes (a multiple of CHUNK) in huge pages when the system gives them
 * on request (Linux): the df table, stories and posting lists are read at
 * random, and with small pages most such reads would also miss the TLB
 * (and each new page would cost a fault). */
static void *huge_alloc(size_t n)
{
	void *p = aligned_alloc(CHUNK, n);
#ifdef MADV_HUGEPAGE
	if (p)
		madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

/* A zeroed table of n bytes. */
static void *table_alloc(size_t n)
{
	if (n < CHUNK)
		return calloc(1, n);
	void *p = huge_alloc((n + CHUNK - 1) / CHUNK * CHUNK);
	return p ? memset(p, 0, n) : NULL;
}

/* An object of the pool's size, from its newest chunk or a new one. */
static void *pool_take(struct pool *p)
{
	if ((size_t)(p->end - p->at) < p->size) {
		const size_t bytes = (p->size + CHUNK - 1) / CHUNK * CHUNK;
		void **chunks = grow(p->chunks, &p->chunks_cap, p->nchunks + 1, sizeof *chunks);
		if (!chunks)
			return NULL;
		p->chunks = chunks;
		char *m = huge_alloc(bytes);
		if (!m)
			return NULL;
		p->chunks[p->nchunks++] = m;
		p->at = m;
		p->end = m + bytes;
	}
	void *o = p->at;
	p->at += p->size;
	return o;
}

static void pool_free(struct pool *p)
{
	for (size_t i = 0; i < p->nchunks; i++)
		free(p->chunks[i]);
	free(p->chunks);
}

static uint64_t id_key(const char *id)
{
	return XXH3_64bits(id, strlen(id));
}

/* heavier first; equal weights by hash, so the order is total */
static bool heavier(const struct cterm *a, const struct cterm *b)
{
	return a->w > b->w || (a->w == b->w && a->h < b->h);
}

static void sort_by_w(struct cterm *t, size_t n)
{
	static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
		const size_t gap = gaps[g];
		for (size_t i = gap; i < n; i++) {
			struct cterm x = t[i];
			size_t j = i;
			for (; j >= gap && heavier(&x, &t[j - gap]); j -= gap)
				t[j] = t[j - gap];
			t[j] = x;
		}
	}
}

/* heavier() without branches, for the partitions: their outcomes do not
 * repeat, so a branch on each would be mispredicted half the time.  The
 * weights are never NaN, so w >= and not w > is w ==, and both come of
 * one compare. */
static bool heavier_nb(const struct cterm *a, const struct cterm *b)
{
	return (a->w > b->w) | ((a->w >= b->w) & (a->h < b->h));
}

static void swap(struct cterm *a, struct cterm *b)
{
	const struct cterm t = *a;
	*a = *b;
	*b = t;
}

/* Move the k heaviest of t[0..n) to its front, in no order (quickselect,
 * median-of-three pivots; `heavier` is a total order, so the result is
 * deterministic).  The order they are left in decides the order of the
 * query's sums and of the saved index terms, so it must stay that of this
 * Hoare partition; scratch holds 2n. */
static void select_top(struct cterm *t, size_t n, size_t k, uint32_t *scratch)
{
	size_t lo = 0, hi = n; /* the k-th heaviest is in [lo, hi) */
	while (hi - lo > 16) {
		const size_t mid = lo + (hi - lo) / 2;
		if (heavier(&t[mid], &t[lo]))
			swap(&t[mid], &t[lo]);
		if (heavier(&t[hi - 1], &t[lo]))
			swap(&t[hi - 1], &t[lo]);
		if (heavier(&t[hi - 1], &t[mid]))
			swap(&t[hi - 1], &t[mid]);
		const struct cterm pivot = t[mid]; /* t[lo] >= pivot >= t[hi-1] */
		/* Hoare's partition scans from the left to each term not heavier
		 * than the pivot, from the right to each not lighter, and swaps
		 * the pairs until the scans cross.  Until then they only meet
		 * terms not yet swapped, so the pairs are the m-th of each kind
		 * from either end, in the terms as they are now: list both kinds
		 * (without branches), then swap the pairs. */
		uint32_t *l = scratch, *r = scratch + (hi - lo);
		size_t nl = 0, nr = 0;
		for (size_t x = lo; x < hi; x++) {
			const bool h = heavier_nb(&t[x], &pivot);
			l[nl] = (uint32_t)x;
			nl += !h;
			r[nr] = (uint32_t)x;
			nr += h | (t[x].h == pivot.h);
		}
		/* l ascending, r ascending and used from its end; t[hi-1] is in
		 * l and t[lo] in r, so neither runs out before the scans cross */
		size_t m = 0;
		while (m < nl && m < nr && l[m] < r[nr - 1 - m]) {
			swap(&t[l[m]], &t[r[nr - 1 - m]]);
			m++;
		}
		/* where the right scan stopped: at the next term of its kind, or
		 * at the last one swapped to the left if that comes first */
		size_t j = r[nr - 1 - m];
		if (m > 0 && l[m - 1] > j)
			j = l[m - 1];
		/* [lo, j] >= pivot >= (j, hi) */
		if (k <= j)
			hi = j + 1;
		else if (k > j + 1)
			lo = j + 1;
		else
			return;
	}
	sort_by_w(t + lo, hi - lo);
}

/* A key that orders terms as `heavier` does, for the term of weight w at
 * position i of an array sorted by hash: the larger key is the heavier.
 * The bits of a float that is not negative order as the float; the sign
 * flip below extends that to negative ones, and adding 0 makes -0 equal 0,
 * as it is to `heavier`. */
static uint64_t rank_key(float w, uint32_t i)
{
	uint32_t u;
	w += 0.0f;
	memcpy(&u, &w, sizeof u);
	u ^= u >> 31 ? UINT32_MAX : UINT32_C(0x80000000);
	return (uint64_t)u << 32 | (UINT32_MAX - i);
}

/* The k-th largest (1 <= k <= n) of the distinct keys x[0..n); reorders
 * x and uses y[0..n).  Quickselect whose partition has no branch on the
 * data: each key is written to both ends and the fitting end advances. */
static uint64_t kth_largest(uint64_t *x, uint64_t *y, size_t n, size_t k)
{
	while (n > 12) {
		uint64_t a = x[0], b = x[n / 2], p = x[n - 1];
		if (a > b) {
			const uint64_t t = a;
			a = b;
			b = t;
		}
		p = p < a ? a : p > b ? b : p; /* the median of the three */
		size_t g = 0, l = n - 1;
		for (size_t i = 0; i < n; i++) {
			const uint64_t v = x[i];
			y[g] = v;
			y[l] = v;
			g += v > p;
			l -= v < p;
		}
		/* y[0, g) > p > y(g, n) */
		if (k == g + 1)
			return p;
		uint64_t *const t = x;
		if (k <= g) {
			x = y;
			y = t;
			n = g;
		} else {
			x = y + g + 1;
			y = t + g + 1;
			n -= g + 1;
			k -= g + 1;
		}
	}
	for (size_t i = 1; i < n; i++) {
		const uint64_t v = x[i];
		size_t j = i;
		for (; j > 0 && x[j - 1] < v; j--)
			x[j] = x[j - 1];
		x[j] = v;
	}
	return x[k - 1];
}

/* Copy to dst the `keep` heaviest of t[0..n) (sorted by hash), in their
 * order; returns the count.  dst may be t; c->keys holds 3n. */
static uint32_t keep_heaviest(struct cluster *c, struct cterm *dst, const struct cterm *t,
                              uint32_t n, uint32_t keep)
{
	if (n <= keep) {
		memmove(dst, t, n * sizeof *t);
		return n;
	}
	/* kth_largest reorders x: the keys in t's order stay in z */
	uint64_t *x = c->keys, *y = c->keys + n, *z = c->keys + 2 * (size_t)n;
	for (uint32_t i = 0; i < n; i++)
		z[i] = x[i] = rank_key(t[i].w, i);
	const uint64_t least = kth_largest(x, y, n, keep);
	/* dst holds only `keep`: stop at the last kept */
	uint32_t m = 0;
	for (uint32_t i = 0; m < keep; i++) {
		dst[m] = t[i];
		m += z[i] >= least;
	}
	return m;
}

static float dot(const struct cterm *a, uint32_t na, const struct cterm *b, uint32_t nb)
{
	float s = 0;
	uint32_t i = 0, j = 0;
	while (i < na && j < nb) {
		if (a[i].h < b[j].h)
			i++;
		else if (a[i].h > b[j].h)
			j++;
		else
			s += a[i++].w * b[j++].w;
	}
	return s;
}

static float norm_of(const struct cterm *t, uint32_t n)
{
	float s = 0;
	for (uint32_t i = 0; i < n; i++)
		s += t[i].w * t[i].w;
	return sqrtf(s);
}

/* ---- document frequencies ---------------------------------------------- */

/* The df table: term -> count, open addressing with linear probing.  Its
 * layout follows wf_map's (the same spreading multiply, growth at half
 * load, rebuilt in slot order when halved), so a saved state lists the
 * counts in the same order; unlike wf_map it finds a term once to count it,
 * and its slots can be prefetched.  A count of 0 marks an empty slot.
 * 12 bytes a slot: the table is the stage's largest (2 Mi slots before
 * the first halving of the bench feed), read at random, and its growth
 * takes fresh pages. */
struct dfslot {
	uint64_t h;
	uint32_t n;
} __attribute__((packed, aligned(4)));

static size_t df_home(const struct dftab *d, uint64_t h)
{
	return (size_t)((h * 0x9E3779B97F4A7C15ull) >> 17) & d->mask;
}

static int df_init(struct dftab *d)
{
	d->slots = calloc(16, sizeof *d->slots);
	d->mask = 15;
	d->n = 0;
	return d->slots ? 0 : WF_ENOMEM;
}

static struct dfslot *df_find(const struct dftab *d, uint64_t h)
{
	size_t i = df_home(d, h);
	while (d->slots[i].n && d->slots[i].h != h)
		i = (i + 1) & d->mask;
	return &d->slots[i];
}

static void df_prefetch(const struct dftab *d, const struct wf_features *f)
{
	for (int k = 0; k < WF_NFIELDS; k++)
		for (uint32_t i = 0; i < f->n[k]; i++)
			__builtin_prefetch(&d->slots[df_home(d, f->terms[k][i].h)]);
}

/* Double the table; rare, so kept out of df_claim's way. */
__attribute__((cold)) static int df_grow(struct dftab *d)
{
	const size_t cap = (d->mask + 1) * 2;
	struct dfslot *old = d->slots, *slots = table_alloc(cap * sizeof *slots);
	if (!slots)
		return WF_ENOMEM;
	const size_t oldcap = d->mask + 1;
	d->slots = slots;
	d->mask = cap - 1;
	for (size_t j = 0; j < oldcap; j++)
		if (old[j].n)
			*df_find(d, old[j].h) = old[j];
	free(old);
	return 0;
}

/* The slot of h, claimed for it if new (n is then 0); NULL when out of
 * memory.  It grows the table when wf_map_put would. */
static struct dfslot *df_claim(struct dftab *d, uint64_t h)
{
	if ((d->n + 1) * 2 > d->mask + 1 && df_grow(d) < 0)
		return NULL;
	struct dfslot *e = df_find(d, h);
	if (!e->n) {
		d->n++;
		e->h = h;
	}
	return e;
}

static uint32_t df_get(const struct cluster *c, uint64_t h)
{
	return df_find(&c->df, h)->n;
}

/* Halve every count, dropping those that reach 0. */
static int df_halve(struct cluster *c)
{
	struct dftab d;
	if (df_init(&d) < 0)
		return WF_ENOMEM;
	for (size_t i = 0; i <= c->df.mask; i++) {
		const uint32_t n = c->df.slots[i].n / 2;
		if (!n)
			continue;
		struct dfslot *e = df_claim(&d, c->df.slots[i].h);
		if (!e) {
			free(d.slots);
			return WF_ENOMEM;
		}
		e->n = n;
	}
	free(c->df.slots);
	c->df = d;
	c->docs /= 2;
	return 0;
}

/* Count the article's terms; their counts after it go to c->cnt, in the
 * order of its fields and terms. */
static int df_add(struct cluster *c, const struct wf_features *f)
{
	if (c->docs >= c->p.df_horizon && df_halve(c) < 0)
		return WF_ENOMEM;
	c->docs++;
	const size_t mask = c->df.mask;
	size_t j = 0, terms = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		terms += f->n[k];
	if ((c->df.n + terms) * 2 <= mask + 1) {
		/* no claim can grow the table (nearly always): claim inline, the
		 * new terms counted in a local (stores through e could alias
		 * c->df.n, c->slot and c->cnt, which would be stored and loaded
		 * again for every term) */
		const struct dftab *d = &c->df;
		struct dfslot **slot = c->slot;
		uint32_t *cnt = c->cnt;
		size_t added = 0;
		for (int k = 0; k < WF_NFIELDS; k++)
			for (uint32_t i = 0; i < f->n[k]; i++) {
				const uint64_t h = f->terms[k][i].h;
				struct dfslot *e = df_find(d, h);
				added += !e->n;
				e->h = h;
				slot[j] = e;
				cnt[j++] = ++e->n;
			}
		c->df.n += added;
	} else {
		for (int k = 0; k < WF_NFIELDS; k++)
			for (uint32_t i = 0; i < f->n[k]; i++) {
				struct dfslot *e = df_claim(&c->df, f->terms[k][i].h);
				if (!e)
					return WF_ENOMEM;
				c->slot[j] = e;
				c->cnt[j++] = ++e->n;
			}
	}
	/* the same term in two fields (a hash collision) was counted twice:
	 * its first count is then not the one its slot holds, and it must see
	 * the second's too.  A table grown meanwhile moved the slots: then
	 * all are looked up again (rare) */
	uint32_t differ = c->df.mask != mask;
	if (!differ)
		for (size_t x = 0; x < j; x++)
			differ |= c->cnt[x] ^ c->slot[x]->n; /* no branch per term */
	const bool again = differ != 0;
	j = 0;
	for (int k = 0; again && k < WF_NFIELDS; k++)
		for (uint32_t i = 0; i < f->n[k]; i++)
			c->cnt[j++] = df_get(c, f->terms[k][i].h);
	return 0;
}

/* ln((docs + prior_docs) / (df + 1)), floored at 0; a pure function of
 * docs and df, so small counts keep their value per docs. */
static double idf(struct cluster *c, uint32_t df)
{
	if (df < IDF_CACHE && c->idf_docs[df] == c->docs)
		return c->idf_val[df];
	double v = log(((double)c->docs + c->p.prior_docs) / ((double)df + 1));
	v = v > 0 ? v : 0;
	if (df < IDF_CACHE) {
		c->idf_docs[df] = c->docs;
		c->idf_val[df] = v;
	}
	return v;
}

static void normalize(struct cterm *t, uint32_t *n)
{
	const float len = norm_of(t, *n);
	if (!(len > 0)) {
		*n = 0;
		return;
	}
	for (uint32_t i = 0; i < *n; i++)
		t[i].w /= len;
}

/* The article's TF-IDF vector, each field of unit length; c->cnt holds
 * its document frequencies (df_add). */
static int weigh(struct cluster *c, const struct wf_features *f)
{
	size_t total = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		total += f->n[k];
	struct cterm *buf = grow(c->av.t[0], &c->av_cap, total + 1, sizeof *buf);
	if (!buf)
		return WF_ENOMEM;
	const uint32_t *cnt = c->cnt;
	for (int k = 0; k < WF_NFIELDS; k++) {
		struct cterm *t = c->av.t[k] = buf;
		uint32_t n = 0;
		for (uint32_t i = 0; i < f->n[k]; i++) {
			const struct wf_term *x = &f->terms[k][i];
			const double tw = x->tf < TF_CACHE ? c->tf_weight[x->tf]
			                                   : 1 + log((double)x->tf);
			t[n].h = x->h;
			t[n++].w = (float)(tw * idf(c, *cnt++));
		}
		normalize(t, &n);
		c->av.n[k] = n;
		buf += n;
	}
	return 0;
}

/* ---- similarity ---------------------------------------------------------- */

/* Put the article's vector in the lookup table (c->at). */
static int table_article(struct cluster *c)
{
	size_t total = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		total += c->av.n[k];
	size_t cap = 64;
	while (cap < 4 * total)
		cap *= 2;
	if (cap > c->at_mask + 1 || c->at_tag > UINT32_MAX - 2 * WF_NFIELDS) {
		if (cap > c->at_mask + 1) {
			free(c->at);
			if (!(c->at = malloc(cap * sizeof *c->at)))
				return WF_ENOMEM;
			c->at_mask = cap - 1;
		}
		memset(c->at, 0, (c->at_mask + 1) * sizeof *c->at);
		c->at_tag = 1;
	} else {
		c->at_tag += WF_NFIELDS;
	}
	if (++c->at_gen == 0) {
		memset(c->at_bits, 0, sizeof c->at_bits);
		c->at_gen = 1;
	}
	for (int k = 0; k < WF_NFIELDS; k++)
		for (uint32_t i = 0; i < c->av.n[k]; i++) {
			const struct cterm *t = &c->av.t[k][i];
			c->at_bits[k][t->h >> (64 - AT_BITS_LOG)] = c->at_gen;
			size_t j = t->h & c->at_mask;
			while (c->at[j].tag - c->at_tag < WF_NFIELDS)
				j = (j + 1) & c->at_mask;
			c->at[j] = (struct aslot){t->h, t->w, c->at_tag + (uint32_t)k};
		}
	return 0;
}

/* dot() of field k of the article's vector and b, by lookups: the same
 * products summed in the same order (b's), without walking the article. */
static float dot_article(const struct cluster *c, int k, const struct cterm *b, uint32_t nb)
{
	const uint32_t tag = c->at_tag + (uint32_t)k;
	const uint8_t *bits = c->at_bits[k], gen = c->at_gen;
	float s = 0;
	for (uint32_t i = 0; i < nb; i++) {
		if (bits[b[i].h >> (64 - AT_BITS_LOG)] != gen)
			continue; /* most centroid terms are not the article's */
		for (size_t j = b[i].h & c->at_mask;; j = (j + 1) & c->at_mask) {
			const struct aslot *e = &c->at[j];
			if (e->tag - c->at_tag >= WF_NFIELDS)
				break;
			if (e->h == b[i].h && e->tag == tag) {
				s += e->w * b[i].w;
				break;
			}
		}
	}
	return s;
}

/* Weighted mean of the per-field cosines of v (the article's vector or a
 * headline vector) to s's centroid, over the fields v has. */
static double content_sim(const struct cluster *c, const struct vec *v,
                          const struct story *s)
{
	double num = 0, den = 0;
	double gate = 1;
	for (int k = 0; k < WF_NFIELDS; k++) {
		if (!v->n[k] || !(s->norm[k] > 0))
			continue;
		const float d = v == &c->av ? dot_article(c, k, s->c.t[k], s->c.n[k])
		                            : dot(v->t[k], v->n[k], s->c.t[k], s->c.n[k]);
		const double cs = d / s->norm[k];
		den += c->p.weight[k];
		num += c->p.weight[k] * cs;
		if (k == WF_FIELD_ENTITY && c->p.entity_gate > 0 && cs < c->p.entity_gate)
			gate = cs / c->p.entity_gate;
	}
	return den > 0 ? gate * num / den : 0;
}

static double decay(const struct cluster *c, int64_t gap_ms)
{
	if (gap_ms <= 0 || c->p.half_life_ms <= 0)
		return 1;
	const double d = exp2(-(double)gap_ms / (double)c->p.half_life_ms);
	return d > c->p.decay_floor ? d : c->p.decay_floor;
}

/* ---- the index ------------------------------------------------------------ */

/* An empty posting list of class cls. */
static struct posting *posting_new(struct cluster *c, uint32_t cls)
{
	struct posting *p = c->free_postings[cls];
	if (p)
		c->free_postings[cls] = p->next_free;
	else if (!(p = pool_take(&c->posting_pool[cls])))
		return NULL;
	p->n = 0;
	p->cls = cls;
	return p;
}

static void posting_release(struct cluster *c, struct posting *p)
{
	p->next_free = c->free_postings[p->cls];
	c->free_postings[p->cls] = p;
}

/* The smallest class that holds n entries (n <= posting_max). */
static uint32_t posting_class(const struct cluster *c, uint32_t n)
{
	uint32_t cls = 0;
	while (c->posting_cap[cls] < n)
		cls++;
	return cls;
}

/* Start loading the entries of p (its header is on its way). */
static void posting_prefetch(const struct posting *p)
{
	for (size_t i = 64; i < sizeof *p + p->n * sizeof p->e[0]; i += 64)
		__builtin_prefetch((const char *)p + i);
}

/* The posting lists of the n terms t into pl (NULL for a term without
 * one), all looked up before any is used so that their cache misses
 * overlap, and their entries asked for. */
static void find_lists(struct cluster *c, const struct cterm *t, size_t n, struct posting **pl)
{
	for (size_t i = 0; i < n; i++)
		wf_map_prefetch(&c->postings, t[i].h);
	for (size_t i = 0; i < n; i++) {
		pl[i] = wf_map_get(&c->postings, t[i].h);
		if (pl[i])
			__builtin_prefetch(pl[i]);
	}
	for (size_t i = 0; i < n; i++)
		if (pl[i])
			posting_prefetch(pl[i]);
}

static void ix_drop_term(struct story *s, uint64_t h)
{
	for (uint32_t i = 0; i < s->nix; i++)
		if (s->ix[i] == h) {
			s->ix[i] = s->ix[--s->nix];
			return;
		}
}

/* Take s out of p, the posting list of h (NULL: none). */
static void unindex_from(struct cluster *c, const struct story *s, uint64_t h,
                         struct posting *p)
{
	/* n == 0: emptied and freed already, by a term s holds twice (a
	 * 64-bit collision, or a crafted state) in the same round */
	if (!p || p->n == 0)
		return;
	for (uint32_t i = 0; i < p->n; i++)
		if (p->e[i].slot == s->slot) {
			memmove(&p->e[i], &p->e[i + 1], (p->n - i - 1) * sizeof p->e[0]);
			p->n--;
			break;
		}
	if (p->n == 0) {
		wf_map_del(&c->postings, h);
		posting_release(c, p);
	}
}

static void unindex_term(struct cluster *c, struct story *s, uint64_t h)
{
	unindex_from(c, s, h, wf_map_get(&c->postings, h));
}

/* The entry of p's least recently active story (the first such), the one
 * that leaves p when it is full. */
static uint32_t oldest_entry(const struct cluster *c, const struct posting *p)
{
	uint32_t old = 0;
	for (uint32_t i = 1; i < p->n; i++)
		if (c->hot[p->e[i].slot].last_ms < c->hot[p->e[old].slot].last_ms)
			old = i;
	return old;
}

/* Index s under h, whose posting list is *pp (NULL: none yet); when it is
 * full, its entry `old` leaves it: oldest_entry(c, p), found here when
 * old is UINT32_MAX.  A list that outgrows its class moves to the next
 * (the map's entry is replaced in place, so the map stays as it was):
 * *pp is then the list's new place. */
static int index_term(struct cluster *c, struct story *s, uint64_t h, float w,
                      struct posting **pp, uint32_t old)
{
	struct posting *p = *pp;
	if (!p) {
		if (!(p = posting_new(c, 0)))
			return WF_ENOMEM;
		if (wf_map_put(&c->postings, h, p) < 0) {
			posting_release(c, p);
			return WF_ENOMEM;
		}
		*pp = p;
	} else if (p->n == c->posting_cap[p->cls] && p->n < c->p.posting_max) {
		struct posting *q = posting_new(c, p->cls + 1);
		if (!q)
			return WF_ENOMEM;
		q->n = p->n;
		memcpy(q->e, p->e, p->n * sizeof p->e[0]);
		void **ref = wf_map_ref(&c->postings, h);
		assert(ref && *ref == p);
		*ref = q;
		posting_release(c, p);
		*pp = p = q;
	}
	if (p->n == c->p.posting_max) {
		/* full: the least recently active story leaves this list */
		if (old == UINT32_MAX)
			old = oldest_entry(c, p);
		assert(old == oldest_entry(c, p));
		ix_drop_term(c->story_at[p->e[old].slot], h);
		memmove(&p->e[old], &p->e[old + 1], (p->n - old - 1) * sizeof p->e[0]);
		p->n--;
	}
	p->e[p->n].slot = s->slot;
	p->e[p->n++].w = w;
	s->ix[s->nix++] = h;
	return 0;
}

/* Index s under the heaviest terms of its centroid (each field scaled by
 * its weight and norm, so the fields compare). */
static int reindex(struct cluster *c, struct story *s)
{
	struct cterm *top = c->merge; /* free between centroid updates */
	uint32_t n = 0;
	for (int k = 0; k < WF_NFIELDS; k++) {
		if (!(s->norm[k] > 0))
			continue;
		const float scale = (float)c->p.weight[k] / s->norm[k];
		for (uint32_t i = 0; i < s->c.n[k]; i++) {
			top[n].h = s->c.t[k][i].h;
			top[n++].w = s->c.t[k][i].w * scale;
		}
	}
	if (n > c->p.index_terms) {
		select_top(top, n, c->p.index_terms, c->sel);
		n = c->p.index_terms;
	}
	struct posting **pl = grow(c->plists, &c->plists_cap, n + 1, sizeof *pl);
	if (!pl)
		return WF_ENOMEM;
	c->plists = pl;
	bool *have = grow(c->have, &c->have_cap, n + 1, sizeof *have);
	if (!have)
		return WF_ENOMEM;
	c->have = have;
	uint32_t *old = grow(c->evict, &c->evict_cap, n + 1, sizeof *old);
	if (!old)
		return WF_ENOMEM;
	c->evict = old;
	/* all the lists first (only the lists of terms that leave the top
	 * change the map before they are used, and those are not among
	 * these) */
	find_lists(c, top, n, pl);
	for (uint32_t j = 0; j < n; j++) {
		have[j] = false;
		old[j] = UINT32_MAX;
	}
	/* drop the terms no longer on top, update the weights of those that
	 * stay, then add the new ones */
	for (uint32_t i = 0; i < s->nix;) {
		uint32_t j = 0;
		while (j < n && top[j].h != s->ix[i])
			j++;
		if (j == n) {
			unindex_term(c, s, s->ix[i]);
			s->ix[i] = s->ix[--s->nix];
			continue;
		}
		have[j] = true;
		for (uint32_t e = 0; pl[j] && e < pl[j]->n; e++)
			if (pl[j]->e[e].slot == s->slot)
				pl[j]->e[e].w = top[j].w;
		i++;
	}
	/* the full lists s joins evict a story each, whose index terms are
	 * cold: find them all first, so those misses overlap too (adding s to
	 * one list changes no other list, nor any story's activity; a list
	 * met twice, under two top terms of one hash, is left to index_term) */
	const uint32_t full = c->p.posting_max;
	uint32_t evicting = 0;
	for (uint32_t j = 0; j < n; j++) {
		if (have[j] || !pl[j] || pl[j]->n != full)
			continue;
		uint32_t i = 0;
		while (i < j && (have[i] || pl[i] != pl[j]))
			i++;
		if (i < j)
			continue;
		old[j] = oldest_entry(c, pl[j]);
		__builtin_prefetch(&c->story_at[pl[j]->e[old[j]].slot]);
		evicting++;
	}
	for (uint32_t j = 0; evicting && j < n; j++)
		if (old[j] != UINT32_MAX) {
			const struct story *x = c->story_at[pl[j]->e[old[j]].slot];
			const char *ix = (const char *)(x + 1); /* x->ix, not loaded */
			__builtin_prefetch(&x->nix);
			for (size_t b = 0; b < c->p.index_terms * sizeof *x->ix; b += 64)
				__builtin_prefetch(ix + b);
		}
	for (uint32_t j = 0; j < n; j++) {
		if (have[j])
			continue;
		struct posting *const was = pl[j];
		if (index_term(c, s, top[j].h, top[j].w, &pl[j], old[j]) < 0)
			return WF_ENOMEM;
		/* a list that moved may be met again, under a later top term of
		 * the same hash (not one it was created for: that one found none) */
		for (uint32_t x = j + 1; was && pl[j] != was && x < n; x++)
			if (pl[x] == was)
				pl[x] = pl[j];
	}
	return 0;
}

/* ---- stories ---------------------------------------------------------------- */

static void lru_unlink(struct cluster *c, struct story *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->lru_head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		c->lru_tail = s->prev;
	s->prev = s->next = NULL;
}

static void lru_append(struct cluster *c, struct story *s)
{
	s->prev = c->lru_tail;
	s->next = NULL;
	if (c->lru_tail)
		c->lru_tail->next = s;
	else
		c->lru_head = s;
	c->lru_tail = s;
}

static void story_touch(struct cluster *c, struct story *s, int64_t ms)
{
	if (ms > c->hot[s->slot].last_ms)
		c->hot[s->slot].last_ms = ms;
	lru_unlink(c, s);
	lru_append(c, s);
}

/* A zeroed story object of class cls with a slot of its own.  A full one
 * has its fields in place; a small one is laid out by open_story. */
static struct story *story_alloc(struct cluster *c, enum sclass cls)
{
	struct story *s = c->free_stories[cls];
	uint32_t slot;
	if (s) {
		c->free_stories[cls] = s->next;
		slot = s->slot;
	} else {
		size_t cap = c->hot_cap;
		struct hot *hot = grow(c->hot, &cap, (size_t)c->nhot + 1, sizeof *hot);
		if (!hot)
			return NULL;
		c->hot = hot;
		struct story **at = grow(c->story_at, &c->hot_cap, (size_t)c->nhot + 1, sizeof *at);
		if (!at)
			return NULL;
		c->story_at = at;
		if (!(s = pool_take(&c->story_pool[cls])))
			return NULL;
		slot = c->nhot++;
	}
	memset(s, 0, sizeof *s);
	s->slot = slot;
	s->cls = (uint8_t)cls;
	c->hot[slot] = (struct hot){0};
	c->story_at[slot] = s;
	s->ix = (uint64_t *)(s + 1);
	if (cls == STORY_FULL) {
		struct cterm *t = (struct cterm *)(s->ix + c->p.index_terms);
		for (int k = 0; k < WF_NFIELDS; k++) {
			s->c.t[k] = t + (size_t)k * c->p.centroid_terms;
			s->hv.t[k] = t + (size_t)WF_NFIELDS * c->p.centroid_terms +
			             (size_t)k * HEADLINE_TERMS;
		}
	}
	return s;
}

/* Put s on the free list of its class. */
static void story_release(struct cluster *c, struct story *s)
{
	s->next = c->free_stories[s->cls];
	c->free_stories[s->cls] = s;
}

static void story_close(struct cluster *c, struct story *s)
{
	/* in rounds of up to 64 terms, from the last: look the lists up first,
	 * so their cache misses overlap */
	while (s->nix) {
		struct posting *pl[64];
		const uint32_t r = s->nix < 64 ? s->nix : 64;
		for (uint32_t i = 1; i <= r; i++)
			wf_map_prefetch(&c->postings, s->ix[s->nix - i]);
		for (uint32_t i = 1; i <= r; i++) {
			pl[i - 1] = wf_map_get(&c->postings, s->ix[s->nix - i]);
			if (pl[i - 1])
				__builtin_prefetch(pl[i - 1]);
		}
		for (uint32_t i = 0; i < r; i++) {
			const uint64_t h = s->ix[--s->nix];
			unindex_from(c, s, h, pl[i]);
		}
	}
	wf_map_del(&c->stories, s->id);
	lru_unlink(c, s);
	free(s->headline);
	s->headline = NULL;
	story_release(c, s);
}

static void close_idle(struct cluster *c)
{
	while (c->lru_head && c->now_ms - c->hot[c->lru_head->slot].last_ms > c->p.idle_ms)
		story_close(c, c->lru_head);
}

/* A headline vector into hv (its terms' room given): the HEADLINE_TERMS
 * heaviest terms of each field of v, of unit length. */
static void cut_hv(struct cluster *c, struct vec *hv, const struct vec *v)
{
	for (int k = 0; k < WF_NFIELDS; k++) {
		hv->n[k] = keep_heaviest(c, hv->t[k], v->t[k], v->n[k], HEADLINE_TERMS);
		normalize(hv->t[k], &hv->n[k]);
	}
}

/* Add the article's vector to the centroid, keeping the top terms. */
static void add_to_centroid(struct cluster *c, struct story *s, const struct vec *v)
{
	for (int k = 0; k < WF_NFIELDS; k++) {
		const struct cterm *a = s->c.t[k], *b = v->t[k];
		const uint32_t na = s->c.n[k], nb = v->n[k];
		if (na == 0) {
			/* a new story: the article's vector is the sum */
			s->c.n[k] = keep_heaviest(c, s->c.t[k], b, nb, c->p.centroid_terms);
			s->norm[k] = norm_of(s->c.t[k], s->c.n[k]);
			continue;
		}
		struct cterm *m = c->merge;
		uint32_t i = 0, j = 0, n = 0;
		while (i < na || j < nb) {
			if (j == nb || (i < na && a[i].h < b[j].h)) {
				m[n++] = a[i++];
			} else if (i == na || b[j].h < a[i].h) {
				m[n++] = b[j++];
			} else {
				m[n].h = a[i].h;
				m[n++].w = a[i++].w + b[j++].w;
			}
		}
		n = keep_heaviest(c, s->c.t[k], m, n, c->p.centroid_terms);
		s->c.n[k] = n;
		s->norm[k] = norm_of(s->c.t[k], n);
	}
}

static int open_story(struct cluster *c, struct wf_article *a)
{
	/* its centroid is the article's vector cut to the heaviest terms; the
	 * headline vector, when it takes fewer, is cut from there, but only
	 * when it is first needed: most stories get no second item, and the
	 * centroid stays as it is until one comes.  Until then it is small if
	 * the centroid fits */
	uint32_t n[WF_NFIELDS], total = 0;
	for (int k = 0; k < WF_NFIELDS; k++) {
		n[k] = c->av.n[k] < c->p.centroid_terms ? c->av.n[k] : c->p.centroid_terms;
		total += n[k];
	}
	const bool owed = c->p.centroid_terms >= HEADLINE_TERMS;
	const bool small = owed && total <= c->small_terms;
	struct story *s = story_alloc(c, small ? STORY_SMALL : STORY_FULL);
	if (s && small) {
		struct cterm *t = (struct cterm *)(s->ix + c->p.index_terms);
		for (int k = 0; k < WF_NFIELDS; k++) {
			s->c.t[k] = t;
			t += n[k];
		}
	}
	if (!s || !(s->headline = strdup(a->title)))
		goto err_free_story;
	s->id = wf_story_id(a->id);
	while (wf_map_get(&c->stories, s->id))
		s->id++; /* the same id founded two open stories */
	s->seq = c->next_seq++;
	s->items = 1;
	c->hot[s->slot].last_ms = a->time_ms;
	add_to_centroid(c, s, &c->av);
	if (owed)
		s->hv_owed = true;
	else
		cut_hv(c, &s->hv, &c->av);
	if (wf_map_put(&c->stories, s->id, s) < 0)
		goto err_free_story;
	lru_append(c, s);
	if (reindex(c, s) < 0) {
		story_close(c, s);
		return WF_ENOMEM;
	}
	a->story = s->id;
	a->opened_story = true;
	return 0;

err_free_story:
	if (s) {
		free(s->headline);
		story_release(c, s);
	}
	return WF_ENOMEM;
}

/* A small story moved to a full object, which takes its slot, its place
 * in the lru list and in the stories map (the posting lists name slots);
 * the small object goes, with the full one's slot.  NULL when out of
 * memory (s is then as it was). */
static struct story *story_grow(struct cluster *c, struct story *s)
{
	struct story *f = story_alloc(c, STORY_FULL);
	if (!f)
		return NULL;
	const uint32_t slot = f->slot;
	struct story t = *f; /* its layout */
	*f = *s;
	f->cls = STORY_FULL;
	f->ix = t.ix;
	memcpy(f->ix, s->ix, s->nix * sizeof *s->ix);
	for (int k = 0; k < WF_NFIELDS; k++) {
		f->c.t[k] = t.c.t[k];
		memcpy(f->c.t[k], s->c.t[k], s->c.n[k] * sizeof *s->c.t[k]);
		f->hv.t[k] = t.hv.t[k];
	}
	c->story_at[f->slot] = f;
	if (f->prev)
		f->prev->next = f;
	else
		c->lru_head = f;
	if (f->next)
		f->next->prev = f;
	else
		c->lru_tail = f;
	void **ref = wf_map_ref(&c->stories, f->id);
	assert(ref && *ref == s);
	*ref = f;
	s->slot = slot;
	c->story_at[slot] = s;
	story_release(c, s);
	return f;
}

/* Cut s's headline vector from its centroid if still owed (open_story);
 * s moves to a full object if small: its new place, or NULL when out of
 * memory. */
static struct story *settle_hv(struct cluster *c, struct story *s)
{
	if (s->hv_owed) {
		assert(s->items == 1);
		if (s->cls == STORY_SMALL && !(s = story_grow(c, s)))
			return NULL;
		cut_hv(c, &s->hv, &s->c);
		s->hv_owed = false;
	}
	return s;
}

static int join_story(struct cluster *c, struct story *s, struct wf_article *a)
{
	if (!(s = settle_hv(c, s)))
		return WF_ENOMEM;
	add_to_centroid(c, s, &c->av);
	s->items++;
	story_touch(c, s, a->time_ms);
	if (reindex(c, s) < 0)
		return WF_ENOMEM;
	/* the most central item so far: re-check the current one against the
	 * grown centroid; ties keep the earlier */
	if (content_sim(c, &c->av, s) > content_sim(c, &s->hv, s)) {
		char *h = strdup(a->title);
		if (!h)
			return WF_ENOMEM;
		free(s->headline);
		s->headline = h;
		cut_hv(c, &s->hv, &c->av);
	}
	a->story = s->id;
	return 0;
}

/* Whether candidate a goes before b: the larger query weight, then the
 * older story.  Only a tie reads the stories themselves (rare), so ranking
 * the candidates costs no cache miss on the ones that are not kept. */
static bool ahead(const struct cluster *c, const struct cand *a, const struct cand *b)
{
	return a->acc > b->acc ||
	       (a->acc == b->acc && c->story_at[a->slot]->seq < c->story_at[b->slot]->seq);
}

/* The open stories that share an indexed term with the article's heaviest
 * terms and are to be scored against the article of time time_ms; sets *n. */
static int candidates(struct cluster *c, int64_t time_ms, size_t *n)
{
	*n = 0;
	if (++c->query == 0) {
		/* wrapped: no mark may look current */
		for (uint32_t i = 0; i < c->nhot; i++)
			c->hot[i].mark = 0;
		c->query = 1;
	}
	size_t total = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		total += c->av.n[k];
	struct cterm *q = grow(c->merge, &c->merge_cap, total + 1, sizeof *q);
	if (!q)
		return WF_ENOMEM;
	c->merge = q;
	size_t m = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		for (uint32_t i = 0; i < c->av.n[k]; i++) {
			q[m].h = c->av.t[k][i].h;
			q[m++].w = c->av.t[k][i].w * (float)c->p.weight[k];
		}
	if (m > c->p.query_terms) {
		select_top(q, m, c->p.query_terms, c->sel);
		m = c->p.query_terms;
	}
	struct cand *cs = grow(c->cands, &c->cands_cap, m * c->p.posting_max + 1, sizeof *cs);
	if (!cs)
		return WF_ENOMEM;
	c->cands = cs;
	struct posting **pl = grow(c->plists, &c->plists_cap, m + 1, sizeof *pl);
	if (!pl)
		return WF_ENOMEM;
	c->plists = pl;
	find_lists(c, q, m, pl);
	/* without a branch on whether a story was seen before in this query
	 * (which hot[] misses would wait on): 0 + w when new, as it was */
	struct hot *hot = c->hot;
	const uint32_t query = c->query;
	size_t found = 0;
	for (size_t i = 0; i < m; i++) {
		const struct posting *p = pl[i];
		const uint32_t np = p ? p->n : 0;
		for (uint32_t j = 0; j < np; j++) {
			const uint32_t slot = p->e[j].slot;
			struct hot *x = &hot[slot];
			const bool seen = x->mark == query;
			const float acc = seen ? x->acc : 0.0f;
			x->mark = query;
			x->acc = acc + q[i].w * p->e[j].w;
			cs[found].slot = slot;
			found += !seen;
		}
	}
	/* keep the CANDIDATES_MAX with the largest dot product over the
	 * indexed terms (ties: the older story), so the exact scoring costs the
	 * same however many stories are open, and of those only the ones within
	 * reach of the best (the same as cutting by reach first: the reach
	 * keeps all that are heavier than any it keeps) */
	size_t kept = 0;
	float behind = -INFINITY; /* once all are kept, the last one's weight */
	for (size_t i = 0; i < found; i++) {
		const uint32_t slot = cs[i].slot;
		const float acc = hot[slot].acc;
		if (acc < behind)
			continue; /* most: not ahead of the last kept */
		const struct cand x = {NULL, acc, slot, 0};
		if (kept == CANDIDATES_MAX && !ahead(c, &x, &cs[kept - 1]))
			continue;
		size_t j = kept < CANDIDATES_MAX ? kept++ : kept - 1;
		for (; j > 0 && ahead(c, &x, &cs[j - 1]); j--)
			cs[j] = cs[j - 1];
		cs[j] = x;
		if (kept == CANDIDATES_MAX)
			behind = cs[kept - 1].acc;
	}
	const float top = kept && cs[0].acc > 0 ? cs[0].acc : 0;
	while (kept && !(cs[kept - 1].acc >= CANDIDATES_REACH * top))
		kept--;
	/* of those, only the ones the time decay leaves within reach of the
	 * threshold (SIM_MAX) are scored: load their stories now */
	size_t scored = 0;
	for (size_t i = 0; i < kept; i++) {
		const double d = decay(c, time_ms - hot[cs[i].slot].last_ms);
		if (SIM_MAX * d < c->p.threshold)
			continue;
		cs[scored] = cs[i];
		cs[scored].decay = d;
		cs[scored].s = c->story_at[cs[i].slot];
		__builtin_prefetch(cs[scored++].s);
	}
	*n = scored;
	return 0;
}

static void centroid_prefetch(const struct story *s)
{
	for (int k = 0; k < WF_NFIELDS; k++) {
		const char *t = (const char *)s->c.t[k];
		for (size_t i = 0; i < s->c.n[k] * sizeof *s->c.t[k]; i += 64)
			__builtin_prefetch(t + i);
	}
}

static int cluster_article(struct cluster *c, struct wf_article *a)
{
	size_t terms = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		terms += a->feat.n[k];
	uint32_t *cnt = grow(c->cnt, &c->cnt_cap, terms + 1, sizeof *cnt);
	if (!cnt)
		return WF_ENOMEM;
	c->cnt = cnt;
	struct dfslot **slot = grow(c->slot, &c->slot_cap, terms + 1, sizeof *slot);
	if (!slot)
		return WF_ENOMEM;
	c->slot = slot;
	if (df_add(c, &a->feat) < 0 || weigh(c, &a->feat) < 0 || table_article(c) < 0)
		return WF_ENOMEM;
	/* the merge buffer holds a centroid plus an article */
	size_t total = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		total += c->av.n[k];
	struct cterm *mb = grow(c->merge, &c->merge_cap,
	                        total + 2 * WF_NFIELDS * (size_t)c->p.centroid_terms, sizeof *mb);
	if (!mb)
		return WF_ENOMEM;
	c->merge = mb;
	uint64_t *keys = grow(c->keys, &c->keys_cap, 3 * (total + c->p.centroid_terms), sizeof *keys);
	if (!keys)
		return WF_ENOMEM;
	c->keys = keys;
	/* select_top: the query (total terms at most) and reindex */
	const size_t sel_n = total > WF_NFIELDS * (size_t)c->p.centroid_terms
	                             ? total : WF_NFIELDS * (size_t)c->p.centroid_terms;
	uint32_t *sel = grow(c->sel, &c->sel_cap, 2 * sel_n, sizeof *sel);
	if (!sel)
		return WF_ENOMEM;
	c->sel = sel;
	size_t n;
	if (candidates(c, a->time_ms, &n) < 0)
		return WF_ENOMEM;
	/* the candidates' centroids are cold: load the next one's while
	 * scoring this one */
	if (n)
		centroid_prefetch(c->cands[0].s);
	struct story *best = NULL;
	double best_sim = 0;
	for (size_t i = 0; i < n; i++) {
		struct story *s = c->cands[i].s;
		if (i + 1 < n)
			centroid_prefetch(c->cands[i + 1].s);
		const double content = content_sim(c, &c->av, s);
		assert(content <= SIM_MAX);
		const double sim = content * c->cands[i].decay;
		if (sim > best_sim || (sim == best_sim && best && s->seq < best->seq)) {
			best = s;
			best_sim = sim;
		}
	}
	if (best && best_sim >= c->p.threshold)
		return join_story(c, best, a);
	return open_story(c, a);
}

/* ---- items, for duplicates ---------------------------------------------------- */

static struct item *fifo_at(struct cluster *c, uint64_t pos)
{
	return &c->fifo[(c->fifo_head + (pos - c->fifo_base)) % c->fifo_cap];
}

static void expire_items(struct cluster *c)
{
	while (c->fifo_n && c->now_ms - c->fifo[c->fifo_head].time_ms > c->keep_items_ms) {
		const struct item *it = &c->fifo[c->fifo_head];
		if ((uintptr_t)wf_map_get(&c->items, it->key) == c->fifo_base + 1)
			wf_map_del(&c->items, it->key);
		c->fifo_head = (c->fifo_head + 1) % c->fifo_cap;
		c->fifo_base++;
		c->fifo_n--;
	}
}

static int item_push(struct cluster *c, uint64_t key, int64_t time_ms, uint64_t story)
{
	if (c->fifo_n == c->fifo_cap &&
	    wf_ring_grow((void **)&c->fifo, &c->fifo_cap, &c->fifo_head, c->fifo_n,
	                 sizeof *c->fifo, 1024) < 0)
		return WF_ENOMEM;
	const uint64_t pos = c->fifo_base + c->fifo_n;
	struct item *it = &c->fifo[(c->fifo_head + c->fifo_n) % c->fifo_cap];
	it->key = key;
	it->time_ms = time_ms;
	it->story = story;
	c->fifo_n++;
	return wf_map_put(&c->items, key, (void *)(uintptr_t)(pos + 1));
}

static int remember_item(struct cluster *c, const struct wf_article *a)
{
	return item_push(c, id_key(a->id), a->time_ms, a->story);
}

/* The open story of the item with this id, or NULL. */
static struct story *story_of_item(struct cluster *c, const char *id)
{
	const uintptr_t pos = (uintptr_t)wf_map_get(&c->items, id_key(id));
	return pos ? wf_map_get(&c->stories, fifo_at(c, pos - 1)->story) : NULL;
}

/* ---- the stage --------------------------------------------------------------- */

static int cluster_init(void **self, const struct wf_config *cfg)
{
	const struct wf_cluster_params *p = &cfg->cluster;
	if (p->centroid_terms < 1 || p->index_terms < 1 || p->query_terms < 1 ||
	    p->posting_max < 1 || p->index_terms > p->centroid_terms * WF_NFIELDS)
		return WF_EINVAL;
	struct cluster *c = calloc(1, sizeof *c);
	if (!c)
		return WF_ENOMEM;
	c->p = *p;
	c->keep_items_ms = cfg->dedup.window_ms > c->p.idle_ms ? cfg->dedup.window_ms
	                                                       : c->p.idle_ms;
	c->now_ms = INT64_MIN;
	/* whole cache lines: see struct story.  A small story has room for
	 * a body of centroid_terms and 3/4 as many title and entity terms
	 * (99.8 % of the first items of a 20,000-article bench feed), and for as many more
	 * as fill its last line */
	const size_t head = sizeof(struct story) + c->p.index_terms * sizeof(uint64_t);
	const size_t terms = (size_t)c->p.centroid_terms + HEADLINE_TERMS;
	c->story_pool[STORY_FULL].size =
		(head + WF_NFIELDS * terms * sizeof(struct cterm) + 63) / 64 * 64;
	c->story_pool[STORY_SMALL].size =
		(head + c->p.centroid_terms * 7 / 4 * sizeof(struct cterm) + 63) / 64 * 64;
	c->small_terms = (uint32_t)((c->story_pool[STORY_SMALL].size - head) / sizeof(struct cterm));
	/* posting classes of 1, 2, 4, ... cache lines, the last of posting_max */
	for (size_t bytes = 64;; bytes *= 2) {
		const uint32_t i = c->nclasses++;
		const size_t cap = (bytes - sizeof(struct posting)) / sizeof(struct pentry);
		if (cap >= c->p.posting_max || i == PCLASSES - 1) {
			c->posting_cap[i] = c->p.posting_max;
			c->posting_pool[i].size = (sizeof(struct posting) +
			                           c->p.posting_max * sizeof(struct pentry) + 63) / 64 * 64;
			break;
		}
		c->posting_cap[i] = (uint32_t)cap;
		c->posting_pool[i].size = bytes;
	}
	for (size_t i = 0; i < IDF_CACHE; i++)
		c->idf_docs[i] = UINT64_MAX;
	for (uint32_t tf = 1; tf < TF_CACHE; tf++)
		c->tf_weight[tf] = 1 + log((double)tf);
	if (df_init(&c->df) < 0)
		goto err_free;
	if (wf_map_init(&c->stories) < 0)
		goto err_close_df;
	if (wf_map_init(&c->postings) < 0)
		goto err_close_stories;
	if (wf_map_init(&c->items) < 0)
		goto err_close_postings;
	*self = c;
	return 0;

err_close_postings:
	wf_map_close(&c->postings);
err_close_stories:
	wf_map_close(&c->stories);
err_close_df:
	free(c->df.slots);
err_free:
	free(c);
	return WF_ENOMEM;
}

/* The story's headline, copied into the batch (the story may change it or
 * close before the batch is written). */
static int put_headline(struct wf_batch *b, struct wf_article *a, const struct story *s)
{
	if (strcmp(s->headline, a->title) == 0) {
		a->story_headline = a->title;
		return 0;
	}
	a->story_headline = wf_arena_strndup(&b->arena, s->headline, strlen(s->headline));
	return a->story_headline ? 0 : WF_ENOMEM;
}

static int cluster_process(void *self, struct wf_batch *b)
{
	struct cluster *c = self;
	for (size_t i = 0; i < b->n; i++) {
		struct wf_article *a = &b->items[i];
		if (a->rejected)
			continue;
		/* the df table is large and each new term a cache miss: start
		 * loading the next article's slots while this one clusters */
		if (i + 1 < b->n)
			df_prefetch(&c->df, &b->items[i + 1].feat);
		if (a->time_ms > c->now_ms) {
			c->now_ms = a->time_ms;
			close_idle(c);
			expire_items(c);
		}
		a->opened_story = false;
		struct story *s = a->kind != WF_KIND_NEW ? story_of_item(c, a->canonical) : NULL;
		int rc;
		if (s) {
			story_touch(c, s, a->time_ms);
			a->story = s->id;
			rc = 0;
		} else {
			rc = cluster_article(c, a);
			if (rc == 0)
				s = wf_map_get(&c->stories, a->story);
		}
		if (rc < 0 || !s || remember_item(c, a) < 0 || put_headline(b, a, s) < 0) {
			fprintf(stderr, "wirefold: cluster: out of memory\n");
			return WF_FLOW_ERROR;
		}
	}
	return WF_FLOW_OK;
}

static void cluster_free(void *self)
{
	struct cluster *c = self;
	if (!c)
		return;
	for (struct story *s = c->lru_head; s; s = s->next)
		free(s->headline);
	for (int i = 0; i < SCLASSES; i++)
		pool_free(&c->story_pool[i]);
	for (uint32_t i = 0; i < c->nclasses; i++)
		pool_free(&c->posting_pool[i]);
	free(c->df.slots);
	wf_map_close(&c->stories);
	wf_map_close(&c->postings);
	wf_map_close(&c->items);
	free(c->fifo);
	free(c->hot);
	free(c->story_at);
	free(c->av.t[0]);
	free(c->at);
	free(c->cnt);
	free(c->slot);
	free(c->merge);
	free(c->keys);
	free(c->sel);
	free(c->cands);
	free(c->plists);
	free(c->have);
	free(c->evict);
	free(c);
}

/* ---- state across runs --------------------------------------------------------
 *
 * Everything that decides a later assignment is saved in an order that
 * rebuilds it exactly: the document frequencies, the open stories in lru
 * order (centroid, headline vector, index terms in their order), each
 * posting list in its order (which breaks ties when a full list evicts),
 * and the recent items in arrival order. */

static uint32_t f32_bits(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	return u;
}

static float bits_f32(uint32_t u)
{
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static void put_vec(struct wf_state_out *out, const struct vec *v)
{
	for (int k = 0; k < WF_NFIELDS; k++) {
		wf_state_put_u32(out, v->n[k]);
		for (uint32_t i = 0; i < v->n[k]; i++) {
			wf_state_put_u64(out, v->t[k][i].h);
			wf_state_put_u32(out, f32_bits(v->t[k][i].w));
		}
	}
}

static void get_vec(struct wf_state_in *in, struct vec *v, uint32_t cap)
{
	for (int k = 0; k < WF_NFIELDS; k++) {
		const uint32_t n = wf_state_get_u32(in);
		if (n > cap) {
			wf_state_in_fail(in);
			return;
		}
		v->n[k] = n;
		for (uint32_t i = 0; i < n; i++) {
			v->t[k][i].h = wf_state_get_u64(in);
			v->t[k][i].w = bits_f32(wf_state_get_u32(in));
			/* weights are sums of tf-idf weights, never below 0 */
			if (!(v->t[k][i].w >= 0) || !isfinite(v->t[k][i].w)) {
				wf_state_in_fail(in);
				return;
			}
		}
	}
}

static int cluster_save(void *self, struct wf_state_out *out)
{
	struct cluster *c = self;
	wf_state_put_i64(out, c->now_ms);
	wf_state_put_u64(out, c->docs);
	wf_state_put_u64(out, c->next_seq);
	wf_state_put_u64(out, c->df.n);
	for (size_t i = 0; i <= c->df.mask; i++)
		if (c->df.slots[i].n) {
			wf_state_put_u64(out, c->df.slots[i].h);
			wf_state_put_u64(out, c->df.slots[i].n);
		}
	wf_state_put_u64(out, c->stories.n);
	for (const struct story *s = c->lru_head; s; s = s->next) {
		wf_state_put_u64(out, s->id);
		wf_state_put_u64(out, s->seq);
		wf_state_put_i64(out, c->hot[s->slot].last_ms);
		wf_state_put_str(out, s->headline);
		wf_state_put_u32(out, s->items);
		for (int k = 0; k < WF_NFIELDS; k++)
			wf_state_put_u32(out, f32_bits(s->norm[k]));
		put_vec(out, &s->c);
		if (s->hv_owed) {
			/* as it will be cut, without moving s to a full object */
			struct cterm t[WF_NFIELDS][HEADLINE_TERMS];
			struct vec hv;
			for (int k = 0; k < WF_NFIELDS; k++)
				hv.t[k] = t[k];
			cut_hv(c, &hv, &s->c);
			put_vec(out, &hv);
		} else {
			put_vec(out, &s->hv);
		}
		wf_state_put_u32(out, s->nix);
		for (uint32_t i = 0; i < s->nix; i++)
			wf_state_put_u64(out, s->ix[i]);
	}
	wf_state_put_u64(out, c->postings.n);
	for (size_t i = 0; i <= c->postings.mask; i++) {
		const struct posting *p = c->postings.slots[i].val;
		if (!p)
			continue;
		wf_state_put_u64(out, c->postings.slots[i].key);
		wf_state_put_u32(out, p->n);
		for (uint32_t j = 0; j < p->n; j++) {
			wf_state_put_u64(out, c->story_at[p->e[j].slot]->id);
			wf_state_put_u32(out, f32_bits(p->e[j].w));
		}
	}
	wf_state_put_u64(out, c->fifo_base);
	wf_state_put_u64(out, c->fifo_n);
	for (size_t i = 0; i < c->fifo_n; i++) {
		const struct item *it = &c->fifo[(c->fifo_head + i) % c->fifo_cap];
		wf_state_put_u64(out, it->key);
		wf_state_put_i64(out, it->time_ms);
		wf_state_put_u64(out, it->story);
	}
	return out->error;
}

static int load_stories(struct cluster *c, struct wf_state_in *in)
{
	const uint64_t n = wf_state_get_u64(in);
	for (uint64_t k = 0; k < n && !in->error; k++) {
		struct story *s = story_alloc(c, STORY_FULL);
		if (!s)
			return WF_ENOMEM;
		s->id = wf_state_get_u64(in);
		s->seq = wf_state_get_u64(in);
		c->hot[s->slot].last_ms = wf_state_get_i64(in);
		s->headline = wf_state_get_str(in);
		s->items = wf_state_get_u32(in);
		for (int f = 0; f < WF_NFIELDS; f++)
			(void)wf_state_get_u32(in); /* the norms, recomputed below */
		get_vec(in, &s->c, c->p.centroid_terms);
		/* the norms follow from the centroid (as they were computed):
		 * recomputed, a state cannot make a similarity exceed 1, which
		 * the candidates' pruning relies on */
		for (int f = 0; f < WF_NFIELDS; f++)
			s->norm[f] = norm_of(s->c.t[f], s->c.n[f]);
		get_vec(in, &s->hv, HEADLINE_TERMS);
		s->nix = wf_state_get_u32(in);
		if (s->nix > c->p.index_terms)
			wf_state_in_fail(in);
		for (uint32_t i = 0; i < s->nix && !in->error; i++) {
			s->ix[i] = wf_state_get_u64(in);
			for (uint32_t j = 0; j < i; j++)
				if (s->ix[j] == s->ix[i])
					wf_state_in_fail(in); /* a story is indexed once under a term */
		}
		if (in->error || !s->headline || wf_map_get(&c->stories, s->id) ||
		    wf_map_put(&c->stories, s->id, s) < 0) {
			free(s->headline);
			s->headline = NULL;
			s->nix = 0;
			story_release(c, s);
			return in->error ? in->error : WF_ESTATE;
		}
		lru_append(c, s);
	}
	return in->error;
}

static int load_postings(struct cluster *c, struct wf_state_in *in)
{
	const uint64_t n = wf_state_get_u64(in);
	for (uint64_t k = 0; k < n && !in->error; k++) {
		const uint64_t h = wf_state_get_u64(in);
		const uint32_t len = wf_state_get_u32(in);
		if (in->error || len == 0 || len > c->p.posting_max || wf_map_get(&c->postings, h))
			return WF_ESTATE;
		struct posting *p = posting_new(c, posting_class(c, len));
		if (!p)
			return WF_ENOMEM;
		if (wf_map_put(&c->postings, h, p) < 0) {
			posting_release(c, p);
			return WF_ENOMEM;
		}
		for (uint32_t j = 0; j < len; j++) {
			struct story *s = wf_map_get(&c->stories, wf_state_get_u64(in));
			const float w = bits_f32(wf_state_get_u32(in));
			if (!s || in->error)
				return WF_ESTATE;
			p->e[p->n].slot = s->slot;
			p->e[p->n++].w = w;
		}
	}
	return in->error;
}

static int cluster_load(void *self, struct wf_state_in *in)
{
	struct cluster *c = self;
	c->now_ms = wf_state_get_i64(in);
	c->docs = wf_state_get_u64(in);
	c->next_seq = wf_state_get_u64(in);
	const uint64_t ndf = wf_state_get_u64(in);
	if (ndf > wf_state_in_left(in) / 16)
		return WF_ESTATE;
	for (uint64_t i = 0; i < ndf; i++) {
		const uint64_t h = wf_state_get_u64(in), v = wf_state_get_u64(in);
		if (in->error || v == 0 || v > UINT32_MAX)
			return WF_ESTATE;
		struct dfslot *e = df_claim(&c->df, h);
		if (!e)
			return WF_ENOMEM;
		e->n = (uint32_t)v;
	}
	int rc = load_stories(c, in);
	if (rc == 0)
		rc = load_postings(c, in);
	if (rc < 0)
		return rc;
	c->fifo_base = wf_state_get_u64(in);
	const uint64_t nitems = wf_state_get_u64(in);
	if (in->error || nitems > wf_state_in_left(in) / 24)
		return WF_ESTATE;
	for (uint64_t i = 0; i < nitems; i++) {
		const uint64_t key = wf_state_get_u64(in);
		const int64_t time_ms = wf_state_get_i64(in);
		const uint64_t story = wf_state_get_u64(in);
		if (item_push(c, key, time_ms, story) < 0)
			return WF_ENOMEM;
	}
	return in->error;
}

const struct wf_stage_ops wf_cluster_stage = {
	.name = "cluster",
	.parallel = false,
	.init = cluster_init,
	.process = cluster_process,
	.flush = NULL,
	.free = cluster_free,
	.save = cluster_save,
	.load = cluster_load,
};
