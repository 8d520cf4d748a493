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
 * A story is one allocation (its centroid, headline vector and index
 * terms follow the struct); closed stories and emptied posting lists go to
 * free lists, so a steady stream allocates nothing per article. */
#include "wirefold/cluster.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/map.h"
#include "wirefold/stage.h"
#include "wirefold/state.h"

/* At most CANDIDATES_MAX stories are scored exactly per article: those
 * with the largest dot product over the indexed terms, and at least
 * CANDIDATES_REACH times the largest. */
enum { CANDIDATES_MAX = 8 };
/* Terms per field kept of the headline item, to re-check its centrality. */
enum { HEADLINE_TERMS = 16 };
#define CANDIDATES_REACH 0.25f

uint64_t wf_story_id(const char *founding_id)
{
	return XXH3_64bits_withSeed(founding_id, strlen(founding_id), 0x5707);
}

/* A weighted term of a centroid or of an article's vector. */
struct cterm {
	uint64_t h;
	float w;
};

struct vec {
	struct cterm *t[WF_NFIELDS]; /* sorted by h */
	uint32_t n[WF_NFIELDS];
};

struct story {
	uint64_t id;
	uint64_t seq;              /* founding order: breaks ties */
	int64_t last_ms;           /* latest item time */
	struct story *prev, *next; /* the lru list */
	char *headline;            /* title of the most central item */
	uint64_t mark;             /* query scratch: the query it was seen in, */
	float acc;                 /* and the query weight it matched there */
	float norm[WF_NFIELDS];    /* |centroid| per field */
	uint32_t nix;              /* index terms in use */
	uint32_t items;            /* distinct items (not duplicates) */
	struct vec c;              /* centroid: running sums, top terms */
	struct vec hv;             /* the headline item's vector */
	uint64_t *ix;              /* terms it is indexed under */
};

/* An open story indexed under a term, with the term's weight in it. */
struct pentry {
	struct story *s;
	float w;
};

struct posting {
	struct posting *next_free;
	uint32_t n;
	struct pentry e[]; /* posting_max, least recently indexed first */
};

struct item {
	uint64_t key; /* hash of the item id */
	int64_t time_ms;
	uint64_t story;
};

struct cluster {
	struct wf_cluster_params p;
	int64_t keep_items_ms;
	int64_t now_ms;
	uint64_t docs;      /* documents counted in df (after halvings) */
	uint64_t next_seq;
	uint64_t query;     /* query counter for story->mark */
	struct wf_map df;
	struct wf_map stories;
	struct wf_map postings;
	struct wf_map items;
	struct story *lru_head, *lru_tail;
	struct story *free_stories;
	struct posting *free_postings;
	struct item *fifo; /* ring: items in arrival order */
	size_t fifo_cap, fifo_head, fifo_n;
	uint64_t fifo_base; /* absolute position of fifo[fifo_head] */
	/* scratch, grown as needed */
	struct vec av;       /* the article's vector */
	size_t av_cap;
	struct cterm *merge; /* centroid update */
	size_t merge_cap;
	struct story **cands;
	size_t cands_cap;
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

static uint64_t id_key(const char *id)
{
	return XXH3_64bits(id, strlen(id));
}

static void sort_by_h(struct cterm *t, size_t n)
{
	static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
		const size_t gap = gaps[g];
		for (size_t i = gap; i < n; i++) {
			struct cterm x = t[i];
			size_t j = i;
			for (; j >= gap && t[j - gap].h > x.h; j -= gap)
				t[j] = t[j - gap];
			t[j] = x;
		}
	}
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

static void swap(struct cterm *a, struct cterm *b)
{
	const struct cterm t = *a;
	*a = *b;
	*b = t;
}

/* Move the k heaviest of t[0..n) to its front, in no order (quickselect,
 * median-of-three pivots; `heavier` is a total order, so the result is
 * deterministic). */
static void select_top(struct cterm *t, size_t n, size_t k)
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
		size_t i = lo, j = hi - 1;
		for (;;) {
			while (heavier(&t[i], &pivot))
				i++;
			while (heavier(&pivot, &t[j]))
				j--;
			if (i >= j)
				break;
			swap(&t[i++], &t[j--]);
		}
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

/* Keep the `keep` heaviest of t[0..n), sorted by hash; returns the count. */
static uint32_t keep_top(struct cterm *t, uint32_t n, uint32_t keep)
{
	if (n > keep) {
		select_top(t, n, keep);
		n = keep;
		sort_by_h(t, n);
	}
	return n;
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

static uint32_t df_get(const struct cluster *c, uint64_t h)
{
	return (uint32_t)(uintptr_t)wf_map_get(&c->df, h);
}

/* Halve every count, dropping those that reach 0. */
static int df_halve(struct cluster *c)
{
	struct wf_map m;
	if (wf_map_init(&m) < 0)
		return WF_ENOMEM;
	for (size_t i = 0; i <= c->df.mask; i++) {
		const uintptr_t n = (uintptr_t)c->df.slots[i].val / 2;
		if (n && wf_map_put(&m, c->df.slots[i].key, (void *)n) < 0) {
			wf_map_close(&m);
			return WF_ENOMEM;
		}
	}
	wf_map_close(&c->df);
	c->df = m;
	c->docs /= 2;
	return 0;
}

static int df_add(struct cluster *c, const struct wf_features *f)
{
	if (c->docs >= c->p.df_horizon && df_halve(c) < 0)
		return WF_ENOMEM;
	c->docs++;
	for (int k = 0; k < WF_NFIELDS; k++)
		for (uint32_t i = 0; i < f->n[k]; i++) {
			const uint64_t h = f->terms[k][i].h;
			const uintptr_t n = (uintptr_t)wf_map_get(&c->df, h) + 1;
			if (wf_map_put(&c->df, h, (void *)n) < 0)
				return WF_ENOMEM;
		}
	return 0;
}

static double idf(const struct cluster *c, uint64_t h)
{
	const double v = log(((double)c->docs + c->p.prior_docs) / ((double)df_get(c, h) + 1));
	return v > 0 ? v : 0;
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

/* The article's TF-IDF vector, each field of unit length. */
static int weigh(struct cluster *c, const struct wf_features *f)
{
	size_t total = 0;
	for (int k = 0; k < WF_NFIELDS; k++)
		total += f->n[k];
	struct cterm *buf = grow(c->av.t[0], &c->av_cap, total + 1, sizeof *buf);
	if (!buf)
		return WF_ENOMEM;
	for (int k = 0; k < WF_NFIELDS; k++) {
		struct cterm *t = c->av.t[k] = buf;
		uint32_t n = 0;
		for (uint32_t i = 0; i < f->n[k]; i++) {
			const struct wf_term *x = &f->terms[k][i];
			t[n].h = x->h;
			t[n++].w = (float)((1 + log((double)x->tf)) * idf(c, x->h));
		}
		normalize(t, &n);
		c->av.n[k] = n;
		buf += n;
	}
	return 0;
}

/* ---- similarity ---------------------------------------------------------- */

/* Weighted mean of the per-field cosines of v to s's centroid, over the
 * fields v has. */
static double content_sim(const struct cluster *c, const struct vec *v,
                          const struct story *s)
{
	double num = 0, den = 0;
	double gate = 1;
	for (int k = 0; k < WF_NFIELDS; k++) {
		if (!v->n[k] || !(s->norm[k] > 0))
			continue;
		const double cs = dot(v->t[k], v->n[k], s->c.t[k], s->c.n[k]) / s->norm[k];
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

static struct posting *posting_new(struct cluster *c)
{
	struct posting *p = c->free_postings;
	if (p)
		c->free_postings = p->next_free;
	else if (!(p = malloc(sizeof *p + c->p.posting_max * sizeof p->e[0])))
		return NULL;
	p->n = 0;
	return p;
}

static void ix_drop_term(struct story *s, uint64_t h)
{
	for (uint32_t i = 0; i < s->nix; i++)
		if (s->ix[i] == h) {
			s->ix[i] = s->ix[--s->nix];
			return;
		}
}

static void unindex_term(struct cluster *c, struct story *s, uint64_t h)
{
	struct posting *p = wf_map_get(&c->postings, h);
	if (!p)
		return;
	for (uint32_t i = 0; i < p->n; i++)
		if (p->e[i].s == s) {
			memmove(&p->e[i], &p->e[i + 1], (p->n - i - 1) * sizeof p->e[0]);
			p->n--;
			break;
		}
	if (p->n == 0) {
		wf_map_del(&c->postings, h);
		p->next_free = c->free_postings;
		c->free_postings = p;
	}
}

static int index_term(struct cluster *c, struct story *s, uint64_t h, float w)
{
	struct posting *p = wf_map_get(&c->postings, h);
	if (!p) {
		if (!(p = posting_new(c)))
			return WF_ENOMEM;
		if (wf_map_put(&c->postings, h, p) < 0) {
			p->next_free = c->free_postings;
			c->free_postings = p;
			return WF_ENOMEM;
		}
	}
	if (p->n == c->p.posting_max) {
		/* full: the least recently active story leaves this list */
		uint32_t old = 0;
		for (uint32_t i = 1; i < p->n; i++)
			if (p->e[i].s->last_ms < p->e[old].s->last_ms)
				old = i;
		ix_drop_term(p->e[old].s, h);
		memmove(&p->e[old], &p->e[old + 1], (p->n - old - 1) * sizeof p->e[0]);
		p->n--;
	}
	p->e[p->n].s = s;
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
		select_top(top, n, c->p.index_terms);
		n = c->p.index_terms;
	}
	/* drop the terms no longer on top, update the weights of those that
	 * stay, then add the new ones */
	for (uint32_t i = 0; i < s->nix;) {
		const struct cterm *keep = NULL;
		for (uint32_t j = 0; j < n && !keep; j++)
			if (top[j].h == s->ix[i])
				keep = &top[j];
		if (!keep) {
			unindex_term(c, s, s->ix[i]);
			s->ix[i] = s->ix[--s->nix];
			continue;
		}
		struct posting *p = wf_map_get(&c->postings, keep->h);
		for (uint32_t e = 0; p && e < p->n; e++)
			if (p->e[e].s == s)
				p->e[e].w = keep->w;
		i++;
	}
	for (uint32_t j = 0; j < n; j++) {
		bool have = false;
		for (uint32_t i = 0; i < s->nix && !have; i++)
			have = s->ix[i] == top[j].h;
		if (!have && index_term(c, s, top[j].h, top[j].w) < 0)
			return WF_ENOMEM;
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
	if (ms > s->last_ms)
		s->last_ms = ms;
	lru_unlink(c, s);
	lru_append(c, s);
}

static struct story *story_alloc(struct cluster *c)
{
	struct story *s = c->free_stories;
	if (s) {
		c->free_stories = s->next;
	} else {
		const size_t terms = (size_t)c->p.centroid_terms + HEADLINE_TERMS;
		s = malloc(sizeof *s + WF_NFIELDS * terms * sizeof(struct cterm) +
		           c->p.index_terms * sizeof(uint64_t));
		if (!s)
			return NULL;
	}
	struct cterm *t = (struct cterm *)(s + 1);
	memset(s, 0, sizeof *s);
	for (int k = 0; k < WF_NFIELDS; k++) {
		s->c.t[k] = t + (size_t)k * c->p.centroid_terms;
		s->hv.t[k] = t + (size_t)WF_NFIELDS * c->p.centroid_terms + (size_t)k * HEADLINE_TERMS;
	}
	s->ix = (uint64_t *)(t + WF_NFIELDS * ((size_t)c->p.centroid_terms + HEADLINE_TERMS));
	return s;
}

static void story_close(struct cluster *c, struct story *s)
{
	while (s->nix) {
		const uint64_t h = s->ix[--s->nix];
		unindex_term(c, s, h);
	}
	wf_map_del(&c->stories, s->id);
	lru_unlink(c, s);
	free(s->headline);
	s->headline = NULL;
	s->next = c->free_stories;
	c->free_stories = s;
}

static void close_idle(struct cluster *c)
{
	while (c->lru_head && c->now_ms - c->lru_head->last_ms > c->p.idle_ms)
		story_close(c, c->lru_head);
}

/* The headline vector: the HEADLINE_TERMS heaviest terms of each field of
 * v, of unit length. */
static void set_hv(struct cluster *c, struct story *s, const struct vec *v)
{
	for (int k = 0; k < WF_NFIELDS; k++) {
		uint32_t n = v->n[k];
		if (n > HEADLINE_TERMS) {
			memcpy(c->merge, v->t[k], n * sizeof(struct cterm));
			n = keep_top(c->merge, n, HEADLINE_TERMS);
			memcpy(s->hv.t[k], c->merge, n * sizeof(struct cterm));
		} else {
			memcpy(s->hv.t[k], v->t[k], n * sizeof(struct cterm));
		}
		s->hv.n[k] = n;
		normalize(s->hv.t[k], &s->hv.n[k]);
	}
}

/* Add the article's vector to the centroid, keeping the top terms. */
static void add_to_centroid(struct cluster *c, struct story *s, const struct vec *v)
{
	for (int k = 0; k < WF_NFIELDS; k++) {
		const struct cterm *a = s->c.t[k], *b = v->t[k];
		const uint32_t na = s->c.n[k], nb = v->n[k];
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
		n = keep_top(m, n, c->p.centroid_terms);
		memcpy(s->c.t[k], m, n * sizeof *m);
		s->c.n[k] = n;
		s->norm[k] = norm_of(m, n);
	}
}

static int open_story(struct cluster *c, struct wf_article *a)
{
	struct story *s = story_alloc(c);
	if (!s || !(s->headline = strdup(a->title)))
		goto err_free_story;
	s->id = wf_story_id(a->id);
	while (wf_map_get(&c->stories, s->id))
		s->id++; /* the same id founded two open stories */
	s->seq = c->next_seq++;
	s->items = 1;
	s->last_ms = a->time_ms;
	add_to_centroid(c, s, &c->av);
	set_hv(c, s, &c->av);
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
		s->next = c->free_stories;
		c->free_stories = s;
	}
	return WF_ENOMEM;
}

static int join_story(struct cluster *c, struct story *s, struct wf_article *a)
{
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
		set_hv(c, s, &c->av);
	}
	a->story = s->id;
	return 0;
}

/* The open stories that share an indexed term with the article's heaviest
 * terms; sets *n. */
static int candidates(struct cluster *c, size_t *n)
{
	*n = 0;
	c->query++;
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
		select_top(q, m, c->p.query_terms);
		m = c->p.query_terms;
	}
	struct story **cs = grow(c->cands, &c->cands_cap,
	                         m * c->p.posting_max + 1, sizeof *cs);
	if (!cs)
		return WF_ENOMEM;
	c->cands = cs;
	for (size_t i = 0; i < m; i++) {
		const struct posting *p = wf_map_get(&c->postings, q[i].h);
		for (uint32_t j = 0; p && j < p->n; j++) {
			struct story *s = p->e[j].s;
			if (s->mark != c->query) {
				s->mark = c->query;
				s->acc = 0;
				cs[(*n)++] = s;
			}
			s->acc += q[i].w * p->e[j].w;
		}
	}
	/* keep the CANDIDATES_MAX with the largest dot product over the
	 * indexed terms (ties: the older story), so the exact scoring costs the
	 * same however many stories are open */
	/* and only those within reach of the best of them */
	float top = 0;
	for (size_t i = 0; i < *n; i++)
		if (cs[i]->acc > top)
			top = cs[i]->acc;
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++)
		if (cs[i]->acc >= CANDIDATES_REACH * top)
			cs[kept++] = cs[i];
	*n = kept;
	if (*n > CANDIDATES_MAX) {
		for (size_t i = 0; i < CANDIDATES_MAX; i++) {
			size_t b = i;
			for (size_t j = i + 1; j < *n; j++)
				if (cs[j]->acc > cs[b]->acc ||
				    (cs[j]->acc == cs[b]->acc && cs[j]->seq < cs[b]->seq))
					b = j;
			struct story *t = cs[i];
			cs[i] = cs[b];
			cs[b] = t;
		}
		*n = CANDIDATES_MAX;
	}
	return 0;
}

static int cluster_article(struct cluster *c, struct wf_article *a)
{
	if (df_add(c, &a->feat) < 0 || weigh(c, &a->feat) < 0)
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
	size_t n;
	if (candidates(c, &n) < 0)
		return WF_ENOMEM;
	struct story *best = NULL;
	double best_sim = 0;
	for (size_t i = 0; i < n; i++) {
		struct story *s = c->cands[i];
		const double sim = content_sim(c, &c->av, s) * decay(c, a->time_ms - s->last_ms);
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
	if (c->fifo_n == c->fifo_cap) {
		size_t cap = c->fifo_cap ? 2 * c->fifo_cap : 1024;
		struct item *f = malloc(cap * sizeof *f);
		if (!f)
			return WF_ENOMEM;
		for (size_t i = 0; i < c->fifo_n; i++)
			f[i] = c->fifo[(c->fifo_head + i) % c->fifo_cap];
		free(c->fifo);
		c->fifo = f;
		c->fifo_cap = cap;
		c->fifo_head = 0;
	}
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
	if (wf_map_init(&c->df) < 0)
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
	wf_map_close(&c->df);
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
	while (c->lru_head)
		story_close(c, c->lru_head);
	for (struct story *s = c->free_stories, *next; s; s = next) {
		next = s->next;
		free(s);
	}
	for (struct posting *p = c->free_postings, *next; p; p = next) {
		next = p->next_free;
		free(p);
	}
	wf_map_close(&c->df);
	wf_map_close(&c->stories);
	wf_map_close(&c->postings);
	wf_map_close(&c->items);
	free(c->fifo);
	free(c->av.t[0]);
	free(c->merge);
	free(c->cands);
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
		}
	}
}

static int cluster_save(void *self, struct wf_state_out *out)
{
	const struct cluster *c = self;
	wf_state_put_i64(out, c->now_ms);
	wf_state_put_u64(out, c->docs);
	wf_state_put_u64(out, c->next_seq);
	wf_state_put_u64(out, c->df.n);
	for (size_t i = 0; i <= c->df.mask; i++)
		if (c->df.slots[i].val) {
			wf_state_put_u64(out, c->df.slots[i].key);
			wf_state_put_u64(out, (uintptr_t)c->df.slots[i].val);
		}
	wf_state_put_u64(out, c->stories.n);
	for (const struct story *s = c->lru_head; s; s = s->next) {
		wf_state_put_u64(out, s->id);
		wf_state_put_u64(out, s->seq);
		wf_state_put_i64(out, s->last_ms);
		wf_state_put_str(out, s->headline);
		wf_state_put_u32(out, s->items);
		for (int k = 0; k < WF_NFIELDS; k++)
			wf_state_put_u32(out, f32_bits(s->norm[k]));
		put_vec(out, &s->c);
		put_vec(out, &s->hv);
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
			wf_state_put_u64(out, p->e[j].s->id);
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
		struct story *s = story_alloc(c);
		if (!s)
			return WF_ENOMEM;
		s->id = wf_state_get_u64(in);
		s->seq = wf_state_get_u64(in);
		s->last_ms = wf_state_get_i64(in);
		s->headline = wf_state_get_str(in);
		s->items = wf_state_get_u32(in);
		for (int f = 0; f < WF_NFIELDS; f++)
			s->norm[f] = bits_f32(wf_state_get_u32(in));
		get_vec(in, &s->c, c->p.centroid_terms);
		get_vec(in, &s->hv, HEADLINE_TERMS);
		s->nix = wf_state_get_u32(in);
		if (s->nix > c->p.index_terms)
			wf_state_in_fail(in);
		for (uint32_t i = 0; i < s->nix && !in->error; i++)
			s->ix[i] = wf_state_get_u64(in);
		if (in->error || !s->headline || wf_map_get(&c->stories, s->id) ||
		    wf_map_put(&c->stories, s->id, s) < 0) {
			free(s->headline);
			s->headline = NULL;
			s->nix = 0;
			s->next = c->free_stories;
			c->free_stories = s;
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
		struct posting *p = posting_new(c);
		if (!p)
			return WF_ENOMEM;
		if (wf_map_put(&c->postings, h, p) < 0) {
			p->next_free = c->free_postings;
			c->free_postings = p;
			return WF_ENOMEM;
		}
		for (uint32_t j = 0; j < len; j++) {
			struct story *s = wf_map_get(&c->stories, wf_state_get_u64(in));
			const float w = bits_f32(wf_state_get_u32(in));
			if (!s || in->error)
				return WF_ESTATE;
			p->e[p->n].s = s;
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
		if (wf_map_put(&c->df, h, (void *)(uintptr_t)v) < 0)
			return WF_ENOMEM;
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
