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
#include "wirefold/scan16.h"
#include "wirefold/slots.h"
#include "wirefold/stage.h"

enum {
	LANG_SLOTS = 8,      /* languages a stemmer set holds at once */
	LANG_LEN = 8,        /* longest primary language subtag kept */
	CACHE_BITS = 15,     /* 2^15 two-word sets in the stem cache (1 MiB) */
	STEM_MAX = 64,       /* longer tokens are not stemmed */
	TICKER_MAX = 80,     /* longest <name> taken as an entity */
	STOP_SLOTS = 512,    /* stop-word table (power of two) */
	INITIAL_SLOTS = 256, /* sentence-initial words remembered per article */
	SORT_BITS = 12,      /* most buckets of the term sort (2^12 =
	                      * WF_TERMS_SORT_BUCKETS) */
	SORT_DIRECT = 8,     /* fewer terms are sorted without buckets */
	TABLE_ROOM = WF_TERMS_SORT_ROOM, /* table slots per term: 2^bits <= 8n,
	                                  * and n more */
};

/* Asks for memory that will be read soon. */
#ifdef __GNUC__
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

/* Hides how x was computed from the compiler, which then cannot turn a
 * use of it back into branches on the tests that gave it. */
#ifdef __GNUC__
#define OPAQUE(x) __asm__("" : "+r"(x))
#else
#define OPAQUE(x) ((void)0)
#endif

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

/* A set of the stem cache: two words, the one used last first.  A
 * Snowball run costs ~2,400 instructions, so the cache is large (a direct-
 * mapped one of 4,096 words missed one look-up in eight); 32 bytes, so that
 * a set never straddles a memory cache line. */
struct cache_set {
	uint64_t key[2];  /* word hash ^ language seed; 0 when empty */
	uint64_t stem[2]; /* XXH3 of the stem */
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
	uint8_t at[INITIAL_SLOTS / 2]; /* the slots used, to clear only them */
};

/* What one worker uses for one batch; never shared while taken. */
struct stemset {
	_Alignas(64) struct cache_set cache[1u << CACHE_BITS];
	struct stemset *next_free;
	struct stemset *next_all;
	struct lang_slot langs[LANG_SLOTS];
	unsigned nlangs;
	struct initials initials; /* scratch for one article */
	void *scratch;            /* one article's token hashes, then its
	                           * unsorted terms */
	size_t scratch_size;
	uint32_t buckets[1u << SORT_BITS]; /* scratch of wf_terms_sort */
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
	} else if ((s = aligned_alloc(_Alignof(struct stemset), sizeof *s))) {
		memset(s, 0, sizeof *s);
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
	free(s->scratch);
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

/* The stem cache set of the word with XXH3 wh in language l. */
static struct cache_set *cache_set_of(struct stemset *s, const struct lang_slot *l, uint64_t wh)
{
	return &s->cache[((wh ^ l->seed) * 0x9E3779B97F4A7C15ull) >> (64 - CACHE_BITS)];
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

/* t[0..n) sorted by hash into out, repeats folded into tf; how many terms
 * are left.  The hashes are uniform, so a counting sort by their top bits
 * leaves a bucket or so per term (a few terms need no buckets), and an
 * insertion sort then only orders terms within a bucket, folding as it
 * goes. */
static uint32_t bucket_terms(struct wf_term *restrict out, const struct wf_term *restrict t,
                             uint32_t n, uint32_t *restrict bucket)
{
	if (n <= SORT_DIRECT) {
		memcpy(out, t, n * sizeof *t);
	} else {
		unsigned bits = 1;
		while (bits < SORT_BITS && (2u << bits) < n)
			bits++;
		const unsigned shift = 64 - bits;
		memset(bucket, 0, sizeof *bucket << bits);
		for (uint32_t i = 0; i < n; i++)
			bucket[t[i].h >> shift]++;
		for (uint32_t b = 0, at = 0; b < 1u << bits; b++) {
			const uint32_t c = bucket[b];
			bucket[b] = at;
			at += c;
		}
		for (uint32_t i = 0; i < n; i++)
			out[bucket[t[i].h >> shift]++] = t[i];
	}
	/* out[0..k) is sorted and folded; out[k..i) free */
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct wf_term x = out[i];
		uint32_t j = k;
		while (j && out[j - 1].h > x.h)
			j--;
		if (j && out[j - 1].h == x.h) {
			out[j - 1].tf += x.tf;
			continue;
		}
		for (uint32_t m = k; m > j; m--)
			out[m] = out[m - 1];
		out[j] = x;
		k++;
	}
	return k;
}

/* wf_terms_sort (features.h): as bucket_terms, through table[0..TABLE_ROOM
 * * n) (as wf_sort_unique in minhash.c does for fingerprint's sets): each
 * term goes to the slot of its top bits in a table of 4n to 8n slots (an
 * eighth to a quarter full), or to its place in the sorted run of taken
 * slots there, where a repeat is met and folded; the taken slots, read in
 * order, are the result.  Which are taken is a byte each (slots.h), read
 * 16 at a time (against a bitmap: wf_terms_sort 29.2 M -> 25.7 M
 * instructions on the 5k prefix).  Three quarters of the instructions of
 * bucket_terms, which takes over for a few terms, very many, or a run
 * longer than a budget. */
uint32_t wf_terms_sort(struct wf_term *restrict out, const struct wf_term *restrict t,
                       uint32_t n, uint32_t *restrict bucket, struct wf_term *restrict table)
{
	const unsigned bits = wf_slots_bits(n); /* 2^bits in (4n, 8n] */
	if (n <= SORT_DIRECT || bits > WF_SLOTS_BITS_MAX)
		return bucket_terms(out, t, n, bucket);
	const unsigned shift = 64 - bits;
	/* a run may pass the table's end by n - 1 slots */
	uint8_t taken[WF_SLOTS_WORDS * 64];
	memset(taken, 0, wf_slots_bytes(bits, n));
	uint32_t last = (1u << bits) - 1; /* the last slot taken, at least */
	size_t budget = 8 * (size_t)n;
	for (uint32_t i = 0; i < n; i++) {
		const struct wf_term x = t[i];
		uint32_t s = (uint32_t)(x.h >> shift);
		if (!taken[s]) {
			table[s] = x;
			taken[s] = WF_SLOT_TAKEN;
			continue;
		}
		const uint32_t home = s;
		while (taken[s] && table[s].h < x.h)
			s++;
		if (taken[s] && table[s].h == x.h) {
			table[s].tf += x.tf;
			continue;
		}
		uint32_t end = s;
		while (taken[end])
			end++;
		if (end - home > budget)
			return bucket_terms(out, t, n, bucket); /* crowded */
		budget -= end - home;
		for (uint32_t m = end; m > s; m--)
			table[m] = table[m - 1];
		table[s] = x;
		taken[end] = WF_SLOT_TAKEN;
		last = end > last ? end : last;
	}
	struct wf_term *o = out;
	for (uint32_t q = 0; q <= last / 64; q++, table += 64)
		for (uint64_t m = wf_slots_taken64(taken, q); m; m &= m - 1)
			*o++ = table[__builtin_ctzll(m)];
	return (uint32_t)(o - out);
}

_Static_assert(1u << SORT_BITS == WF_TERMS_SORT_BUCKETS, "bucket scratch of wf_terms_sort");

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

/* The stem cache's value for an English stop word.  A real stem hash equal
 * to it is never cached (see word_base), so in the cache it means a stop
 * word and nothing else. */
#define STOP_WORD UINT64_C(0)

/* Whether the case-folded word w[0..n) (XXH3 wh) is a term, not an English
 * stop word; if so, *base is the XXH3 of its stem.  The cache remembers stop
 * words too: most of them then cost the look-up that a stem needs anyway,
 * not a probe of the stop table as well. */
static bool word_base(const struct features *ft, struct stemset *s, const struct lang_slot *l,
                      uint64_t wh, const char *w, size_t n, uint64_t *base)
{
	if (!l->st || n > STEM_MAX) {
		*base = wh;
		return !(l->english && in_set(ft->stop, wh));
	}
	const uint64_t key = wh ^ l->seed;
	struct cache_set *c = cache_set_of(s, l, wh);
	uint64_t h;
	if (c->key[0] == key) {
		h = c->stem[0];
	} else if (c->key[1] == key) {
		/* moved to the front: the first way then holds most hits, and
		 * the test above is predicted (it was a coin toss, a third of
		 * the hits in the second way) */
		h = c->stem[1];
		c->key[1] = c->key[0];
		c->stem[1] = c->stem[0];
		c->key[0] = key;
		c->stem[0] = h;
	} else {
		if (l->english && in_set(ft->stop, wh)) {
			h = STOP_WORD;
		} else {
			const sb_symbol *st = sb_stemmer_stem(l->st, (const sb_symbol *)w, (int)n);
			/* NULL only when libstemmer is out of memory: keep the word */
			h = st ? XXH3_64bits(st, (size_t)sb_stemmer_length(l->st)) : wh;
			if (h == STOP_WORD) {
				*base = h; /* a term all the same; not cached */
				return true;
			}
		}
		c->key[1] = c->key[0];
		c->stem[1] = c->stem[0];
		c->key[0] = key;
		c->stem[0] = h;
	}
	*base = h;
	return h != STOP_WORD;
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
			in->at[in->used++] = (uint8_t)i;
			in->h[i] = h;
			in->n[i] = 0;
			return &in->n[i];
		}
	}
}

/* Byte classes of find_initials. */
enum {
	I_ALNUM = 1, /* A-Z a-z 0-9 and bytes of UTF-8 sequences: in words */
	I_UPPER = 2, /* A-Z */
	I_STOP = 4,  /* . ! ? : ; end a sentence */
	I_KEEP = 8,  /* space, tab, line break " ' ( -: may come between a
	              * sentence's end and its first word */
};

#define ICLASS(c)                                                              \
	(((c) >= 'A' && (c) <= 'Z' ? I_ALNUM | I_UPPER : 0) |                      \
	 (((c) >= 'a' && (c) <= 'z') || ((c) >= '0' && (c) <= '9') || (c) >= 0x80 \
	      ? I_ALNUM                                                            \
	      : 0) |                                                               \
	 ((c) == '.' || (c) == '!' || (c) == '?' || (c) == ':' || (c) == ';'       \
	      ? I_STOP                                                             \
	      : 0) |                                                               \
	 ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '"' || (c) == '\'' || \
	          (c) == '(' || (c) == '-'                                         \
	      ? I_KEEP                                                             \
	      : 0))
#define ICLASS4(c) ICLASS(c), ICLASS((c) + 1), ICLASS((c) + 2), ICLASS((c) + 3)
#define ICLASS16(c) ICLASS4(c), ICLASS4((c) + 4), ICLASS4((c) + 8), ICLASS4((c) + 12)

static const unsigned char iclass[256] = {
	ICLASS16(0x00), ICLASS16(0x10), ICLASS16(0x20), ICLASS16(0x30),
	ICLASS16(0x40), ICLASS16(0x50), ICLASS16(0x60), ICLASS16(0x70),
	ICLASS16(0x80), ICLASS16(0x90), ICLASS16(0xa0), ICLASS16(0xb0),
	ICLASS16(0xc0), ICLASS16(0xd0), ICLASS16(0xe0), ICLASS16(0xf0),
};

/* Where the first of [.!?:;] or a line break is in s[i..n), or n.  Where
 * the compiler allows, sixteen bytes are compared at once (SSE2 on
 * x86-64): most of a body lies between such bytes, and is skipped. */
static size_t next_stop(const unsigned char *s, size_t i, size_t n)
{
#ifdef WF_SCAN16
	for (; n - i >= sizeof(wf_bytes16); i += sizeof(wf_bytes16)) {
		wf_bytes16 v;
		memcpy(&v, s + i, sizeof v);
		const wf_bytes16 hit = (v == '.') | (v == '!') | (v == '?') | (v == ':') |
		                       (v == ';') | (v == '\n');
		const unsigned k = wf_scan16_first(&hit);
		if (k < 16)
			return i + k;
	}
#endif
	for (; i < n && !(iclass[s[i]] & I_STOP) && s[i] != '\n'; i++)
		;
	return i;
}

/* Count the word at s[i] if it is capitalised; where it ends.  A word is a
 * run of letters, digits and non-ASCII bytes, with apostrophes between
 * them; it is kept lower-cased as normalize would, apostrophes dropped. */
static size_t initial_word(struct initials *in, const unsigned char *s, size_t i)
{
	const bool upper = iclass[s[i]] & I_UPPER;
	char w[STEM_MAX];
	size_t n = 0;
	for (; (iclass[s[i]] & I_ALNUM) || (s[i] == '\'' && (iclass[s[i + 1]] & I_ALNUM)); i++)
		if (s[i] != '\'' && n < sizeof w)
			w[n++] = (char)(iclass[s[i]] & I_UPPER ? s[i] | 0x20 : s[i]);
	if (upper && n < sizeof w) {
		uint32_t *k = initial_slot(in, XXH3_64bits(w, n), true);
		if (k)
			(*k)++;
	}
	return i;
}

static void find_initials(struct initials *in, const char *text)
{
	if (!text)
		return;
	const unsigned char *s = (const unsigned char *)text;
	const size_t n = strlen(text);
	size_t i = 0; /* at the start of the text: a boundary */
	for (;;) {
		/* at a boundary: the first word after it is an initial; any
		 * other byte than those of I_KEEP and I_STOP ends the boundary */
		while (iclass[s[i]] & (I_KEEP | I_STOP))
			i++;
		if (iclass[s[i]] & I_ALNUM)
			i = initial_word(in, s, i);
		else if (i < n)
			i++;
		else
			return;
		/* no word counts until the next sentence end, or a line break
		 * followed by more white space */
		for (;; i++) {
			i = next_stop(s, i, n);
			if (i == n)
				return;
			if (s[i] != '\n' || s[i + 1] == '\n' || s[i + 1] == ' ' || s[i + 1] == '\t')
				break;
		}
		i++;
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

/* The terms of a's tokens [from, to), all of field f (the title or the
 * body), into terms (with their hashes in hashes[from..to)), and their names
 * into names.  A title styled in capitals or Title Case gives no names. */
static inline void field_terms(const struct features *ft, struct stemset *set,
                               const struct lang_slot *l, const struct wf_article *a,
                               const uint64_t *hashes, uint32_t from, uint32_t to,
                               enum wf_field f, bool styled, struct bag *terms,
                               struct bag *names)
{
	/* the bags' counts in locals: the stores of terms could alias them */
	struct bag t = *terms, e = *names;
	for (uint32_t i = from; i < to; i++) {
		const struct wf_token *k = &a->tokens[i];
		const char *w = a->norm + k->off;
		const uint64_t wh = hashes[i];
		if (k->flags & (WF_TOK_NUM | WF_TOK_CJK)) {
			/* taken as they are; no stop word has a digit or a CJK
			 * character */
			if (k->len < 2 && !(k->flags & WF_TOK_CJK))
				continue;
			if ((k->flags & WF_TOK_NUM) && i + 1 < to &&
			    !(a->tokens[i + 1].flags & WF_TOK_NUM) && a->tokens[i + 1].len > 1) {
				/* a figure with its unit, "618 mln": the two
				 * tokens are adjacent in norm */
				const size_t len = k->len + 1 + a->tokens[i + 1].len;
				put(&t, f, XXH3_64bits(w, len));
			}
			put(&t, f, wh);
			continue;
		}
		/* Stop words come in no pattern that a branch predictor
		 * could learn: the term is written in any case (a token has
		 * room for two) and counted if it is one.  Left to itself,
		 * GCC branches on the stop test all the same. */
		uint64_t base = 0;
		bool term = k->len >= 2 && word_base(ft, set, l, wh, w, k->len, &base);
		OPAQUE(term);
		t.t[t.n] = (struct wf_term){base ^ field_salt[f], 1};
		t.n += term;
		/* a name: capitalised, but not as the first word of the title
		 * or of a sentence of the body, nor anywhere in a styled title */
		if (!(k->flags & (WF_TOK_CAP | WF_TOK_ALLCAP)) || !term ||
		    (f == WF_FIELD_TITLE && (styled || i == 0)) ||
		    (l->english && in_set(ft->dates, wh)))
			continue;
		uint32_t *first = f == WF_FIELD_TITLE ? NULL : initial_slot(&set->initials, wh, false);
		if (first && *first) {
			(*first)--;
			continue;
		}
		put(&e, WF_FIELD_ENTITY, base);
	}
	terms->n = t.n;
	names->n = e.n;
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
	size_t cap_most = cap_t > cap_b ? cap_t : cap_b;
	cap_most = cap_e > cap_most ? cap_e : cap_most;
	/* the hashes, the three bags, and wf_terms_sort's table */
	const size_t size = ((size_t)nt + nb) * sizeof(uint64_t) +
	                    (cap_t + cap_b + cap_e + TABLE_ROOM * cap_most) *
	                        sizeof(struct wf_term);
	/* never NULL, even for an empty article: pointers are made from it */
	if (set->scratch_size < size || !set->scratch) {
		void *p = realloc(set->scratch, 2 * size + 64);
		if (!p)
			return WF_ENOMEM;
		set->scratch = p;
		set->scratch_size = 2 * size + 64;
	}
	uint64_t *const hashes = set->scratch;
	struct wf_term *const mem = (struct wf_term *)(hashes + nt + nb);
	struct bag bag[WF_NFIELDS] = {
		{mem, 0}, {mem + cap_t, 0}, {mem + cap_t + cap_b, 0},
	};
	struct initials *initials = &set->initials;
	/* an article has a few dozen: clearing them beats clearing 2 KiB */
	for (unsigned i = 0; i < initials->used; i++)
		initials->h[initials->at[i]] = 0;
	initials->used = 0;
	find_initials(initials, a->body);
	/* a copy, so that the loops keep its fields in registers: the stores
	 * of terms and of the stem cache could alias the slot's */
	const struct lang_slot *const slot = lang_of(set, a->lang);
	const struct lang_slot lang = *slot, *const l = &lang;
	const bool styled = title_styled(a);
	/* The stem cache is larger than a core's L2 cache, and a look-up
	 * that waits for memory costs more than the rest of the token's work:
	 * all the words are hashed first, their cache entries fetched while
	 * the following ones are hashed.  Every token's entry: a line
	 * fetched for a figure costs less than the test of whether it will
	 * be read. */
	for (uint32_t i = 0; i < nt + nb; i++) {
		const struct wf_token *k = &a->tokens[i];
		hashes[i] = XXH3_64bits(a->norm + k->off, k->len);
		PREFETCH(cache_set_of(set, l, hashes[i]));
	}
	/* the title's tokens, then the body's: the field, hence the bag, is
	 * fixed through each loop */
	field_terms(ft, set, l, a, hashes, 0, nt, WF_FIELD_TITLE, styled, &bag[WF_FIELD_TITLE],
	            &bag[WF_FIELD_ENTITY]);
	field_terms(ft, set, l, a, hashes, nt, nt + nb, WF_FIELD_BODY, false, &bag[WF_FIELD_BODY],
	            &bag[WF_FIELD_ENTITY]);
	bracket_names(&bag[WF_FIELD_ENTITY], a->title);
	bracket_names(&bag[WF_FIELD_ENTITY], a->body);
	/* sorted from the scratch into the arena, the fields one after the
	 * other */
	struct wf_term *out = wf_arena_alloc(
		arena, ((size_t)bag[0].n + bag[1].n + bag[2].n + 1) * sizeof *out);
	if (!out)
		return WF_ENOMEM;
	for (int f = 0; f < WF_NFIELDS; f++) {
		a->feat.terms[f] = out;
		a->feat.n[f] = wf_terms_sort(out, bag[f].t, bag[f].n, set->buckets,
		                             mem + cap_t + cap_b + cap_e);
		out += a->feat.n[f];
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
