/* fuzz_parse.c — the line splitter and the JSON line parser on any bytes.
 *
 * Properties checked:
 *   - wf_lines gives the same lines whatever the chunking of the input,
 *     never a line with a newline in it or longer than its limit;
 *   - wf_parse_line never fails without a one-line, printable UTF-8
 *     reason, and never succeeds without a non-empty id, strings that are
 *     valid UTF-8, and a time in the documented range. */
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fuzz.h"
#include "wirefold/arena.h"
#include "wirefold/article.h"
#include "wirefold/error.h"
#include "wirefold/lines.h"
#include "wirefold/parse.h"
#include "wirefold/timeparse.h"

enum { LINE_MAX_ = 64, MAX_LINES = 4096 };

struct seen {
	uint64_t h[MAX_LINES];
	size_t n;
};

static int on_line(void *ctx, uint64_t line_no, const char *line, size_t len,
                   bool too_long)
{
	struct seen *s = ctx;
	CHECK(line_no == s->n + 1);
	CHECK(too_long ? line == NULL : line != NULL || len == 0);
	if (!too_long) {
		CHECK(len <= LINE_MAX_);
		CHECK(!len || memchr(line, '\n', len) == NULL);
	} else {
		CHECK(len > LINE_MAX_);
	}
	uint64_t h = XXH3_64bits_withSeed(line, too_long ? 0 : len, len * 2 + too_long);
	if (s->n < MAX_LINES)
		s->h[s->n] = h;
	s->n++;
	return 0;
}

static void split(const uint8_t *data, size_t size, const uint8_t *chunks,
                  size_t nchunks, struct seen *out)
{
	struct wf_lines ls;
	wf_lines_init(&ls, LINE_MAX_);
	size_t off = 0, k = 0;
	while (off < size) {
		size_t step = nchunks ? (size_t)chunks[k++ % nchunks] % 17 + 1 : size;
		if (step > size - off)
			step = size - off;
		CHECK(wf_lines_feed(&ls, (const char *)data + off, step, on_line, out) == 0);
		off += step;
	}
	CHECK(wf_lines_finish(&ls, on_line, out) == 0);
	wf_lines_close(&ls);
}

static void check_reason(const char *r)
{
	size_t n = strlen(r);
	CHECK(n > 0 && n < WF_PARSE_REASON_MAX);
	CHECK(fuzz_utf8_valid(r, n));
	for (size_t i = 0; i < n; i++)
		CHECK((unsigned char)r[i] >= 0x20 && r[i] != 0x7f);
}

static void check_field(const char *s)
{
	CHECK(s != NULL);
	CHECK(fuzz_utf8_valid(s, strlen(s)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen whole, chunked;
	whole.n = chunked.n = 0;
	split(data, size, NULL, 0, &whole);
	split(data, size, data, size < 8 ? size : 8, &chunked);
	CHECK(whole.n == chunked.n);
	for (size_t i = 0; i < whole.n && i < MAX_LINES; i++)
		CHECK(whole.h[i] == chunked.h[i]);

	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	char reason[WF_PARSE_REASON_MAX];
	int rc = wf_parse_line(&arena, (const char *)data, size, &a, reason, sizeof reason);
	if (rc == 0) {
		CHECK(reason[0] == '\0');
		check_field(a.id);
		CHECK(a.id[0] != '\0');
		check_field(a.source);
		check_field(a.lang);
		check_field(a.title);
		check_field(a.body);
		CHECK(a.time_ms >= WF_TIME_MIN_MS && a.time_ms <= WF_TIME_MAX_MS);
	} else {
		CHECK(rc < 0 && rc > WF__EFIRST && rc < WF__ELAST);
		check_reason(reason);
		CHECK(a.id == NULL); /* untouched on failure */
	}
	/* a reason buffer too small to hold it is still cut safely */
	char small[8];
	int rc2 = wf_parse_line(&arena, (const char *)data, size, &a, small, sizeof small);
	CHECK(rc2 == rc);
	CHECK(strlen(small) < sizeof small);
	wf_arena_close(&arena);
	return 0;
}
