#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/theories.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wirefold/arena.h"
#include "wirefold/article.h"
#include "wirefold/batch.h"
#include "wirefold/error.h"
#include "wirefold/normalize.h"
#include "wirefold/stage.h"

/* Criterion runs each case in another process and copies its parameter
 * there, where pointers into this process are meaningless: a parameter is
 * an index into a static table, which both processes have. */
static size_t *indices(size_t n)
{
	static size_t idx[256];
	cr_assert_leq(n, sizeof idx / sizeof idx[0]);
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	return idx;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The tokens of r joined by single spaces, checked against r->norm. */
static void check_layout(const struct wf_normalized *r)
{
	size_t at = 0;
	for (uint32_t t = 0; t < r->n_tokens; t++) {
		const struct wf_token *k = &r->tokens[t];
		cr_assert_eq(k->off, at, "token %u at %u, want %zu", t, k->off, at);
		cr_assert_gt(k->len, 0);
		cr_assert_leq((size_t)k->off + k->len, r->norm_len);
		cr_assert_eq(memchr(r->norm + k->off, ' ', k->len), NULL);
		at = (size_t)k->off + k->len;
		if (t + 1 < r->n_tokens) {
			cr_assert_eq(r->norm[at], ' ');
			at++;
		}
	}
	cr_assert_eq(at, r->norm_len);
	cr_assert_eq(r->norm[r->norm_len], '\0');
	cr_assert_eq(strlen(r->norm), r->norm_len);
}

static struct wf_normalized run(struct wf_arena *a, const char *text, size_t len,
                                unsigned flags)
{
	struct wf_normalized r;
	cr_assert_eq(wf_normalize_text(a, text, len, flags, &r), 0);
	check_layout(&r);
	return r;
}

struct norm_case {
	const char *name;
	const char *in;
	const char *norm;
};

static const struct norm_case tokens_cases[] = {
	{"empty", "", ""},
	{"only separators", "  ... -- !? ", ""},
	{"words and punctuation", "Hello, World!", "hello world"},
	{"lines", "Showers continued in the\nBahia zone.", "showers continued in the bahia zone"},
	{"numbers with separators", "155,221 bags of 5.93 mln", "155,221 bags of 5.93 mln"},
	{"separators not between digits", "1,2,3 and 1..2 and 3. and ,5 x.5",
	 "1,2,3 and 1 2 and 3 and 5 x 5"},
	{"apostrophes dropped inside words",
	 "Moody's don\xe2\x80\x99t O'Brien rock'n'roll", "moodys dont obrien rocknroll"},
	{"apostrophes at edges split", "'quoted' 80's", "quoted 80 s"},
	{"composed accents", "Caf\xc3\xa9 Cr\xc3\xa8me", "caf\xc3\xa9 cr\xc3\xa8me"},
	{"decomposed accent composes", "Cafe\xcc\x81", "caf\xc3\xa9"},
	{"ligatures", "\xef\xac\x81nancial \xef\xac\x82ow", "financial flow"},
	{"fullwidth", "\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93",
	 "abc123"},
	{"sharp s folds", "Stra\xc3\x9f" "e STRASSE", "strasse strasse"},
	{"greek sigma", "\xce\x9f\xce\x94\xce\xa5\xce\xa3\xce\xa3\xce\x95\xce\xa5\xce\xa3",
	 "\xce\xbf\xce\xb4\xcf\x85\xcf\x83\xcf\x83\xce\xb5\xcf\x85\xcf\x83"},
	{"cyrillic", "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xd0\x9c\xd0\x9e",
	 "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xd0\xbc\xd0\xbe"},
	{"dotted capital I", "\xc4\xb0stanbul", "i\xcc\x87stanbul"},
	{"han bigrams", "\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd",
	 "\xe6\x9d\xb1\xe4\xba\xac \xe4\xba\xac\xe9\x83\xbd"},
	{"lone han", "\xe6\x97\xa5", "\xe6\x97\xa5"},
	{"katakana with long mark", "\xe3\x82\xbd\xe3\x83\x8b\xe3\x83\xbc",
	 "\xe3\x82\xbd\xe3\x83\x8b \xe3\x83\x8b\xe3\x83\xbc"},
	{"halfwidth katakana", "\xef\xbd\xbf\xef\xbe\x86\xef\xbd\xb0",
	 "\xe3\x82\xbd\xe3\x83\x8b \xe3\x83\x8b\xe3\x83\xbc"},
	{"hangul", "\xec\x84\x9c\xec\x9a\xb8\xec\x8b\x9c",
	 "\xec\x84\x9c\xec\x9a\xb8 \xec\x9a\xb8\xec\x8b\x9c"},
	{"ideographic punctuation separates",
	 "\xe6\x9d\xb1\xe4\xba\xac\xe3\x80\x82\xe6\x97\xa5\xe6\x9c\xac",
	 "\xe6\x9d\xb1\xe4\xba\xac \xe6\x97\xa5\xe6\x9c\xac"},
	{"mixed scripts", "Sony\xe6\x9d\xb1\xe4\xba\xac" "2023\xe5\xb9\xb4",
	 "sony \xe6\x9d\xb1\xe4\xba\xac 2023 \xe5\xb9\xb4"},
	{"emoji separate", "good\xf0\x9f\x91\x8dnews \xe2\x9d\xa4\xef\xb8\x8flove",
	 "good news love"},
	{"soft hyphen ignored", "co\xc2\xadoperate", "cooperate"},
	{"invalid bytes separate", "abc\xff" "def \xc3 ghi \xe2\x82", "abc def ghi"},
	{"overlong and surrogate separate", "a\xc0\xafz b\xed\xa0\x80y", "a z b y"},
	{"superscript and fraction", "x\xc2\xb2 \xc2\xbd", "x2 1 2"},
	{"not-equal composes and separates", "a=\xcc\xb8" "b", "a b"},
	{"marks stay in the token",
	 "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87",
	 "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87"},
	{"arabic-indic digits", "\xd9\xa1\xd9\xa2,\xd9\xa3", "\xd9\xa1\xd9\xa2,\xd9\xa3"},
	{"underscore and symbols separate", "snake_case a+b c/d", "snake case a b c d"},
};

ParameterizedTestParameters(normalize, tokens)
{
	return cr_make_param_array(size_t, indices(COUNT(tokens_cases)),
	                           COUNT(tokens_cases));
}

ParameterizedTest(size_t *i, normalize, tokens)
{
	const struct norm_case *c = &tokens_cases[*i];
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (unsigned flags = 0; flags <= WF_NORM_NO_FASTPATH; flags++) {
		struct wf_normalized r = run(&a, c->in, strlen(c->in), flags);
		cr_assert_str_eq(r.norm, c->norm, "%s (flags %u)", c->name, flags);
	}
	wf_arena_close(&a);
}

struct flag_case {
	const char *in;
	uint32_t flags;
};

enum { N = WF_TOK_NUM, C = WF_TOK_CAP, A = WF_TOK_ALLCAP, J = WF_TOK_CJK };

static const struct flag_case flags_cases[] = {
	{"NASA", C | A},
	{"Nasa", C},
	{"nASA", 0},
	{"A", C},
	{"US", C | A},
	{"A1", C | N},
	{"B2B", C | A | N},
	{"3D", N},
	{"155,221", N},
	{"iPhone", 0},
	{"MOODY'S", C | A},
	{"\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\xa3", C | A},        /* fullwidth ABC */
	{"\xc3\x89lys\xc3\xa9" "e", C},                          /* Élysée */
	{"\xc3\x89LYS\xc3\x89" "E", C | A},                      /* ÉLYSÉE */
	{"\xc7\x85" "emal", C},                                  /* titlecase Dž */
	{"\xc3\x9f", 0},                                         /* ß */
	{"\xe1\xba\x9e", C},                                     /* capital ẞ */
	{"\xd9\xa1\xd9\xa2", N},                                 /* Arabic-Indic */
	{"\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7", 0},         /* uncased letters */
	{"\xe6\x9d\xb1\xe4\xba\xac", J},
};

ParameterizedTestParameters(normalize, flags)
{
	return cr_make_param_array(size_t, indices(COUNT(flags_cases)),
	                           COUNT(flags_cases));
}

ParameterizedTest(size_t *i, normalize, flags)
{
	const struct flag_case *c = &flags_cases[*i];
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (unsigned flags = 0; flags <= WF_NORM_NO_FASTPATH; flags++) {
		struct wf_normalized r = run(&a, c->in, strlen(c->in), flags);
		cr_assert_eq(r.n_tokens, 1, "%s", c->in);
		cr_assert_eq(r.tokens[0].flags, c->flags, "%s: flags %u, want %u", c->in,
		             r.tokens[0].flags, c->flags);
	}
	wf_arena_close(&a);
}

Test(normalize, empty_and_null_text)
{
	struct wf_arena a;
	wf_arena_init(&a, 0);
	struct wf_normalized r = run(&a, NULL, 0, 0);
	cr_assert_eq(r.n_tokens, 0);
	cr_assert_not_null(r.tokens); /* so memcpy of 0 tokens is defined */
	cr_assert_str_eq(r.norm, "");
	wf_arena_close(&a);
}

/* xorshift64*: deterministic test data */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static void assert_paths_agree(struct wf_arena *a, const char *text, size_t len)
{
	struct wf_normalized fast = run(a, text, len, 0);
	struct wf_normalized slow = run(a, text, len, WF_NORM_NO_FASTPATH);
	cr_assert_eq(fast.norm_len, slow.norm_len);
	cr_assert_eq(memcmp(fast.norm, slow.norm, fast.norm_len), 0, "%s | %s",
	             fast.norm, slow.norm);
	cr_assert_eq(fast.n_tokens, slow.n_tokens);
	cr_assert_eq(memcmp(fast.tokens, slow.tokens,
	                    fast.n_tokens * sizeof *fast.tokens), 0);
}

TheoryDataPoints(normalize, ascii_fast_path_equals_utf8proc) = {
	DataPoints(unsigned, 1, 2, 3, 4, 5, 6, 7, 8),
};

/* Random ASCII, biased to the characters that matter ('.', ',', '\'',
 * digits, capitals), is tokenized identically with and without utf8proc. */
Theory((unsigned seed), normalize, ascii_fast_path_equals_utf8proc)
{
	static const char bias[] = "..,,''0123456789ABCZabcz   \n";
	uint64_t s = UINT64_C(0x9e3779b97f4a7c15) * seed;
	char buf[256];
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (int round = 0; round < 500; round++) {
		size_t len = next_rand(&s) % sizeof buf;
		for (size_t i = 0; i < len; i++) {
			uint64_t r = next_rand(&s);
			buf[i] = (r & 1) ? bias[(r >> 8) % (sizeof bias - 1)]
			                 : (char)(1 + (r >> 8) % 127);
		}
		assert_paths_agree(&a, buf, len);
	}
	wf_arena_close(&a);
}

TheoryDataPoints(normalize, ascii_long_words_equal_utf8proc) = {
	DataPoints(unsigned, 1, 2, 3, 4),
};

/* Words of every length up to 40, glued with the joiners, so that the
 * tokenizer's eight-bytes-at-a-time copy meets every token end, joiner and
 * text end at every offset in its word; the text sits at every alignment. */
Theory((unsigned seed), normalize, ascii_long_words_equal_utf8proc)
{
	static const char alnum[] = "abcxyzABCXYZ0123456789";
	static const char glue[] = " .,'-\n\t";
	uint64_t s = UINT64_C(0x2545f4914f6cdd1d) * seed;
	char buf[520];
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (int round = 0; round < 400; round++) {
		size_t shift = next_rand(&s) % 8, len = shift;
		while (len < sizeof buf - 48) {
			size_t w = next_rand(&s) % 41;
			uint64_t kind = next_rand(&s) % 4; /* lower, upper, digits, mixed */
			for (size_t i = 0; i < w; i++) {
				uint64_t r = next_rand(&s);
				buf[len++] = kind == 0   ? alnum[r % 6]
				             : kind == 1 ? alnum[6 + r % 6]
				             : kind == 2 ? alnum[12 + r % 10]
				                         : alnum[r % (sizeof alnum - 1)];
			}
			buf[len++] = glue[next_rand(&s) % (sizeof glue - 1)];
			if (next_rand(&s) % 8 == 0)
				break;
		}
		assert_paths_agree(&a, buf + shift, len - shift - (next_rand(&s) % 2));
	}
	wf_arena_close(&a);
}

/* The ASCII rules one byte at a time, as simply as they can be written:
 * the reference for the tokenizer, which works on 64 bytes at once. */
static bool ref_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ref_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

struct ref_result {
	char norm[1024];
	size_t len;
	struct wf_token tok[512];
	size_t n;
};

static void ref_tokens(const unsigned char *s, size_t n, struct ref_result *r)
{
	r->len = r->n = 0;
	size_t i = 0;
	while (i < n) {
		if (!ref_alpha(s[i]) && !ref_digit(s[i])) {
			i++;
			continue;
		}
		if (r->n)
			r->norm[r->len++] = ' ';
		const size_t off = r->len;
		uint32_t flags = s[i] >= 'A' && s[i] <= 'Z' ? WF_TOK_CAP : 0;
		unsigned letters = 0, uppers = 0;
		size_t j = i;
		for (; j < n; j++) {
			const unsigned char c = s[j];
			const bool inner = j > i && j + 1 < n;
			if (ref_alpha(c)) {
				letters++;
				uppers += c <= 'Z';
				r->norm[r->len++] = (char)(c <= 'Z' ? c + 32 : c);
			} else if (ref_digit(c)) {
				flags |= WF_TOK_NUM;
				r->norm[r->len++] = (char)c;
			} else if ((c == '.' || c == ',') && inner && ref_digit(s[j - 1]) &&
			           ref_digit(s[j + 1])) {
				r->norm[r->len++] = (char)c;
			} else if (c == '\'' && inner && ref_alpha(s[j - 1]) &&
			           ref_alpha(s[j + 1])) {
				/* dropped */
			} else {
				break;
			}
		}
		if (letters >= 2 && uppers == letters)
			flags |= WF_TOK_ALLCAP;
		r->tok[r->n++] = (struct wf_token){(uint32_t)off,
		                                   (uint32_t)(r->len - off), flags};
		i = j;
	}
	r->norm[r->len] = '\0';
}

/* The tokenizer gives the reference's tokens for ASCII text s[0..n). */
static void assert_like_reference(struct wf_arena *a, const char *s, size_t n)
{
	static struct ref_result want;
	cr_assert_lt(n, COUNT(want.tok));
	ref_tokens((const unsigned char *)s, n, &want);
	struct wf_normalized got = run(a, s, n, 0);
	cr_assert_eq(got.norm_len, want.len, "%.*s: %s | %s", (int)n, s, got.norm,
	             want.norm);
	cr_assert_eq(memcmp(got.norm, want.norm, want.len), 0, "%.*s: %s | %s",
	             (int)n, s, got.norm, want.norm);
	cr_assert_eq(got.n_tokens, want.n, "%.*s", (int)n, s);
	for (size_t t = 0; t < want.n; t++) {
		cr_assert_eq(got.tokens[t].off, want.tok[t].off);
		cr_assert_eq(got.tokens[t].len, want.tok[t].len);
		cr_assert_eq(got.tokens[t].flags, want.tok[t].flags,
		             "%.*s: token %zu flags %u, want %u", (int)n, s, t,
		             got.tokens[t].flags, want.tok[t].flags);
	}
}

/* A token of every length from 1 to 140 (lower case, capitalised, capitals,
 * digits around a joiner, a word with an apostrophe, a figure with commas)
 * after every offset from 0 to 70: it starts, ends and has its joiner at
 * every position of a 64-byte window and runs across one or two. */
Test(normalize, every_token_length_at_every_offset)
{
	static const char *const lead[] = {"", " ", "x ", ".", "'", "1,", "ab."};
	struct wf_arena a;
	wf_arena_init(&a, 0);
	char buf[300];
	for (unsigned kind = 0; kind < 6; kind++) {
		for (size_t len = 1; len <= 140; len++) {
			for (size_t off = 0; off <= 70; off++) {
				const char *l = lead[(len + off + kind) % COUNT(lead)];
				size_t n = strlen(l);
				memcpy(buf, l, n);
				for (; n < off; n++)
					buf[n] = n % 5 ? ' ' : '-';
				for (size_t i = 0; i < len; i++) {
					const char c = "abcdefghij"[(i * 7 + off) % 10];
					const char d = (char)('0' + i % 10);
					const bool mid = i && i == len / 2;
					buf[n++] = kind == 0   ? c
					           : kind == 1 ? (i ? c : 'Q')
					           : kind == 2 ? (char)(c - 32)
					           : kind == 3 ? (mid ? '.' : d)
					           : kind == 4 ? (mid ? '\'' : c)
					                       : (i % 3 == 2 ? ',' : d);
				}
				assert_like_reference(&a, buf, n);
				buf[n++] = (len & 1) ? ' ' : '.';
				buf[n++] = (off & 1) ? '9' : 'Z';
				assert_like_reference(&a, buf, n);
			}
		}
		wf_arena_reset(&a);
	}
	wf_arena_close(&a);
}

TheoryDataPoints(normalize, ascii_tokens_equal_reference) = {
	DataPoints(unsigned, 1, 2, 3, 4, 5, 6, 7, 8),
};

/* Random ASCII of lengths around multiples of 16 and 64, dense in
 * joiners, apostrophes and long runs, against the byte-at-a-time rules. */
Theory((unsigned seed), normalize, ascii_tokens_equal_reference)
{
	static const char pick[] = "..,,,''''0123456789AZaz  \n-";
	static const size_t lens[] = {0,  1,  2,  15, 16, 17, 31, 32,  33,  47,  48,
	                              49, 63, 64, 65, 95, 96, 97, 127, 128, 129, 200};
	uint64_t s = UINT64_C(0x94d049bb133111eb) * seed;
	char buf[256];
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (int round = 0; round < 2000; round++) {
		const size_t len = lens[next_rand(&s) % COUNT(lens)];
		const uint64_t mode = next_rand(&s) % 3;
		for (size_t i = 0; i < len; i++) {
			const uint64_t r = next_rand(&s);
			if (mode == 0) /* any ASCII */
				buf[i] = (char)(r % 128);
			else if (mode == 1) /* the bytes that matter */
				buf[i] = pick[r % (sizeof pick - 1)];
			else /* long words, rare separators */
				buf[i] = r % 23 ? "aB3x.,'"[r % 7] : ' ';
		}
		assert_like_reference(&a, buf, len);
		if (round % 64 == 0)
			wf_arena_reset(&a);
	}
	wf_arena_close(&a);
}

/* A non-ASCII character (or an invalid byte) at every position of ASCII
 * text of lengths around a window's: the text is cut into segments around
 * it, and the result must still be utf8proc's. */
Test(normalize, non_ascii_at_every_position)
{
	static const char *const odd[] = {"\xc3\xa9", "\xff", "\xe2\x80\x99", "\xcc\x81"};
	static const char text[] =
		"Moody's said 5.93 pct, or 155,221 BAGS, in the U.S. on Tuesday; "
		"ALL-CAPS and x1y2z3 tokens 1,000,000.50 don't stop at 64 bytes.";
	struct wf_arena a;
	wf_arena_init(&a, 0);
	char buf[sizeof text + 8];
	for (size_t o = 0; o < COUNT(odd); o++) {
		const size_t m = strlen(odd[o]);
		for (size_t len = 60; len <= sizeof text - 1; len += len < 70 ? 1 : 29) {
			for (size_t at = 0; at <= len; at++) {
				memcpy(buf, text, at);
				memcpy(buf + at, odd[o], m);
				memcpy(buf + at + m, text + at, len - at);
				assert_paths_agree(&a, buf, len + m);
			}
			wf_arena_reset(&a);
		}
	}
	wf_arena_close(&a);
}

TheoryDataPoints(normalize, segments_equal_whole_text) = {
	DataPoints(unsigned, 11, 12, 13, 14, 15, 16),
};

/* ASCII mixed with characters that compose, decompose, expand, vanish or
 * are invalid: cutting at hard separators never changes the result. */
Theory((unsigned seed), normalize, segments_equal_whole_text)
{
	static const char *const pieces[] = {
		"a", "E", "1", ".", ",", "'", " ", "-", "=", "<", ">", "(", "\n",
		"\xcc\x81",          /* combining acute */
		"\xcc\xb8",          /* combining long solidus overlay */
		"\xcc\xa3",          /* combining dot below (reorders) */
		"\xc3\xa9",          /* é */
		"\xef\xac\x81",      /* ﬁ */
		"\xef\xbc\xa1",      /* fullwidth A */
		"\xc3\x9f",          /* ß */
		"\xc2\xad",          /* soft hyphen */
		"\xe2\x80\x99",      /* right single quote */
		"\xe6\x9d\xb1",      /* 東 */
		"\xe3\x83\xbc",      /* ー */
		"\xe2\x91\xa0",      /* ① */
		"\xc2\xbd",          /* ½ */
		"\xef\xb7\xba",      /* U+FDFA, expands to 18 characters */
		"\xf0\x9f\x91\x8d",  /* emoji */
		"\xe1\x84\x80",      /* Hangul choseong */
		"\xe1\x85\xa1",      /* Hangul jungseong: composes with it */
		"\xff",              /* invalid */
		"\xe2\x82",          /* truncated */
	};
	enum { NP = sizeof pieces / sizeof pieces[0] };
	uint64_t s = UINT64_C(0x2545f4914f6cdd1d) * seed;
	char buf[512];
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (int round = 0; round < 400; round++) {
		size_t len = 0, want = next_rand(&s) % 120;
		for (size_t i = 0; i < want; i++) {
			const char *p = pieces[next_rand(&s) % NP];
			memcpy(buf + len, p, strlen(p));
			len += strlen(p);
		}
		assert_paths_agree(&a, buf, len);
	}
	wf_arena_close(&a);
}

Test(normalize, long_texts_spill_to_the_heap)
{
	struct wf_arena a;
	wf_arena_init(&a, 0);
	/* 5000 ASCII tokens: more than the stack scratch holds */
	size_t n = 5000;
	char *ascii = malloc(2 * n);
	for (size_t i = 0; i < n; i++) {
		ascii[2 * i] = 'A';
		ascii[2 * i + 1] = ' ';
	}
	struct wf_normalized r = run(&a, ascii, 2 * n, 0);
	cr_assert_eq(r.n_tokens, n);
	cr_assert_eq(r.tokens[n - 1].flags, WF_TOK_CAP);
	free(ascii);

	/* 3000 Han characters without a space: one segment of 9000 bytes */
	size_t m = 3000;
	char *han = malloc(3 * m);
	for (size_t i = 0; i < m; i++)
		memcpy(han + 3 * i, (i & 1) ? "\xe4\xba\xac" : "\xe6\x9d\xb1", 3);
	for (unsigned flags = 0; flags <= WF_NORM_NO_FASTPATH; flags++) {
		r = run(&a, han, 3 * m, flags);
		cr_assert_eq(r.n_tokens, m - 1);
		cr_assert_eq(r.norm_len, (m - 1) * 7 - 1);
		cr_assert_eq(memcmp(r.norm + r.tokens[m - 2].off,
		                    "\xe6\x9d\xb1\xe4\xba\xac", 6), 0);
	}
	free(han);

	/* U+FDFA expands 3 bytes to 33: the code point buffer must grow */
	size_t k = 400;
	char *wide = malloc(3 * k);
	for (size_t i = 0; i < k; i++)
		memcpy(wide + 3 * i, "\xef\xb7\xba", 3);
	struct wf_normalized f = run(&a, wide, 3 * k, 0);
	struct wf_normalized g = run(&a, wide, 3 * k, WF_NORM_NO_FASTPATH);
	/* 4 words each, the last running into the next one's first */
	cr_assert_eq(f.n_tokens, 3 * k + 1);
	cr_assert_eq(g.n_tokens, 3 * k + 1);
	free(wide);
	wf_arena_close(&a);
}

Test(normalize, reads_only_its_slice)
{
	static const char *const texts[] = {
		"Moody's 5.93 155,221 x", "Cafe\xcc\x81 \xe6\x9d\xb1\xe4\xba\xac",
		"\xe2\x82", "don\xe2\x80\x99t", "1.", "a'", "\xef\xb7\xba",
	};
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
	                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map + page, (size_t)page, PROT_NONE), 0);
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
		size_t len = strlen(texts[t]);
		for (size_t n = 0; n <= len; n++) {
			char *p = (char *)map + page - n;
			memcpy(p, texts[t], n);
			run(&a, p, n, 0);
			run(&a, p, n, WF_NORM_NO_FASTPATH);
		}
	}
	wf_arena_close(&a);
	munmap(map, (size_t)page * 2);
}

/* The 64-byte windows never read before or past the text: ASCII texts of
 * every length up to 200 end just before a guard page, and start just
 * after one. */
Test(normalize, windows_stay_inside_the_text)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, (size_t)page * 3, PROT_READ | PROT_WRITE,
	                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map, (size_t)page, PROT_NONE), 0);
	cr_assert_eq(mprotect(map + 2 * page, (size_t)page, PROT_NONE), 0);
	unsigned char *const lo = map + page, *const hi = map + 2 * page;
	struct wf_arena a;
	wf_arena_init(&a, 0);
	for (size_t n = 0; n <= 200; n++) {
		for (size_t i = 0; i < n; i++)
			lo[i] = (unsigned char)"A1.b'2,c d"[(i * 3 + n) % 10];
		assert_like_reference(&a, (const char *)lo, n);
		memmove(hi - n, lo, n);
		assert_like_reference(&a, (const char *)hi - n, n);
		if (n % 32 == 0)
			wf_arena_reset(&a);
	}
	wf_arena_close(&a);
	munmap(map, (size_t)page * 3);
}

static void tokens_text(const struct wf_article *a, uint32_t from, uint32_t to,
                        char *out, size_t cap)
{
	size_t n = 0;
	for (uint32_t t = from; t < to; t++) {
		const struct wf_token *k = &a->tokens[t];
		cr_assert_lt(n + k->len + 1, cap);
		if (n)
			out[n++] = ' ';
		memcpy(out + n, a->norm + k->off, k->len);
		n += k->len;
	}
	out[n] = '\0';
}

Test(normalize, article_title_then_body_without_boilerplate)
{
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	a.title = "BAHIA Cocoa review";
	a.body = "SALVADOR, Feb 26 - Showers continued, 155,221 bags.\n Reuter\n";
	cr_assert_eq(wf_normalize_article(&arena, &a), 0);
	cr_assert_str_eq(a.norm, "bahia cocoa review showers continued 155,221 bags");
	cr_assert_eq(a.norm_len, strlen(a.norm));
	cr_assert_eq(a.n_title_tokens, 3);
	cr_assert_eq(a.n_tokens, 7);
	cr_assert_eq(a.tokens[0].flags, WF_TOK_CAP | WF_TOK_ALLCAP);
	char buf[128];
	tokens_text(&a, 0, a.n_title_tokens, buf, sizeof buf);
	cr_assert_str_eq(buf, "bahia cocoa review");
	tokens_text(&a, a.n_title_tokens, a.n_tokens, buf, sizeof buf);
	cr_assert_str_eq(buf, "showers continued 155,221 bags");

	memset(&a, 0, sizeof a); /* NULL title and body */
	cr_assert_eq(wf_normalize_article(&arena, &a), 0);
	cr_assert_str_eq(a.norm, "");
	cr_assert_eq(a.n_tokens, 0);
	cr_assert_eq(a.n_title_tokens, 0);

	memset(&a, 0, sizeof a); /* no title: body tokens only */
	a.title = "";
	a.body = "\xe6\x9d\xb1\xe4\xba\xac";
	cr_assert_eq(wf_normalize_article(&arena, &a), 0);
	cr_assert_str_eq(a.norm, "\xe6\x9d\xb1\xe4\xba\xac");
	cr_assert_eq(a.n_title_tokens, 0);
	cr_assert_eq(a.n_tokens, 1);
	wf_arena_close(&arena);
}

Test(normalize, stage_normalizes_accepted_articles_only)
{
	const struct wf_stage_ops *ops = &wf_normalize_stage;
	cr_assert_str_eq(ops->name, "normalize");
	cr_assert(ops->parallel);
	void *self = (void *)1;
	cr_assert_eq(ops->init(&self, NULL), 0);

	struct wf_batch *b = wf_batch_new(3);
	cr_assert_not_null(b);
	struct wf_article *x = wf_batch_add_line(b, 1, "{}", 2);
	struct wf_article *y = wf_batch_add_line(b, 2, "{}", 2);
	struct wf_article *z = wf_batch_add_line(b, 3, "{}", 2);
	x->title = "One";
	x->body = "LONDON, March 3 (Reuters) - Gilts rose.";
	wf_batch_reject(b, y, WF_EJSON, NULL);
	z->title = "Two";
	z->body = "";
	cr_assert_eq(ops->process(self, b), WF_FLOW_OK);
	cr_assert_str_eq(x->norm, "one gilts rose");
	cr_assert_eq(x->n_title_tokens, 1);
	cr_assert_null(y->norm);
	cr_assert_eq(y->n_tokens, 0);
	cr_assert_str_eq(z->norm, "two");
	ops->free(self);
	wf_batch_free(b);
}
