/* features.c — stemmed title/body terms and entities per article (parallel
 * stage); see features.h. */
#include "wirefold/features.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/stage.h"

enum {
	LANG_SLOTS = 8,      /* languages a stemmer set holds at once */
	LANG_LEN = 8,        /* longest primary language subtag kept */
	CACHE_SLOTS = 4096,  /* stem cache entries per set (power of two) */
	STEM_MAX = 64,       /* longer tokens are not stemmed */
	TICKER_MAX = 80,     /* longest <name> taken as an entity */
	STOP_SLOTS = 512,    /* stop-word table (power of two) */
	INITIAL_SLOTS = 256, /* sentence-initial words remembered per article */
};

/* Salts that put the same text in different fields apart. */
static const uint64_t field_salt[WF_NFIELDS] = {
	0x9e3779b97f4a7c15ull, 0xc2b2ae3d27d4eb4full, 0x165667b19e3779f9ull,
};

uint64_t wf_term_hash(enum wf_field f, const char *s, size_t n)
{
	return XXH3_64bits(s, n) ^ field_salt[f];
}

uint64_t wf_term_recast(uint64_t h, enum wf_field from, enum wf_field to)
{
	return h ^ field_salt[from] ^ field_salt[to];
}

/* The most frequent English function words; they carry no story. */
static const char *const stop_en[] = {
	"a", "about", "above", "after", "again", "against", "all", "also", "am",
	"an", "and", "any", "are", "as", "at", "be", "because", "been", "before",
	"being", "below", "between", "both", "but", "by", "can", "could", "did",
	"do", "does", "doing", "down", "during", "each", "few", "for", "from",
	"further", "had", "has", "have", "having", "he", "her", "here", "hers",
	"herself", "him", "himself", "his", "how", "i", "if", "in", "into", "is",
	"it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no",
	"nor", "not", "now", "of", "off", "on", "once", "only", "or", "other",
	"our", "ours", "out", "over", "own", "said", "same", "says", "she",
	"should", "so", "some", "such", "than", "that", "the", "their", "theirs",
	"them", "then", "there", "these", "they", "this", "those", "through",
	"to", "too", "under", "until", "up", "very", "was", "we", "were", "what",
	"when", "where", "which", "while", "who", "whom", "why", "will", "with",
	"would", "you", "your", "yours",
};

/* English names of months and days: capitalised, but dates, not names. */
static const char *const dates_en[] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december", "jan", "feb",
	"mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
	"sunday",
};

struct lang_slot {
	char tag[LANG_LEN];     /* "" when the slot is free */
	uint64_t seed;          /* mixed into the cache key */
	struct sb_stemmer *st;  /* NULL: libstemmer does not know the language */
	bool english;
};

struct cache_entry {
	uint64_t key; /* word hash ^ language seed; 0 when empty */
	uint64_t stem; /* XXH3 of the stem */
};

/* Words that open a sentence or a paragraph of the raw text, capitalised
 * there by position: a word after [.!?:;] or at the start, or after a line
 * break that is followed by more white space (an indented or blank line;
 * a bare line break is taken as hard wrapping).  Kept as hashes of the
 * word lower-cased as normalize would (ASCII letters folded, apostrophes
 * between letters dropped), with counts. */
struct initials {
	uint64_t h[INITIAL_SLOTS]; /* 0 empty */
	uint32_t n[INITIAL_SLOTS];
	unsigned used;
};

/* What one worker uses for one batch; never shared while taken. */
struct stemset {
	struct stemset *next_free;
	struct stemset *next_all;
	struct lang_slot langs[LANG_SLOTS];
	unsigned nlangs;
	struct cache_entry cache[CACHE_SLOTS];
	struct initials initials; /* scratch for one article */
};

struct features {
	unsigned body_tokens;
	uint64_t stop[STOP_SLOTS]; /* hashes of stop_en; 0 empty; read-only */
	uint64_t dates[STOP_SLOTS]; /* hashes of dates_en, likewise */
	pthread_mutex_t lock;      /* guards the two lists */
	struct stemset *free_sets;
	struct stemset *all_sets;
};

/* ---- stemmer sets ------------------------------------------------------ */

static struct stemset *take_set(struct features *ft)
{
	pthread_mutex_lock(&ft->lock);
	struct stemset *s = ft->free_sets;
	if (s) {
		ft->free_sets = s->next_free;
	} else if ((s = calloc(1, sizeof *s))) {
		s->next_all = ft->all_sets;
		ft->all_sets = s;
	}
	pthread_mutex_unlock(&ft->lock);
	return s;
}

static void give_set(struct features *ft, struct stemset *s)
{
	pthread_mutex_lock(&ft->lock);
	s->next_free = ft->free_sets;
	ft->free_sets = s;
	pthread_mutex_unlock(&ft->lock);
}

static void free_set(struct stemset *s)
{
	for (unsigned i = 0; i < s->nlangs; i++)
		if (s->langs[i].st)
			sb_stemmer_delete(s->langs[i].st);
	free(s);
}

/* The primary subtag of a BCP 47 tag, lower case: "en-GB" -> "en"; "" or
 * an implausible tag -> "en". */
static void primary_tag(const char *lang, char out[LANG_LEN])
{
	size_t n = 0;
	for (; lang && lang[n] && lang[n] != '-' && lang[n] != '_'; n++) {
		char c = lang[n];
		if (n + 1 >= LANG_LEN || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			break;
		out[n] = (char)(c | 0x20);
	}
	if (n == 0 || (lang[n] && lang[n] != '-' && lang[n] != '_')) {
		strcpy(out, "en");
		return;
	}
	out[n] = '\0';
}

/* The slot for lang, opening its stemmer on first use (a NULL stemmer when
 * libstemmer does not know the language, or is out of memory: the words
 * then stay unstemmed).  A set holds LANG_SLOTS languages; a further one
 * replaces the last slot. */
static struct lang_slot *lang_of(struct stemset *s, const char *lang)
{
	char tag[LANG_LEN];
	primary_tag(lang, tag);
	for (unsigned i = 0; i < s->nlangs; i++)
		if (strcmp(s->langs[i].tag, tag) == 0)
			return &s->langs[i];
	struct lang_slot *l;
	if (s->nlangs < LANG_SLOTS) {
		l = &s->langs[s->nlangs++];
	} else {
		l = &s->langs[LANG_SLOTS - 1];
		if (l->st)
			sb_stemmer_delete(l->st);
	}
	memset(l, 0, sizeof *l);
	strcpy(l->tag, tag);
	l->seed = XXH3_64bits(tag, strlen(tag)) | 1;
	l->english = strcmp(tag, "en") == 0;
	l->st = sb_stemmer_new(tag, NULL); /* NULL also for an unknown language */
	return l;
}

/* XXH3 of the stem of the case-folded word w[0..n). */
static uint64_t stem_hash(struct stemset *s, const struct lang_slot *l,
                          uint64_t wh, const char *w, size_t n)
{
	if (!l->st || n > STEM_MAX)
		return wh;
	const uint64_t key = wh ^ l->seed;
	struct cache_entry *e = &s->cache[(key * 0x9E3779B97F4A7C15ull) >> 52];
	if (e->key == key)
		return e->stem;
	const sb_symbol *st = sb_stemmer_stem(l->st, (const sb_symbol *)w, (int)n);
	/* NULL only when libstemmer is out of memory: keep the word */
	const uint64_t h = st ? XXH3_64bits(st, (size_t)sb_stemmer_length(l->st)) : wh;
	e->key = key;
	e->stem = h;
	return h;
}

/* ---- term lists ------------------------------------------------------- */

struct bag {
	struct wf_term *t;
	uint32_t n;
};

static void put(struct bag *b, enum wf_field f, uint64_t base)
{
	b->t[b->n].h = base ^ field_salt[f];
	b->t[b->n].tf = 1;
	b->n++;
}

static void sort_terms(struct wf_term *t, size_t n)
{
	/* Shell sort (Ciura's gaps): short, allocation-free, quick for the
	 * few hundred terms of an article. */
	static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
	for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
		const size_t gap = gaps[g];
		for (size_t i = gap; i < n; i++) {
			struct wf_term x = t[i];
			size_t j = i;
			for (; j >= gap && t[j - gap].h > x.h; j -= gap)
				t[j] = t[j - gap];
			t[j] = x;
		}
	}
}

/* Sort b by hash and fold repeats into tf. */
static void fold(struct bag *b)
{
	sort_terms(b->t, b->n);
	uint32_t k = 0;
	for (uint32_t i = 0; i < b->n; i++) {
		if (k && b->t[k - 1].h == b->t[i].h)
			b->t[k - 1].tf += b->t[i].tf;
		else
			b->t[k++] = b->t[i];
	}
	b->n = k;
}

static bool in_set(const uint64_t set[STOP_SLOTS], uint64_t wh)
{
	for (size_t i = wh & (STOP_SLOTS - 1);; i = (i + 1) & (STOP_SLOTS - 1)) {
		if (!set[i])
			return false;
		if (set[i] == wh)
			return true;
	}
}

static void set_add(uint64_t set[STOP_SLOTS], const char *w)
{
	const uint64_t h = XXH3_64bits(w, strlen(w));
	size_t j = h & (STOP_SLOTS - 1);
	while (set[j] && set[j] != h)
		j = (j + 1) & (STOP_SLOTS - 1);
	set[j] = h;
}

/* Names in angle brackets in raw text: "<SRD>", "<Texas Commerce Bank>".
 * Kept as lower-case ASCII letters, digits and dots, other runs as one
 * space. */
static void bracket_names(struct bag *b, const char *s)
{
	for (const char *p = s ? strchr(s, '<') : NULL; p; p = strchr(p + 1, '<')) {
		char name[TICKER_MAX];
		size_t n = 0;
		const char *q = p + 1;
		for (; *q && *q != '>' && *q != '<' && *q != '\n' && n < TICKER_MAX; q++) {
			char c = *q;
			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
			    (unsigned char)c >= 0x80)
				name[n++] = c;
			else if (c >= 'A' && c <= 'Z')
				name[n++] = (char)(c | 0x20);
			else if (n && name[n - 1] != ' ')
				name[n++] = ' ';
		}
		if (*q != '>')
			continue;
		while (n && name[n - 1] == ' ')
			n--;
		if (n)
			put(b, WF_FIELD_ENTITY, XXH3_64bits(name, n));
	}
}

static uint32_t *initial_slot(struct initials *in, uint64_t h, bool add)
{
	h |= 1;
	for (size_t i = h & (INITIAL_SLOTS - 1);; i = (i + 1) & (INITIAL_SLOTS - 1)) {
		if (in->h[i] == h)
			return &in->n[i];
		if (!in->h[i]) {
			if (!add || 2 * (in->used + 1) > INITIAL_SLOTS)
				return NULL;
			in->used++;
			in->h[i] = h;
			in->n[i] = 0;
			return &in->n[i];
		}
	}
}

static bool ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

static void find_initials(struct initials *in, const char *text)
{
	bool boundary = true; /* at the start of the text */
	const unsigned char *p = (const unsigned char *)text;
	while (p && *p) {
		if (!ascii_alnum(*p)) {
			if (*p == '.' || *p == '!' || *p == '?' || *p == ':' || *p == ';')
				boundary = true;
			else if (*p == '\n' && (p[1] == '\n' || p[1] == ' ' || p[1] == '\t'))
				boundary = true;
			else if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '"' &&
			         *p != '\'' && *p != '(' && *p != '-')
				boundary = false;
			p++;
			continue;
		}
		char w[STEM_MAX];
		size_t n = 0;
		const bool upper = *p >= 'A' && *p <= 'Z';
		for (; ascii_alnum(*p) || (*p == '\'' && n && ascii_alnum(p[1])); p++)
			if (*p != '\'' && n < sizeof w)
				w[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p | 0x20 : *p);
		if (boundary && upper && n < sizeof w) {
			uint32_t *k = initial_slot(in, XXH3_64bits(w, n), true);
			if (k)
				(*k)++;
		}
		boundary = false;
	}
}

/* A title styled in capitals or Title Case: most of its words are
 * capitalised, so capitals there say nothing about names. */
static bool title_styled(const struct wf_article *a)
{
	unsigned words = 0, caps = 0;
	for (uint32_t i = 0; i < a->n_title_tokens; i++) {
		const uint32_t f = a->tokens[i].flags;
		if (f & (WF_TOK_NUM | WF_TOK_CJK))
			continue;
		words++;
		caps += (f & (WF_TOK_CAP | WF_TOK_ALLCAP)) != 0;
	}
	return words && caps * 2 > words;
}

static int article_features(struct features *ft, struct stemset *set,
                            struct wf_arena *arena, struct wf_article *a)
{
	memset(&a->feat, 0, sizeof a->feat);
	const uint32_t nt = a->n_title_tokens;
	uint32_t nb = a->n_tokens - nt;
	if (nb > ft->body_tokens)
		nb = ft->body_tokens;
	size_t brackets = 0;
	for (const char *p = a->title; p && (p = strchr(p, '<')); p++)
		brackets++;
	for (const char *p = a->body; p && (p = strchr(p, '<')); p++)
		brackets++;
	/* a token gives at most a term and a figure-with-unit in its field,
	 * and a name */
	const size_t cap_t = 2 * (size_t)nt, cap_b = 2 * (size_t)nb;
	const size_t cap_e = (size_t)nt + nb + brackets;
	struct wf_term *mem = wf_arena_alloc(arena, (cap_t + cap_b + cap_e + 1) * sizeof *mem);
	if (!mem)
		return WF_ENOMEM;
	struct bag bag[WF_NFIELDS] = {
		{mem, 0}, {mem + cap_t, 0}, {mem + cap_t + cap_b, 0},
	};
	struct initials *initials = &set->initials;
	memset(initials->h, 0, sizeof initials->h);
	initials->used = 0;
	find_initials(initials, a->body);
	const struct lang_slot *l = lang_of(set, a->lang);
	const bool styled = title_styled(a);
	for (uint32_t i = 0; i < nt + nb; i++) {
		const struct wf_token *k = &a->tokens[i];
		const char *w = a->norm + k->off;
		const bool in_title = i < nt;
		const uint64_t wh = XXH3_64bits(w, k->len);
		const bool cjk = k->flags & WF_TOK_CJK;
		if (k->len < 2 && !cjk)
			continue;
		const bool stop = l->english && in_set(ft->stop, wh);
		const enum wf_field field = in_title ? WF_FIELD_TITLE : WF_FIELD_BODY;
		if ((k->flags & WF_TOK_NUM) && i + 1 < nt + nb && (i + 1 < nt) == in_title &&
		    !(a->tokens[i + 1].flags & WF_TOK_NUM) && a->tokens[i + 1].len > 1) {
			/* a figure with its unit, "618 mln": the two tokens are
			 * adjacent in norm */
			const size_t len = k->len + 1 + a->tokens[i + 1].len;
			put(&bag[field], field, XXH3_64bits(w, len));
		}
		if (stop)
			continue;
		const bool plain = cjk || (k->flags & WF_TOK_NUM);
		const uint64_t base = plain ? wh : stem_hash(set, l, wh, w, k->len);
		put(&bag[field], field, base);
		/* a name: capitalised, but not as the first word of the title
		 * or of a sentence of the body, nor anywhere in a styled title */
		if (plain || !(k->flags & (WF_TOK_CAP | WF_TOK_ALLCAP)) ||
		    (in_title && (styled || i == 0)) || (l->english && in_set(ft->dates, wh)))
			continue;
		uint32_t *first = in_title ? NULL : initial_slot(initials, wh, false);
		if (first && *first) {
			(*first)--;
			continue;
		}
		put(&bag[WF_FIELD_ENTITY], WF_FIELD_ENTITY, base);
	}
	bracket_names(&bag[WF_FIELD_ENTITY], a->title);
	bracket_names(&bag[WF_FIELD_ENTITY], a->body);
	for (int f = 0; f < WF_NFIELDS; f++) {
		fold(&bag[f]);
		a->feat.terms[f] = bag[f].t;
		a->feat.n[f] = bag[f].n;
	}
	return 0;
}

/* ---- the stage ---------------------------------------------------------- */

static int features_init(void **self, const struct wf_config *cfg)
{
	struct features *ft = calloc(1, sizeof *ft);
	if (!ft)
		return WF_ENOMEM;
	if (pthread_mutex_init(&ft->lock, NULL) != 0) {
		free(ft);
		return WF_ENOMEM;
	}
	ft->body_tokens = cfg->cluster.body_tokens;
	for (size_t i = 0; i < sizeof stop_en / sizeof stop_en[0]; i++)
		set_add(ft->stop, stop_en[i]);
	for (size_t i = 0; i < sizeof dates_en / sizeof dates_en[0]; i++)
		set_add(ft->dates, dates_en[i]);
	*self = ft;
	return 0;
}

static int features_process(void *self, struct wf_batch *b)
{
	struct features *ft = self;
	struct stemset *set = take_set(ft);
	if (!set)
		return WF_FLOW_ERROR;
	int rc = WF_FLOW_OK;
	for (size_t i = 0; i < b->n && rc == WF_FLOW_OK; i++) {
		struct wf_article *a = &b->items[i];
		if (!a->rejected && article_features(ft, set, &b->arena, a) < 0)
			rc = WF_FLOW_ERROR;
	}
	give_set(ft, set);
	return rc;
}

static void features_free(void *self)
{
	struct features *ft = self;
	if (!ft)
		return;
	for (struct stemset *s = ft->all_sets, *next; s; s = next) {
		next = s->next_all;
		free_set(s);
	}
	pthread_mutex_destroy(&ft->lock);
	free(ft);
}

const struct wf_stage_ops wf_features_stage = {
	.name = "features",
	.parallel = true,
	.init = features_init,
	.process = features_process,
	.flush = NULL,
	.free = features_free,
};
