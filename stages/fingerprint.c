/* fingerprint.c — shingles, MinHash, SimHash and facts (parallel stage). */
#include "wirefold/fingerprint.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "wirefold/batch.h"
#include "wirefold/boilerplate.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/minhash.h"
#include "wirefold/stage.h"

/* Sort v[0..n) with an LSD radix sort (4 passes of 8 bits) through tmp,
 * then drop repeats; returns the new length.  For the few hundred values of
 * an article this is several times faster than qsort's callbacks. */
static uint32_t sort_unique(uint32_t *v, uint32_t *tmp, uint32_t n)
{
	if (n < 2)
		return n;
	if (n <= 48) {
		/* few values: insertion sort beats clearing the radix counts */
		for (uint32_t i = 1; i < n; i++) {
			const uint32_t x = v[i];
			uint32_t j = i;
			for (; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		goto unique;
	}
	uint32_t *src = v, *dst = tmp;
	for (unsigned shift = 0; shift < 32; shift += 8) {
		uint32_t count[257] = {0};
		for (uint32_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (unsigned b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (uint32_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	/* four passes: the sorted values are back in v */
unique:;
	uint32_t k = 1;
	for (uint32_t i = 1; i < n; i++)
		if (v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
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

/* Spelled-out numbers, so that "nine pct" and "9 percent" carry one fact. */
#define WORD(w, v) {w, sizeof w - 1, v}
static const struct number_word {
	const char *w;
	uint32_t len;
	int value;
} number_words[] = {
	WORD("zero", 0), WORD("one", 1), WORD("two", 2), WORD("three", 3),
	WORD("four", 4), WORD("five", 5), WORD("six", 6), WORD("seven", 7),
	WORD("eight", 8), WORD("nine", 9), WORD("ten", 10), WORD("eleven", 11),
	WORD("twelve", 12), WORD("thirteen", 13), WORD("fourteen", 14),
	WORD("fifteen", 15), WORD("sixteen", 16), WORD("seventeen", 17),
	WORD("eighteen", 18), WORD("nineteen", 19), WORD("twenty", 20),
	WORD("thirty", 30), WORD("forty", 40), WORD("fifty", 50), WORD("sixty", 60),
	WORD("seventy", 70), WORD("eighty", 80), WORD("ninety", 90),
};
#undef WORD

/* The value of a number word, or -1.  Called for every token: the length
 * and first letter rule out almost all of them before any compare. */
static int number_word(const char *s, uint32_t len)
{
	if (len < 3 || len > 9 || !strchr("zotfsen", s[0]))
		return -1;
	for (unsigned i = 0; i < sizeof number_words / sizeof *number_words; i++)
		if (number_words[i].len == len && memcmp(s, number_words[i].w, len) == 0)
			return number_words[i].value;
	return -1;
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
		if (!digit(text[i]) || (i && isalpha((unsigned char)text[i - 1]))) {
			i++;
			continue;
		}
		size_t j = i;
		while (j < len && (digit(text[j]) ||
		                   ((text[j] == '.' || text[j] == ',' || text[j] == '/' ||
		                     text[j] == '-') &&
		                    j + 1 < len && digit(text[j + 1]) && digit(text[j - 1]))))
			j++;
		if (j == len || !isalpha((unsigned char)text[j]))
			out[n++] = h32(XXH3_64bits_withSeed(text + i, j - i, seed));
		i = j;
	}
	return n;
}

int wf_fingerprint_article(const struct wf_fingerprint_params *p,
                           struct wf_arena *arena, struct wf_article *a)
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
	uint64_t *th64 = wf_arena_alloc(arena, nn * sizeof *th64); /* >= nw u32 x 2 */
	uint64_t *sh64 = wf_arena_alloc(arena, (nsh ? nsh : 1) * sizeof *sh64);
	fp->shingles = wf_arena_alloc(arena, (nsh ? nsh : 1) * sizeof *fp->shingles);
	fp->words = wf_arena_alloc(arena, nn * sizeof *fp->words);
	fp->numbers = wf_arena_alloc(arena, nn * sizeof *fp->numbers);
	fp->names = wf_arena_alloc(arena, nn * sizeof *fp->names);
	fp->minhash = wf_arena_alloc(arena, (size_t)p->minhash_k * sizeof *fp->minhash);
	fp->lede = wf_arena_alloc(arena, (size_t)p->lede_k * sizeof *fp->lede);
	fp->tickers = wf_arena_alloc(arena, 16 * sizeof *fp->tickers);
	if (!th64 || !sh64 || !fp->shingles || !fp->words || !fp->numbers ||
	    !fp->names || !fp->minhash || !fp->lede || !fp->tickers)
		return WF_ENOMEM;

	/* the subject's symbol stands in the headline; the body may name
	 * other companies too */
	if (a->title)
		fp->n_tickers = scan_tickers(a->title, strlen(a->title), fp->tickers, 16, p->seed);

	/* Numbers as written in the body: "16-1/4" and "6-3/8" are one figure
	 * each, which the tokens split apart. */
	bool raw_numbers = first > 0 && a->body;
	if (raw_numbers) {
		size_t bs, be, blen = strlen(a->body);
		wf_boilerplate_strip(a->body, blen, &bs, &be);
		uint32_t cap = n;
		fp->n_numbers = scan_numbers(a->body + bs, be - bs, fp->numbers, cap, p->seed);
	}
	for (uint32_t i = 0; i < n; i++) {
		const char *s = a->norm + tok[i].off;
		th64[i] = XXH3_64bits_withSeed(s, tok[i].len, p->seed);
		fp->words[i] = h32(th64[i]);
		int w;
		if (is_number(s, tok[i].len)) {
			if (!raw_numbers)
				fp->numbers[fp->n_numbers++] = h32(th64[i]);
		} else if ((w = number_word(s, tok[i].len)) >= 0) {
			char digits[4];
			int nd = snprintf(digits, sizeof digits, "%d", w);
			fp->numbers[fp->n_numbers++] =
				h32(XXH3_64bits_withSeed(digits, (size_t)nd, p->seed));
		} else if (tok[i].flags & (WF_TOK_CAP | WF_TOK_ALLCAP)) {
			fp->names[fp->n_names++] = h32(th64[i]);
		}
	}
	/* The title's names and words count too (its subject is the first
	 * fact), unless it is set in capitals, where every word looks like a
	 * name. */
	uint32_t nw = n;
	if (first > 0 && !title_all_caps(a)) {
		for (uint32_t i = 0; i < a->n_title_tokens; i++) {
			const struct wf_token *t = &a->tokens[i];
			uint32_t h = h32(XXH3_64bits_withSeed(a->norm + t->off, t->len, p->seed));
			fp->words[nw++] = h;
			if ((t->flags & (WF_TOK_CAP | WF_TOK_ALLCAP)) && !(t->flags & WF_TOK_NUM))
				fp->names[fp->n_names++] = h;
		}
	}
	for (uint32_t i = 0; i < nsh; i++) {
		uint64_t h = th64[i];
		for (unsigned j = 1; j < k && i + j < n; j++)
			h = wf_hash_combine(h, th64[i + j]);
		sh64[i] = wf_hash_finish(h);
		fp->shingles[i] = h32(sh64[i]);
	}
	uint32_t nlede = p->lede_words >= k ? p->lede_words - k + 1 : 1;
	wf_minhash_oph(sh64, nsh < nlede ? nsh : nlede, fp->lede, p->lede_k,
	               p->seed ^ 0x1ede);
	wf_minhash_oph(sh64, nsh, fp->minhash, p->minhash_k, p->seed);
	fp->simhash = wf_simhash(th64, NULL, n);
	fp->n_words = n;
	/* th64 is free again: twice n 32-bit words of scratch for the sorts */
	uint32_t *tmp = (uint32_t *)th64;
	fp->n_shingles = sort_unique(fp->shingles, tmp, nsh);
	fp->n_wordset = sort_unique(fp->words, tmp, nw);
	fp->n_numbers = sort_unique(fp->numbers, tmp, fp->n_numbers);
	fp->n_names = sort_unique(fp->names, tmp, fp->n_names);
	fp->n_tickers = sort_unique(fp->tickers, tmp, fp->n_tickers);
	return 0;
}

static int fp_init(void **self, const struct wf_config *cfg)
{
	if (cfg->fp.minhash_k == 0 || cfg->fp.minhash_k > WF_MINHASH_MAX ||
	    cfg->fp.lede_k == 0 || cfg->fp.lede_k > WF_MINHASH_MAX)
		return WF_EINVAL;
	*self = (void *)&cfg->fp;
	return 0;
}

static int fp_process(void *self, struct wf_batch *b)
{
	const struct wf_fingerprint_params *p = self;
	for (size_t i = 0; i < b->n; i++)
		if (!b->items[i].rejected &&
		    wf_fingerprint_article(p, &b->arena, &b->items[i]) < 0)
			return WF_FLOW_ERROR;
	return WF_FLOW_OK;
}

static void fp_free(void *self)
{
	(void)self; /* borrowed from the config */
}

const struct wf_stage_ops wf_fingerprint_stage = {
	.name = "fingerprint",
	.parallel = true,
	.init = fp_init,
	.process = fp_process,
	.flush = NULL,
	.free = fp_free,
};
