/* normalize.c — NFKC, tokens by Unicode category, CJK bigrams, case folding.
 *
 * Tokens are written to a scratch "sink" (stack buffers, spilling to the
 * heap for long texts) and copied, exactly sized, to the arena at the end:
 * one pass over the text, no allocation per token.
 *
 * The fast path.  Text is cut into segments at "hard" ASCII separators:
 * bytes that are not letters, digits or one of . , ' < = >.  Such a byte is
 * a starter that composes with nothing before it and nothing after it
 * (only '<' '=' '>' take a following U+0338, hence their exclusion), and it
 * always separates tokens, so NFKC and tokenization of the segments one by
 * one give exactly the result of the whole text at once.  Runs of segments
 * without a byte >= 0x80 are tokenized directly (ASCII is NFKC-stable);
 * a segment with one goes through utf8proc. */
#include "wirefold/normalize.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "wirefold/batch.h"
#include "wirefold/boilerplate.h"
#include "wirefold/error.h"
#include "wirefold/stage.h"

/* NFKC; default-ignorable code points are dropped as NFKC_Casefold does. */
#define NFKC_OPTIONS                                                         \
	((utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPAT |             \
	                     UTF8PROC_COMPOSE | UTF8PROC_IGNORE))

enum {
	SINK_BYTES = 8192,  /* norm bytes before spilling to the heap */
	SINK_TOKENS = 1024, /* tokens before spilling */
	SINK_CPS = 256,     /* code points of one non-ASCII segment */
	FOLD_MAX = 3,       /* a case folding yields at most 3 code points */
	CP_BYTES = 4,       /* UTF-8 bytes of a code point, at most */
};

/* Scratch output: norm bytes, tokens and a code point buffer. */
struct sink {
	char *buf;
	size_t len, cap;
	struct wf_token *tok;
	size_t n, tcap;
	int32_t *cp;
	size_t cpcap;
	int err; /* first error; once set, nothing more is written */
	char buf0[SINK_BYTES];
	struct wf_token tok0[SINK_TOKENS];
	int32_t cp0[SINK_CPS];
};

static void sink_init(struct sink *k)
{
	k->buf = k->buf0;
	k->len = 0;
	k->cap = SINK_BYTES;
	k->tok = k->tok0;
	k->n = 0;
	k->tcap = SINK_TOKENS;
	k->cp = k->cp0;
	k->cpcap = SINK_CPS;
	k->err = 0;
}

static void sink_close(struct sink *k)
{
	if (k->buf != k->buf0)
		free(k->buf);
	if (k->tok != k->tok0)
		free(k->tok);
	if (k->cp != (int32_t *)k->cp0)
		free(k->cp);
}

/* Grow *p (cap elements of size elem, used of them live, first in the
 * inline array) to at least need elements.  false when out of memory. */
static bool grow(void **p, const void *inline_array, size_t *cap, size_t used,
                 size_t need, size_t elem)
{
	size_t c = *cap * 2 > need ? *cap * 2 : need;
	if (c > SIZE_MAX / elem)
		return false;
	void *q;
	if (*p == inline_array) {
		q = malloc(c * elem);
		if (q && used)
			memcpy(q, inline_array, used * elem);
	} else {
		q = realloc(*p, c * elem);
	}
	if (!q)
		return false;
	*p = q;
	*cap = c;
	return true;
}

/* Room for `bytes` more norm bytes and `tokens` more tokens. */
static bool reserve(struct sink *k, size_t bytes, size_t tokens)
{
	if (k->err)
		return false;
	if (bytes > k->cap - k->len) {
		void *p = k->buf;
		if (bytes > SIZE_MAX - k->len ||
		    !grow(&p, k->buf0, &k->cap, k->len, k->len + bytes, 1))
			goto err_nomem;
		k->buf = p;
	}
	if (tokens > k->tcap - k->n) {
		void *p = k->tok;
		if (!grow(&p, k->tok0, &k->tcap, k->n, k->n + tokens, sizeof *k->tok))
			goto err_nomem;
		k->tok = p;
	}
	return true;
err_nomem:
	k->err = WF_ENOMEM;
	return false;
}

/* Start a token (after reserve): a separating space, then its offset. */
static size_t tok_open(struct sink *k)
{
	if (k->n)
		k->buf[k->len++] = ' ';
	return k->len;
}

static void tok_close(struct sink *k, size_t off, uint32_t flags)
{
	struct wf_token *t = &k->tok[k->n++];
	t->off = (uint32_t)off; /* sink_finish rejects norm beyond 4 GiB */
	t->len = (uint32_t)(k->len - off);
	t->flags = flags;
}

/* --- the ASCII path -------------------------------------------------------- */

static bool a_alpha(unsigned c)
{
	return (c | 0x20) - 'a' < 26u;
}

static bool a_upper(unsigned c)
{
	return c - 'A' < 26u;
}

static bool a_digit(unsigned c)
{
	return c - '0' < 10u;
}

/* A byte that ends any segment; see the top of the file. */
static bool hard_separator(unsigned c)
{
	return c < 0x80 && !a_alpha(c) && !a_digit(c) && c != '.' && c != ',' &&
	       c != '\'' && c != '<' && c != '=' && c != '>';
}

/* Byte classes of the ASCII path, one table look-up per byte. */
enum {
	B_ALPHA = 1, /* A-Z a-z */
	B_UPPER = 2, /* A-Z */
	B_DIGIT = 4, /* 0-9 */
	B_JOIN = 8,  /* . , ' : inside a token when between the right kinds */
};

#define BCLASS(c)                                                          \
	(((c) >= 'A' && (c) <= 'Z' ? B_ALPHA | B_UPPER : 0) |                  \
	 ((c) >= 'a' && (c) <= 'z' ? B_ALPHA : 0) |                            \
	 ((c) >= '0' && (c) <= '9' ? B_DIGIT : 0) |                            \
	 ((c) == '.' || (c) == ',' || (c) == '\'' ? B_JOIN : 0))
#define BCLASS4(c) BCLASS(c), BCLASS((c) + 1), BCLASS((c) + 2), BCLASS((c) + 3)
#define BCLASS16(c) BCLASS4(c), BCLASS4((c) + 4), BCLASS4((c) + 8), BCLASS4((c) + 12)

/* Bytes >= 0x80 never reach the ASCII path; they are in no class. */
static const unsigned char bclass[256] = {
	BCLASS16(0x00), BCLASS16(0x10), BCLASS16(0x20), BCLASS16(0x30),
	BCLASS16(0x40), BCLASS16(0x50), BCLASS16(0x60), BCLASS16(0x70),
};

#ifdef __SSE2__
/* Tokenize pure-ASCII s[0..n): runs of letters and digits, with '.' or ','
 * kept between two digits ("5.93", "155,221") and '\'' dropped between two
 * letters ("Moody's"), case-folded as they are copied.
 *
 * Whether a byte belongs to a token depends only on its class and its two
 * neighbours' (a joiner needs the right kind on both sides), so the text is
 * classified 64 bytes at a time with SSE2 into one bit mask per class, the
 * mask of token bytes is computed from them, and each token is then found
 * with a few operations on that mask and copied from the case-folded window
 * sixteen bytes at a time: no work and no branch per byte.  The next window
 * starts where the last token left unfinished began, so that only tokens of
 * 64 bytes and more run across windows. */

enum {
	WIN = 64,
	WIN_TOKENS = WIN / 2 + 1, /* most tokens that end in one window */
};

/* A window of 64 bytes of text: bit b of each mask stands for byte b. */
struct window {
	uint64_t alpha, upper, digit;
	uint64_t dotcomma; /* '.' or ',' */
	uint64_t apos;     /* '\'' */
	/* the bytes, A-Z folded to a-z; 16 more so that a token's last
	 * sixteen-byte copy stays inside */
	unsigned char folded[WIN + 16];
};

/* Lanes of v in [lo, lo + len), for any byte value: v - lo wraps below
 * len exactly then, and SSE2 has only a signed compare, hence the 0x80. */
static __m128i in_range16(__m128i v, int lo, int len)
{
	const __m128i d = _mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - lo)));
	return _mm_cmplt_epi8(d, _mm_set1_epi8((char)(-128 + len)));
}

static uint64_t lanes(__m128i m, unsigned at)
{
	return (uint64_t)(unsigned)_mm_movemask_epi8(m) << at;
}

/* Classify and case-fold the 64 bytes at p. */
static void classify_window(struct window *w, const unsigned char *p)
{
	uint64_t alpha = 0, upper = 0, digit = 0, dotcomma = 0, apos = 0;
	for (unsigned c = 0; c < WIN; c += 16) {
		const __m128i v = _mm_loadu_si128((const __m128i *)(p + c));
		const __m128i up = in_range16(v, 'A', 26);
		const __m128i al =
			in_range16(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);
		const __m128i dc =
			_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')),
			             _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
		_mm_storeu_si128((__m128i *)(w->folded + c),
		                 _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20))));
		upper |= lanes(up, c);
		alpha |= lanes(al, c);
		digit |= lanes(in_range16(v, '0', 10), c);
		dotcomma |= lanes(dc, c);
		apos |= lanes(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')), c);
	}
	w->alpha = alpha;
	w->upper = upper;
	w->digit = digit;
	w->dotcomma = dotcomma;
	w->apos = apos;
}

/* Copy the token bytes r (a run of bits from a, len long) of window w to o,
 * without their apostrophes; the new end of the output.  Up to 15 bytes
 * past it are written. */
static char *copy_run(char *o, const struct window *w, uint64_t r, unsigned a,
                      unsigned len)
{
	const unsigned char *f = w->folded + a;
	if (!(w->apos & r)) {
		memcpy(o, f, 16);
		for (unsigned x = 16; x < len; x += 16)
			memcpy(o + x, f + x, 16);
		return o + len;
	}
	for (unsigned x = 0; x < len; x++)
		if (f[x] != '\'')
			*o++ = (char)f[x];
	return o;
}

/* Flags of a token whose bytes are r and whose first byte is bit a,
 * without a branch: tokens end anywhere and mispredicted flags cost more
 * than computing all three. */
static uint32_t run_flags(const struct window *w, uint64_t r, unsigned a)
{
	const uint64_t letters = w->alpha & r;
	const bool two_letters = (letters & (letters - 1)) != 0;
	const bool no_lower = (letters & ~w->upper) == 0;
	return (uint32_t)(w->upper >> a & 1) * WF_TOK_CAP |
	       (uint32_t)((w->digit & r) != 0) * WF_TOK_NUM |
	       (uint32_t)(two_letters & no_lower) * WF_TOK_ALLCAP;
}

/* A token of 64 bytes or more, which runs across windows. */
struct long_token {
	size_t off;       /* in the sink */
	uint32_t flags;   /* WF_TOK_CAP and WF_TOK_NUM so far */
	unsigned letters; /* 2 at most per window: only "2 or more" matters */
	bool lower;       /* a lower-case letter seen */
};

/* Add the run r of window w to the long token t. */
static void long_add(struct long_token *t, const struct window *w, uint64_t r)
{
	const uint64_t letters = w->alpha & r;
	if (w->digit & r)
		t->flags |= WF_TOK_NUM;
	t->letters += (letters != 0) + ((letters & (letters - 1)) != 0);
	t->lower |= (letters & ~w->upper) != 0;
}

static void ascii_tokens(struct sink *k, const unsigned char *s, size_t n)
{
	/* Tokens and their separating spaces never outgrow the text + 1; a
	 * copy may write up to 15 bytes past the last token. */
	if (!reserve(k, n + 17, 0))
		return;
	struct window w;
	memset(w.folded + WIN, 0, 16);
	unsigned char tail[WIN];
	char *const buf = k->buf;
	char *o = buf + k->len;
	unsigned space = k->n != 0; /* before every token but the sink's first */
	struct long_token lt = {0, 0, 0, false};
	bool in_long = false;
	/* the classes of the byte before the window, in bit 0 */
	uint64_t alpha_before = 0, digit_before = 0;
	size_t p = 0;
	while (p < n) {
		if (k->tcap - k->n < WIN_TOKENS && !reserve(k, 0, WIN_TOKENS))
			return;
		struct wf_token *tk = k->tok + k->n;
		const bool last = n - p <= WIN;
		const unsigned char *src = s + p;
		if (n - p < WIN) { /* never read past the text: zeros are in no class */
			memset(tail, 0, sizeof tail);
			memcpy(tail, s + p, n - p);
			src = tail;
		}
		classify_window(&w, src);
		const unsigned after = last ? 0 : bclass[s[p + WIN]];
		const uint64_t alpha_next =
			w.alpha >> 1 | (uint64_t)((after & B_ALPHA) != 0) << 63;
		const uint64_t digit_next =
			w.digit >> 1 | (uint64_t)((after & B_DIGIT) != 0) << 63;
		uint64_t in = w.alpha | w.digit |
		              (w.dotcomma & (w.digit << 1 | digit_before) & digit_next) |
		              (w.apos & (w.alpha << 1 | alpha_before) & alpha_next);

		if (in_long) { /* its bytes in this window, from bit 0 */
			const uint64_t e = in + (in & 1); /* in if it ended with the last */
			const uint64_t r = in & ~e;
			const unsigned end = !r ? 0 : e ? (unsigned)__builtin_ctzll(e) : WIN;
			o = copy_run(o, &w, r, 0, end);
			long_add(&lt, &w, r);
			in &= e;
			if (end < WIN || last) {
				if (lt.letters >= 2 && !lt.lower)
					lt.flags |= WF_TOK_ALLCAP;
				*tk++ = (struct wf_token){(uint32_t)lt.off,
				                          (uint32_t)(o - buf - lt.off),
				                          lt.flags};
				in_long = false;
			}
		}
		while (in) {
			const uint64_t low = in & (0 - in);
			const uint64_t e = in + low; /* 0 if the run reaches bit 63 */
			if (__builtin_expect(!e, 0) && !last)
				break;
			const uint64_t r = in & ~e;
			const unsigned a = (unsigned)__builtin_ctzll(low);
			const unsigned end = e ? (unsigned)__builtin_ctzll(e) : WIN;
			*o = ' ';
			o += space;
			space = 1;
			const size_t off = (size_t)(o - buf);
			o = copy_run(o, &w, r, a, end - a);
			*tk++ = (struct wf_token){(uint32_t)off, (uint32_t)(o - buf - off),
			                          run_flags(&w, r, a)};
			in &= e;
		}
		k->n = (size_t)(tk - k->tok);

		/* in: the token that runs past the window, if any */
		unsigned step = WIN;
		if (in) {
			const unsigned a = (unsigned)__builtin_ctzll(in);
			if (a > 0) { /* the next window starts with it */
				step = a;
			} else { /* 64 bytes or more */
				*o = ' ';
				o += space;
				space = 1;
				lt = (struct long_token){(size_t)(o - buf),
				                         w.upper & 1 ? WF_TOK_CAP : 0, 0,
				                         false};
				o = copy_run(o, &w, in, 0, WIN);
				long_add(&lt, &w, in);
				in_long = true;
			}
		}
		alpha_before = w.alpha >> (step - 1) & 1;
		digit_before = w.digit >> (step - 1) & 1;
		p += step;
	}
	k->len = (size_t)(o - buf);
}
#else
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORD_AT_A_TIME 1

enum { WORD = 8 };
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS (ONES << 7)

/* Bit 7 of each byte of w set where lo <= byte <= hi; every byte of w is
 * below 0x80, so no sum carries into the next byte. */
static uint64_t in_range(uint64_t w, unsigned lo, unsigned hi)
{
	return (w + ONES * (0x80 - lo)) & ~(w + ONES * (0x7f - hi)) & HIGHS;
}

/* How many bytes of a mask of bit 7s are set (a multiply adds the bytes
 * into the top one; x86-64 has no popcount without -mpopcnt). */
static unsigned count_bytes(uint64_t mask)
{
	return (unsigned)(((mask >> 7) * ONES) >> 56);
}
#endif

/* Tokenize pure-ASCII s[0..n): runs of letters and digits, with '.' or ','
 * kept between two digits ("5.93", "155,221") and '\'' dropped between two
 * letters ("Moody's"), case-folded as they are copied.  Where the compiler
 * allows, eight bytes are classified and copied at once, so that where a
 * token ends costs no mispredicted branch. */
static void ascii_tokens(struct sink *k, const unsigned char *s, size_t n)
{
	/* Tokens and their separating spaces never outgrow the text + 1; the
	 * word-at-a-time copy writes up to 8 bytes at a time, but only while
	 * 8 bytes of text are left, so within that bound. */
	if (!reserve(k, n + 1, 0))
		return;
	size_t i = 0;
	while (i < n) {
		unsigned cl = bclass[s[i]];
		if (!(cl & (B_ALPHA | B_DIGIT))) {
			i++;
			continue;
		}
		if (k->n == k->tcap && !reserve(k, 0, 1))
			return;
		size_t off = tok_open(k);
		char *o = k->buf + k->len;
		uint32_t flags = cl & B_UPPER ? WF_TOK_CAP : 0;
		unsigned letters = 0, uppers = 0;
		size_t j = i;
		for (;;) {
#ifdef WORD_AT_A_TIME
			while (n - j >= WORD) {
				uint64_t w;
				memcpy(&w, s + j, WORD);
				const uint64_t up = in_range(w, 'A', 'Z');
				const uint64_t letter = up | in_range(w, 'a', 'z');
				const uint64_t digit = in_range(w, '0', '9');
				const uint64_t alnum = letter | digit;
				/* the bytes before the first that is not a letter or digit */
				unsigned take = WORD;
				uint64_t keep = ~UINT64_C(0);
				if (alnum != HIGHS) {
					take = (unsigned)__builtin_ctzll(~alnum & HIGHS) / 8;
					keep = take ? ~UINT64_C(0) >> (64 - 8 * take) : 0;
				}
				w |= up >> 2; /* 'A' | 0x20 == 'a' */
				memcpy(o, &w, WORD);
				o += take;
				letters += count_bytes(letter & keep);
				uppers += count_bytes(up & keep);
				if (digit & keep)
					flags |= WF_TOK_NUM;
				j += take;
				if (take < WORD)
					break;
			}
#endif
			if (j >= n)
				break;
			const unsigned c = s[j];
			cl = bclass[c];
			if (cl & B_ALPHA) {
				letters++;
				uppers += (cl & B_UPPER) != 0;
				*o++ = (char)(c | 0x20);
			} else if (cl & B_DIGIT) {
				flags |= WF_TOK_NUM;
				*o++ = (char)c;
			} else if (cl & B_JOIN && j + 1 < n) {
				/* j > i here: the token began with a letter or digit */
				const unsigned need = c == '\'' ? B_ALPHA : B_DIGIT;
				if (!(bclass[s[j - 1]] & bclass[s[j + 1]] & need))
					break;
				if (c != '\'')
					*o++ = (char)c;
			} else {
				break;
			}
			j++;
		}
		if (letters >= 2 && uppers == letters)
			flags |= WF_TOK_ALLCAP;
		k->len = (size_t)(o - k->buf);
		tok_close(k, off, flags);
		i = j;
	}
}

#endif

/* --- the Unicode path ------------------------------------------------------ */

enum cp_class { CP_SEP, CP_WORD, CP_CJK };

struct cp_info {
	unsigned char cls;    /* enum cp_class */
	unsigned char letter; /* L* */
	unsigned char upper;  /* Lu or Lt */
	unsigned char digit;  /* N* */
};

/* Blocks of Han, Hiragana, Katakana and Hangul, and their compatibility
 * and halfwidth forms; a letter, mark or digit in one is CJK. */
static bool cjk_block(int32_t c)
{
	return (c >= 0x1100 && c <= 0x11FF) ||   /* Hangul Jamo */
	       (c >= 0x2E80 && c <= 0x2FDF) ||   /* CJK and Kangxi radicals */
	       (c >= 0x3005 && c <= 0x3007) ||   /* iteration mark, 〇 */
	       (c >= 0x3021 && c <= 0x3029) ||   /* Hangzhou numerals */
	       (c >= 0x3031 && c <= 0x303C) ||   /* kana repeat marks, 〻 */
	       (c >= 0x3040 && c <= 0x30FF) ||   /* Hiragana, Katakana */
	       (c >= 0x3130 && c <= 0x318F) ||   /* Hangul compatibility Jamo */
	       (c >= 0x31F0 && c <= 0x33FF) ||   /* Katakana ext., CJK compat. */
	       (c >= 0x3400 && c <= 0x4DBF) ||   /* CJK ext. A */
	       (c >= 0x4E00 && c <= 0x9FFF) ||   /* CJK unified ideographs */
	       (c >= 0xA960 && c <= 0xA97F) ||   /* Hangul Jamo ext. A */
	       (c >= 0xAC00 && c <= 0xD7FF) ||   /* Hangul syllables, ext. B */
	       (c >= 0xF900 && c <= 0xFAFF) ||   /* CJK compat. ideographs */
	       (c >= 0xFF66 && c <= 0xFFDC) ||   /* halfwidth Katakana, Hangul */
	       (c >= 0x1B000 && c <= 0x1B16F) || /* Kana supplement, ext. A */
	       (c >= 0x20000 && c <= 0x3134F);   /* CJK ext. B-G, compat. sup. */
}

static struct cp_info classify(int32_t c)
{
	struct cp_info r = {CP_SEP, 0, 0, 0};
	if (c < 0x80) {
		r.letter = a_alpha((unsigned)c);
		r.upper = a_upper((unsigned)c);
		r.digit = a_digit((unsigned)c);
		if (r.letter || r.digit)
			r.cls = CP_WORD;
		return r;
	}
	utf8proc_category_t cat = utf8proc_category(c);
	if (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) {
		r.letter = 1;
		r.upper = cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
	} else if (cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO) {
		r.digit = 1;
	} else if (cat < UTF8PROC_CATEGORY_MN || cat > UTF8PROC_CATEGORY_ME) {
		return r;
	}
	r.cls = cjk_block(c) ? CP_CJK : CP_WORD;
	return r;
}

static bool is_apostrophe(int32_t c)
{
	return c == '\'' || c == 0x2019;
}

/* Append the case folding of c (after reserve of FOLD_MAX*CP_BYTES). */
static void put_folded(struct sink *k, int32_t c)
{
	unsigned char *o = (unsigned char *)k->buf + k->len;
	if (c < 0x80) {
		*o = (unsigned char)(a_upper((unsigned)c) ? c | 0x20 : c);
		k->len++;
		return;
	}
	utf8proc_int32_t f[FOLD_MAX + 1];
	utf8proc_ssize_t m = utf8proc_decompose_char(c, f, FOLD_MAX + 1,
	                                             UTF8PROC_CASEFOLD, NULL);
	if (m < 1 || m > FOLD_MAX) {
		f[0] = c;
		m = 1;
	}
	for (utf8proc_ssize_t t = 0; t < m; t++)
		o += utf8proc_encode_char(f[t], o);
	k->len = (size_t)(o - (unsigned char *)k->buf);
}

/* A run of CJK characters: bigrams c1c2, c2c3, …; a lone one alone. */
static void cjk_tokens(struct sink *k, const int32_t *cp, size_t m)
{
	size_t width = m > 1 ? 2 : 1;
	for (size_t t = 0; t + width <= m; t++) {
		if (!reserve(k, 1 + width * FOLD_MAX * CP_BYTES, 1))
			return;
		size_t off = tok_open(k);
		for (size_t w = 0; w < width; w++)
			put_folded(k, cp[t + w]);
		tok_close(k, off, WF_TOK_CJK);
	}
}

/* Tokenize NFKC code points cp[0..m). */
static void cp_tokens(struct sink *k, const int32_t *cp, size_t m)
{
	size_t i = 0;
	while (i < m && !k->err) {
		struct cp_info c = classify(cp[i]);
		if (c.cls == CP_SEP) {
			i++;
			continue;
		}
		size_t j = i + 1;
		if (c.cls == CP_CJK) {
			while (j < m && classify(cp[j]).cls == CP_CJK)
				j++;
			cjk_tokens(k, cp + i, j - i);
			i = j;
			continue;
		}
		uint32_t flags = c.upper ? WF_TOK_CAP : 0;
		unsigned letters = 0, uppers = 0;
		struct cp_info prev = {CP_SEP, 0, 0, 0};
		for (j = i; j < m; j++) {
			struct cp_info d = classify(cp[j]);
			if (d.cls == CP_WORD) {
				letters += d.letter;
				uppers += d.upper;
				if (d.digit)
					flags |= WF_TOK_NUM;
				prev = d;
				continue;
			}
			if (j + 1 >= m)
				break;
			struct cp_info next = classify(cp[j + 1]);
			if (next.cls != CP_WORD)
				break;
			if ((cp[j] == '.' || cp[j] == ',') && prev.digit && next.digit) {
				/* "5.93" */
			} else if (is_apostrophe(cp[j]) && prev.cls == CP_WORD &&
			           !prev.digit && next.letter) {
				/* after a letter or mark, before a letter: dropped */
			} else {
				break;
			}
			prev = (struct cp_info){CP_SEP, 0, 0, 0};
		}
		if (letters >= 2 && uppers == letters)
			flags |= WF_TOK_ALLCAP;
		if (!reserve(k, 1 + (j - i) * FOLD_MAX * CP_BYTES, 1))
			return;
		size_t off = tok_open(k);
		for (size_t t = i; t < j; t++)
			if (!is_apostrophe(cp[t]))
				put_folded(k, cp[t]);
		tok_close(k, off, flags);
		i = j;
	}
}

/* NFKC and tokenize valid UTF-8 s[0..n). */
static void nfkc_tokens(struct sink *k, const unsigned char *s, size_t n)
{
	if (n > k->cpcap) {
		void *p = k->cp;
		if (!grow(&p, k->cp0, &k->cpcap, 0, n, sizeof *k->cp)) {
			k->err = WF_ENOMEM;
			return;
		}
		k->cp = p;
	}
	utf8proc_ssize_t m = utf8proc_decompose(s, (utf8proc_ssize_t)n, k->cp,
	                                        (utf8proc_ssize_t)k->cpcap,
	                                        NFKC_OPTIONS);
	if (m > (utf8proc_ssize_t)k->cpcap) { /* compatibility forms expand */
		void *p = k->cp;
		if (!grow(&p, k->cp0, &k->cpcap, 0, (size_t)m, sizeof *k->cp)) {
			k->err = WF_ENOMEM;
			return;
		}
		k->cp = p;
		m = utf8proc_decompose(s, (utf8proc_ssize_t)n, k->cp,
		                       (utf8proc_ssize_t)k->cpcap, NFKC_OPTIONS);
	}
	if (m > 0)
		m = utf8proc_normalize_utf32(k->cp, m, NFKC_OPTIONS);
	/* m < 0 cannot happen on text validated by the caller; if it did,
	 * the segment would be dropped like invalid bytes. */
	if (m > 0)
		cp_tokens(k, k->cp, (size_t)m);
}

/* Tokenize s[0..n) through utf8proc; invalid UTF-8 bytes separate. */
static void unicode_tokens(struct sink *k, const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n && !k->err) {
		size_t j = i;
		while (j < n) {
			if (s[j] < 0x80) {
				j++;
				continue;
			}
			utf8proc_int32_t c;
			utf8proc_ssize_t l = utf8proc_iterate(s + j, (utf8proc_ssize_t)(n - j), &c);
			if (l <= 0)
				break;
			j += (size_t)l;
		}
		if (j > i)
			nfkc_tokens(k, s + i, j - i);
		i = j + 1; /* past the invalid byte */
	}
}

/* --- driver ----------------------------------------------------------------- */

/* The first byte >= 0x80 in s[i..n), or n. */
static size_t first_high(const unsigned char *s, size_t i, size_t n)
{
	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (w & UINT64_C(0x8080808080808080))
			break;
	}
	while (i < n && s[i] < 0x80)
		i++;
	return i;
}

static void text_tokens(struct sink *k, const unsigned char *s, size_t n,
                        unsigned flags)
{
	if (flags & WF_NORM_NO_FASTPATH) {
		unicode_tokens(k, s, n);
		return;
	}
	size_t i = 0;
	while (i < n && !k->err) {
		size_t p = first_high(s, i, n);
		if (p == n) {
			ascii_tokens(k, s + i, n - i);
			return;
		}
		size_t a = p, b = p;
		while (a > i && !hard_separator(s[a - 1]))
			a--;
		while (b < n && !hard_separator(s[b]))
			b++;
		ascii_tokens(k, s + i, a - i);
		unicode_tokens(k, s + a, b - a);
		i = b;
	}
}

static int sink_finish(struct sink *k, struct wf_arena *arena,
                       struct wf_normalized *out)
{
	if (k->err)
		return k->err;
	if (k->len > UINT32_MAX || k->n > UINT32_MAX)
		return WF_ETOOLONG;
	char *norm = wf_arena_strndup(arena, k->buf, k->len);
	if (!norm)
		return WF_ENOMEM;
	/* never NULL, so that callers may memcpy/memcmp zero tokens */
	struct wf_token *tokens =
		wf_arena_alloc(arena, (k->n ? k->n : 1) * sizeof *tokens);
	if (!tokens)
		return WF_ENOMEM;
	if (k->n)
		memcpy(tokens, k->tok, k->n * sizeof *tokens);
	out->norm = norm;
	out->norm_len = k->len;
	out->tokens = tokens;
	out->n_tokens = (uint32_t)k->n;
	return 0;
}

int wf_normalize_text(struct wf_arena *arena, const char *text, size_t len,
                      unsigned flags, struct wf_normalized *out)
{
	struct sink k;
	sink_init(&k);
	if (text)
		text_tokens(&k, (const unsigned char *)text, len, flags);
	int rc = sink_finish(&k, arena, out);
	sink_close(&k);
	return rc;
}

int wf_normalize_article(struct wf_arena *arena, struct wf_article *a)
{
	struct sink k;
	struct wf_normalized out;
	sink_init(&k);

	const char *title = a->title ? a->title : "";
	text_tokens(&k, (const unsigned char *)title, strlen(title), 0);
	size_t n_title = k.n;

	const char *body = a->body ? a->body : "";
	size_t start = 0, end = 0;
	wf_boilerplate_strip(body, strlen(body), &start, &end);
	text_tokens(&k, (const unsigned char *)body + start, end - start, 0);

	int rc = sink_finish(&k, arena, &out);
	sink_close(&k);
	if (rc < 0)
		return rc;
	a->norm = out.norm;
	a->norm_len = out.norm_len;
	a->tokens = out.tokens;
	a->n_tokens = out.n_tokens;
	a->n_title_tokens = (uint32_t)n_title;
	a->body_start = start;
	a->body_end = end;
	return 0;
}

/* --- the stage ---------------------------------------------------------------- */

static int normalize_init(void **self, const struct wf_config *cfg)
{
	(void)cfg;
	*self = NULL; /* stateless */
	return 0;
}

static int normalize_process(void *self, struct wf_batch *b)
{
	(void)self;
	for (size_t i = 0; i < b->n; i++) {
		struct wf_article *a = &b->items[i];
		if (a->rejected)
			continue;
		int rc = wf_normalize_article(&b->arena, a);
		if (rc == WF_ETOOLONG) {
			wf_batch_reject(b, a, rc, "normalized text too long");
		} else if (rc < 0) {
			fprintf(stderr, "wirefold: normalize: line %llu: %s\n",
			        (unsigned long long)a->line_no, wf_strerror(rc));
			return WF_FLOW_ERROR;
		}
	}
	return WF_FLOW_OK;
}

static void normalize_free(void *self)
{
	(void)self;
}

const struct wf_stage_ops wf_normalize_stage = {
	.name = "normalize",
	.parallel = true,
	.init = normalize_init,
	.process = normalize_process,
	.flush = NULL,
	.free = normalize_free,
};
