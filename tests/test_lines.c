#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/error.h"
#include "wirefold/lines.h"

struct got {
	char text[64][64];
	size_t len[64];
	bool too_long[64];
	uint64_t no[64];
	size_t n;
};

static int collect(void *ctx, uint64_t line_no, const char *line, size_t len, bool too_long)
{
	struct got *g = ctx;
	cr_assert_lt(g->n, 64);
	g->no[g->n] = line_no;
	g->len[g->n] = len;
	g->too_long[g->n] = too_long;
	if (!too_long) {
		cr_assert_lt(len, 64);
		memcpy(g->text[g->n], line, len);
		g->text[g->n][len] = 0;
	} else {
		cr_assert_null(line);
	}
	g->n++;
	return 0;
}

/* Feed the same input in every chunk size: the lines must not change. */
static void feed_in_chunks(const char *in, size_t max, size_t chunk, struct got *g)
{
	struct wf_lines s;
	wf_lines_init(&s, max);
	memset(g, 0, sizeof *g);
	size_t n = strlen(in);
	for (size_t off = 0; off < n; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		cr_assert_eq(wf_lines_feed(&s, in + off, k, collect, g), 0);
	}
	cr_assert_eq(wf_lines_finish(&s, collect, g), 0);
	wf_lines_close(&s);
}

Test(lines, splits_in_any_chunk_size)
{
	const char *in = "alpha\nbe\r\n\ngamma delta\nlast-without-newline";
	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		struct got g;
		feed_in_chunks(in, 100, chunk, &g);
		cr_assert_eq(g.n, 5, "chunk %zu: %zu lines", chunk, g.n);
		cr_assert_str_eq(g.text[0], "alpha");
		cr_assert_str_eq(g.text[1], "be"); /* CRLF stripped */
		cr_assert_str_eq(g.text[2], "");
		cr_assert_str_eq(g.text[3], "gamma delta");
		cr_assert_str_eq(g.text[4], "last-without-newline");
		for (size_t i = 0; i < g.n; i++)
			cr_assert_eq(g.no[i], i + 1);
	}
}

Test(lines, over_long_lines_are_reported_with_their_length_in_any_chunk_size)
{
	const char *in = "short\n0123456789abcdef\nok\n0123456789";
	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		struct got g;
		feed_in_chunks(in, 8, chunk, &g);
		cr_assert_eq(g.n, 4);
		cr_assert_not(g.too_long[0]);
		cr_assert(g.too_long[1]);
		cr_assert_eq(g.len[1], 16);
		cr_assert_str_eq(g.text[2], "ok");
		cr_assert(g.too_long[3], "chunk %zu", chunk);
		cr_assert_eq(g.len[3], 10);
	}
}

/* Found by fuzz_parse: an over-long CRLF line was one byte longer when its
 * "\r" arrived in another chunk than its start. */
Test(lines, an_over_long_crlf_line_has_one_length_in_any_chunk_size)
{
	const char *in = "0123456789abcdef\r\nok\r\n0123456789\r";
	for (size_t chunk = 1; chunk <= strlen(in); chunk++) {
		struct got g;
		feed_in_chunks(in, 8, chunk, &g);
		cr_assert_eq(g.n, 3);
		cr_assert(g.too_long[0]);
		cr_assert_eq(g.len[0], 16, "chunk %zu: %zu", chunk, g.len[0]);
		cr_assert_str_eq(g.text[1], "ok");
		cr_assert(g.too_long[2]);
		cr_assert_eq(g.len[2], 10, "chunk %zu: %zu", chunk, g.len[2]);
	}
}

Test(lines, a_line_of_exactly_max_bytes_is_kept_even_with_crlf)
{
	struct got g;
	feed_in_chunks("12345678\r\n12345678\n", 8, 3, &g);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.text[0], "12345678");
	cr_assert_str_eq(g.text[1], "12345678");
}

Test(lines, empty_input_gives_no_lines)
{
	struct got g;
	feed_in_chunks("", 8, 1, &g);
	cr_assert_eq(g.n, 0);
}

static int stop_at_second(void *ctx, uint64_t line_no, const char *line, size_t len, bool too_long)
{
	(void)ctx, (void)line, (void)len, (void)too_long;
	return line_no == 2 ? WF_EIO : 0;
}

Test(lines, callback_error_stops_the_feed)
{
	struct wf_lines s;
	wf_lines_init(&s, 100);
	cr_assert_eq(wf_lines_feed(&s, "a\nb\nc\n", 6, stop_at_second, NULL), WF_EIO);
	wf_lines_close(&s);
}
