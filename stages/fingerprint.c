/* fingerprint.c — shingles, MinHash and facts (parallel stage). */
#include "wirefold/fingerprint.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/minhash.h"
#include "wirefold/scan16.h"
#include "wirefold/stage.h"

enum {
	/* 64-bit words of scratch per token (+ 1): the token and shingle
	 * hashes, then the table of wf_sort_unique */
	SCRATCH_PER_TOKEN = (WF_SORT_UNIQUE_ROOM + 1) / 2,
	/* the headline's symbols kept at most; "<.>" is one without a token,
	 * so the scratch has room for them beyond the tokens */
	TICKERS_MAX = 16,
};

/* 64-bit words of scratch for an article of n tokens */
static size_t scratch_words(uint32_t n_tokens)
{
	return SCRATCH_PER_TOKEN * ((size_t)n_tokens + 1 + TICKERS_MAX);
}

/* A number token: digits with '.' or ',' inside (normalize keeps those only
 * between digits). */
static bool is_number(const char *s, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == ','))
			return false;
	return len > 0;
}

/* Spelled-out numbers, so that "nine pct" and "9 percent" carry one fact.
 * A row a length, from three letters to nine. */
static const struct number_row {
	struct number_word {
		const char *w; /* NULL ends the row */
		const char *digits;
	} words[7];
} number_words[] = {
	{{{"one", "1"}, {"two", "2"}, {"six", "6"}, {"ten", "10"}}},
	{{{"zero", "0"}, {"four", "4"}, {"five", "5"}, {"nine", "9"}}},
	{{{"three", "3"}, {"seven", "7"}, {"eight", "8"}, {"forty", "40"}, {"fifty", "50"},
	  {"sixty", "60"}}},
	{{{"eleven", "11"}, {"twelve", "12"}, {"twenty", "20"}, {"thirty", "30"},
	  {"eighty", "80"}, {"ninety", "90"}}},
	{{{"fifteen", "15"}, {"sixteen", "16"}, {"seventy", "70"}}},
	{{{"thirteen", "13"}, {"fourteen", "14"}, {"eighteen", "18"}, {"nineteen", "19"}}},
	{{{"seventeen", "17"}}},
	{{{NULL, NULL}}}, /* any other length */
};

/* The value of a number word, in digits, or NULL: the words of its
 * length compared (number_filter lets few tokens on to here). */
static const char *number_word(const char *s, uint32_t len)
{
	const struct number_row *row = &number_words[len - 3 < 7 ? len - 3 : 7];
	for (const struct number_word *w = row->words; w->w; w++)
		if (w->w[0] == s[0]) {
			/* inline: most differ at the second letter */
			uint32_t m = 1;
			while (m < len && s[m] == w->w[m])
				m++;
			if (m == len)
				return w->digits;
		}
	return NULL;
}

/* The number words' seeded token hashes as a filter of 4096 bits, bit
 * h >> 52 set for each: a token whose bit is clear is no number word (its
 * hash, already made, tells in one test), and 28 bits of 4096 let few
 * other tokens on to number_word's compares.  Before, masks of the
 * lengths of number words by first and second letter ruled tokens out at
 * 14 instructions a token (fp_process 279.6 M -> 269.2 M instructions on
 * the 5k prefix). */
enum { NUMBER_FILTER_WORDS = 4096 / 64 };

static void number_filter(uint64_t seed, uint64_t *filter)
{
	memset(filter, 0, NUMBER_FILTER_WORDS * sizeof *filter);
	for (const struct number_row *row = number_words; row->words[0].w; row++)
		for (const struct number_word *w = row->words; w->w; w++) {
			const uint64_t h = XXH3_64bits_withSeed(w->w, strlen(w->w), seed);
			filter[h >> 58] |= UINT64_C(1) << (h >> 52 & 63);
		}
}

/* Whether the token of hash h may be a number word (filter of its seed). */
static bool maybe_number_word(const uint64_t *filter, uint64_t h)
{
	return filter[h >> 58] >> (h >> 52 & 63) & 1;
}

static uint32_t h32(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

static bool upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* Symbols in text[0..len) as wire copy marks them: "<IBM>", "<BRK.A>",
 * "(NYSE: IBM)", "(Nasdaq:AAPL)", and Reuters codes such as "IBM.N" or
 * "VOD.L".  Returns the count (at most cap). */
static uint32_t scan_tickers(const char *t, size_t len, uint32_t *out, uint32_t cap,
                             uint64_t seed)
{
	uint32_t n = 0;
	for (size_t i = 0; i < len && n < cap; i++) {
		size_t s = i, e = i;
		if (t[i] == '<') {
			s = e = i + 1;
			while (e < len && e - s <= 6 && (upper(t[e]) || t[e] == '.'))
				e++;
			if (e == s || e >= len || t[e] != '>' || e - s > 6)
				continue;
		} else if (t[i] == ':' && i >= 4) {
			/* "(EXCHANGE: SYM)" */
			size_t b = i;
			while (b > 0 && upper(t[b - 1]))
				b--;
			if (b == i || b == 0 || t[b - 1] != '(')
				continue;
			s = i + 1;
			while (s < len && t[s] == ' ')
				s++;
			e = s;
			while (e < len && e - s <= 6 && (upper(t[e]) || t[e] == '.'))
				e++;
			if (e == s || e >= len || t[e] != ')')
				continue;
		} else if (t[i] == '.' && i > 0 && upper(t[i - 1]) && i + 1 < len && upper(t[i + 1])) {
			/* "SYM.X" with a one- or two-letter exchange code */
			size_t b = i;
			while (b > 0 && upper(t[b - 1]))
				b--;
			e = i + 1;
			while (e < len && upper(t[e]))
				e++;
			/* not an abbreviation: "U.S.", "N.Z.", "E.F." */
			if (i - b < 2 || i - b > 5 || e - i - 1 > 2 ||
			    (b > 0 && (isalnum((unsigned char)t[b - 1]) || t[b - 1] == '.')) ||
			    (e < len && (isalnum((unsigned char)t[e]) || t[e] == '.')))
				continue;
			s = b;
			/* i is inside the symbol; go on after it */
		} else {
			continue;
		}
		out[n++] = h32(XXH3_64bits_withSeed(t + s, e - s, seed ^ 0x7101));
		i = e;
	}
	return n;
}

static bool title_all_caps(const struct wf_article *a)
{
	for (uint32_t i = 0; i < a->n_title_tokens; i++)
		if (!(a->tokens[i].flags & (WF_TOK_ALLCAP | WF_TOK_NUM)))
			return false;
	return true;
}


static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

/* isalpha of the "C" locale, which wirefold never leaves, inline: the
 * libc call (through __ctype_b_loc) came twice a figure. */
static bool letter(char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}


/* The first digit in text[i..len), or len (i <= len).  Bodies are mostly
 * letters: sixteen bytes are compared at once where the compiler allows
 * (SSE2 on x86-64; bytes >= 0x80 are negative, so no digit), then eight at
 * a time by a SWAR "has a byte in '0'..'9'" (exact: the bytes are masked to
 * 7 bits, so none carries into the next). */
static size_t next_digit(const char *text, size_t i, size_t len)
{
#ifdef WF_SCAN16
	for (; len - i >= sizeof(wf_sbytes16); i += sizeof(wf_sbytes16)) {
		wf_sbytes16 v;
		memcpy(&v, text + i, sizeof v);
		const wf_sbytes16 hit = (v >= '0') & (v <= '9');
		const unsigned k = wf_scan16_first(&hit);
		if (k < 16)
			return i + k;
	}
#endif
	const uint64_t ones = 0x0101010101010101ull;
	for (; i + 8 <= len; i += 8) {
		uint64_t x;
		memcpy(&x, text + i, 8);
		uint64_t low = x & ones * 127;
		if (((ones * (127 + '9' + 1) - low) & ~x & (low + ones * (127 - ('0' - 1)))) &
		    ones * 128)
			break;
	}
	while (i < len && !digit(text[i]))
		i++;
	return i;
}

/* Figures in text[0..len): runs of digits joined by '.', ',', '/' or '-'
 * between digits ("1,000", "5.93", "3/4", "16-1/4").  Digits glued to a
 * letter ("4TH", "B747", or a scanning error such as "Gu1f", "5hipments")
 * are part of a word, not a figure.  Returns the count. */
static uint32_t scan_numbers(const char *text, size_t len, uint32_t *out, uint32_t cap,
                             uint64_t seed)
{
	uint32_t n = 0;
	size_t i = 0;
	while (i < len && n < cap) {
		if (!digit(text[i])) {
			i = next_digit(text, i + 1, len);
			continue;
		}
		if (i && letter(text[i - 1])) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && (digit(text[j]) ||
		                   ((text[j] == '.' || text[j] == ',' || text[j] == '/' ||
		                     text[j] == '-') &&
		                    j + 1 < len && digit(text[j + 1]) && digit(text[j - 1]))))
			j++;
		if (j == len || !letter(text[j]))
			out[n++] = h32(XXH3_64bits_withSeed(text + i, j - i, seed));
		i = j;
	}
	return n;
}

/* wf_fingerprint_article with scratch room for scratch_words(a->n_tokens)
 * 64-bit words: the token and shingle hashes, then the sorts' table; and
 * the number_filter of p->seed. */
static int fingerprint(const struct wf_fingerprint_params *p, const uint64_t *filter,
                       struct wf_arena *arena, struct wf_article *a, uint64_t *scratch)
{
	struct wf_fingerprint *fp = &a->fp;
	memset(fp, 0, sizeof *fp);
	XXH128_hash_t th = XXH3_128bits_withSeed(a->norm, a->norm_len, p->seed);
	fp->text_hash[0] = th.low64;
	fp->text_hash[1] = th.high64;

	/* the body's tokens, or the title's when the body is (nearly) empty */
	uint32_t first = a->n_title_tokens, n = a->n_tokens - a->n_title_tokens;
	if (n < 2) {
		first = 0;
		n = a->n_tokens;
	}
	const struct wf_token *tok = a->tokens + first;
	unsigned k = p->shingle ? p->shingle : 1;
	uint32_t nsh = n >= k ? n - k + 1 : (n ? 1 : 0);
	size_t nn = (size_t)a->n_tokens + 1;
	uint64_t *th64 = scratch, *sh64 = scratch + nn;
	fp->shingles = wf_arena_alloc(arena, (nsh ? nsh : 1) * sizeof *fp->shingles);
	fp->words = wf_arena_alloc(arena, nn * sizeof *fp->words);
	fp->numbers = wf_arena_alloc(arena, nn * sizeof *fp->numbers);
	fp->names = wf_arena_alloc(arena, nn * sizeof *fp->names);
	fp->minhash = wf_arena_alloc(arena, (size_t)p->minhash_k * sizeof *fp->minhash);
	fp->lede = wf_arena_alloc(arena, (size_t)p->lede_k * sizeof *fp->lede);
	fp->tickers = wf_arena_alloc(arena, TICKERS_MAX * sizeof *fp->tickers);
	if (!fp->shingles || !fp->words || !fp->numbers || !fp->names || !fp->minhash ||
	    !fp->lede || !fp->tickers)
		return WF_ENOMEM;

	/* the subject's symbol stands in the headline; the body may name
	 * other companies too */
	if (a->title)
		fp->n_tickers = scan_tickers(a->title, strlen(a->title), fp->tickers, TICKERS_MAX,
		                             p->seed);

	/* Numbers as written in the body: "16-1/4" and "6-3/8" are one figure
	 * each, which the tokens split apart. */
	bool raw_numbers = first > 0 && a->body;
	if (raw_numbers) {
		/* the span normalize kept: the body without its boilerplate */
		const uint32_t cap = n;
		fp->n_numbers = scan_numbers(a->body + a->body_start, a->body_end - a->body_start,
		                             fp->numbers, cap, p->seed);
	}
	/* a local: the stores of the hashes could alias p->seed, and XXH3
	 * derives its keys for short inputs from the seed, loop-invariant
	 * only so */
	const uint64_t seed = p->seed;
	for (uint32_t i = 0; i < n; i++) {
		const char *s = a->norm + tok[i].off;
		th64[i] = XXH3_64bits_withSeed(s, tok[i].len, seed);
		fp->words[i] = h32(th64[i]);
		const char *digits;
		/* a number has a digit (normalize keeps '.' and ',' only
		 * between digits): most tokens are ruled out by their flag */
		if ((tok[i].flags & WF_TOK_NUM) && is_number(s, tok[i].len)) {
			if (!raw_numbers)
				fp->numbers[fp->n_numbers++] = h32(th64[i]);
		} else if (maybe_number_word(filter, th64[i]) &&
		           (digits = number_word(s, tok[i].len))) {
			fp->numbers[fp->n_numbers++] =
				h32(XXH3_64bits_withSeed(digits, strlen(digits), seed));
		} else {
			/* branch-free: capitals come and go unpredictably */
			fp->names[fp->n_names] = h32(th64[i]);
			fp->n_names += (tok[i].flags & (WF_TOK_CAP | WF_TOK_ALLCAP)) != 0;
		}
	}
	/* The title's names and words count too (its subject is the first
	 * fact), unless it is set in capitals, where every word looks like a
	 * name. */
	uint32_t nw = n;
	if (first > 0 && !title_all_caps(a)) {
		for (uint32_t i = 0; i < a->n_title_tokens; i++) {
			const struct wf_token *t = &a->tokens[i];
			uint32_t h = h32(XXH3_64bits_withSeed(a->norm + t->off, t->len, seed));
			fp->words[nw++] = h;
			if ((t->flags & (WF_TOK_CAP | WF_TOK_ALLCAP)) && !(t->flags & WF_TOK_NUM))
				fp->names[fp->n_names++] = h;
		}
	}
	/* k tokens a shingle, or all n in one when there are fewer */
	const uint32_t width = n < k ? n : k;
	if (width == 3) {
		/* the default, unrolled */
		for (uint32_t i = 0; i < nsh; i++) {
			const uint64_t h = wf_hash_combine(wf_hash_combine(th64[i], th64[i + 1]),
			                                   th64[i + 2]);
			sh64[i] = wf_hash_finish(h);
			fp->shingles[i] = h32(sh64[i]);
		}
	} else {
		for (uint32_t i = 0; i < nsh; i++) {
			uint64_t h = th64[i];
			for (uint32_t j = 1; j < width; j++)
				h = wf_hash_combine(h, th64[i + j]);
			sh64[i] = wf_hash_finish(h);
			fp->shingles[i] = h32(sh64[i]);
		}
	}
	uint32_t nlede = p->lede_words >= k ? p->lede_words - k + 1 : 1;
	wf_minhash_oph(sh64, nsh < nlede ? nsh : nlede, fp->lede, p->lede_k,
	               p->seed ^ 0x1ede);
	wf_minhash_oph(sh64, nsh, fp->minhash, p->minhash_k, p->seed);
	fp->n_words = n;
	/* the scratch is free again for the sorts; no set has more than
	 * nn + TICKERS_MAX values */
	uint32_t *tmp = (uint32_t *)scratch;
	const size_t room = 2 * scratch_words(a->n_tokens);
	fp->n_shingles = wf_sort_unique(fp->shingles, tmp, nsh, room);
	fp->n_wordset = wf_sort_unique(fp->words, tmp, nw, room);
	fp->n_numbers = wf_sort_unique(fp->numbers, tmp, fp->n_numbers, room);
	fp->n_names = wf_sort_unique(fp->names, tmp, fp->n_names, room);
	fp->n_tickers = wf_sort_unique(fp->tickers, tmp, fp->n_tickers, room);
	return 0;
}

int wf_fingerprint_article(const struct wf_fingerprint_params *p,
                           struct wf_arena *arena, struct wf_article *a)
{
	uint64_t *scratch = wf_arena_alloc(arena, scratch_words(a->n_tokens) * sizeof *scratch);
	uint64_t filter[NUMBER_FILTER_WORDS];
	number_filter(p->seed, filter);
	return scratch ? fingerprint(p, filter, arena, a, scratch) : WF_ENOMEM;
}

void wf_lsh_layout_of(const struct wf_config *cfg, struct wf_lsh_layout *out)
{
	const struct wf_dedup_params *d = &cfg->dedup;
	wf_lsh_params(d->lsh_threshold, cfg->fp.minhash_k, d->lsh_weight_fp, 1.0 - d->lsh_weight_fp,
	              &out->bands, &out->rows);
	wf_lsh_params(d->lede_threshold, cfg->fp.lede_k, d->lsh_weight_fp, 1.0 - d->lsh_weight_fp,
	              &out->lede_bands, &out->lede_rows);
}

/* The keys of n bands of rows values each, from sig on, into keys; band b's
 * hash starts from seed + b. */
static void band_keys(const uint32_t *sig, unsigned n, unsigned rows, uint64_t seed,
                      uint64_t *keys)
{
	for (unsigned b = 0; b < n; b++) {
		uint64_t h = seed + b;
		for (unsigned r = 0; r < rows; r++)
			h = wf_hash_combine(h, *sig++);
		keys[b] = wf_hash_finish(h);
	}
}

void wf_lsh_keys(const struct wf_lsh_layout *l, const struct wf_fingerprint *fp,
                 uint64_t *keys)
{
	band_keys(fp->minhash, l->bands, l->rows, 0x6c7368ull, keys);
	band_keys(fp->lede, l->lede_bands, l->lede_rows, 0x1ede00ull, keys + l->bands);
}

/* The stage: the parameters, their seed's number_filter, and the bands
 * whose keys it makes here on a worker rather than in the ordered dedup
 * stage, the critical path. */
struct fp_stage {
	const struct wf_fingerprint_params *p;
	uint64_t filter[NUMBER_FILTER_WORDS];
	struct wf_lsh_layout lsh;
};

static int fp_init(void **self, const struct wf_config *cfg)
{
	if (cfg->fp.minhash_k == 0 || cfg->fp.minhash_k > WF_MINHASH_MAX ||
	    cfg->fp.lede_k == 0 || cfg->fp.lede_k > WF_MINHASH_MAX)
		return WF_EINVAL;
	struct fp_stage *st = malloc(sizeof *st);
	if (!st)
		return WF_ENOMEM;
	st->p = &cfg->fp;
	number_filter(cfg->fp.seed, st->filter);
	wf_lsh_layout_of(cfg, &st->lsh);
	*self = st;
	return 0;
}

/* Fingerprint a and make its keys. */
static int fp_article(const struct fp_stage *st, struct wf_arena *arena, struct wf_article *a,
                      uint64_t *scratch)
{
	if (fingerprint(st->p, st->filter, arena, a, scratch) < 0)
		return WF_ENOMEM;
	const uint32_t n = st->lsh.bands + st->lsh.lede_bands;
	if (!(a->fp.keys = wf_arena_alloc(arena, n * sizeof *a->fp.keys)))
		return WF_ENOMEM;
	wf_lsh_keys(&st->lsh, &a->fp, a->fp.keys);
	a->fp.n_keys = n;
	return 0;
}

static int fp_process(void *self, struct wf_batch *b)
{
	const struct fp_stage *st = self;
	/* one scratch buffer for the batch, sized for its longest article:
	 * it stays in cache, and the arena holds only what the later stages
	 * read */
	uint32_t most = 0;
	for (size_t i = 0; i < b->n; i++)
		if (!b->items[i].rejected && b->items[i].n_tokens > most)
			most = b->items[i].n_tokens;
	uint64_t *scratch = wf_arena_alloc(&b->arena, scratch_words(most) * sizeof *scratch);
	if (!scratch)
		return WF_FLOW_ERROR;
	for (size_t i = 0; i < b->n; i++)
		if (!b->items[i].rejected && fp_article(st, &b->arena, &b->items[i], scratch) < 0)
			return WF_FLOW_ERROR;
	return WF_FLOW_OK;
}

static void fp_free(void *self)
{
	free(self);
}

const struct wf_stage_ops wf_fingerprint_stage = {
	.name = "fingerprint",
	.parallel = true,
	.init = fp_init,
	.process = fp_process,
	.flush = NULL,
	.free = fp_free,
};
