#include "wirefold/lines.h"

#include <stdlib.h>
#include <string.h>

#include "wirefold/error.h"

void wf_lines_init(struct wf_lines *s, size_t max)
{
	memset(s, 0, sizeof *s);
	s->max = max ? max : 1;
}

void wf_lines_close(struct wf_lines *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

static int emit(struct wf_lines *s, const char *line, size_t len,
                wf_line_fn fn, void *ctx)
{
	s->line_no++;
	if (s->dropping) {
		/* the length a kept line would have had: without its "\r" */
		size_t total = s->dropped + len - (len ? line[len - 1] == '\r' : s->cr);
		s->dropping = false;
		s->dropped = 0;
		return fn(ctx, s->line_no, NULL, total, true);
	}
	if (len && line[len - 1] == '\r')
		len--;
	if (len > s->max)
		return fn(ctx, s->line_no, NULL, len, true);
	return fn(ctx, s->line_no, line, len, false);
}

/* Append to the partial line, or start dropping once it passes max (+1 for
 * a "\r" that may yet be stripped). */
static int keep(struct wf_lines *s, const char *data, size_t n)
{
	if (s->dropping) {
		s->dropped += n;
		if (n)
			s->cr = data[n - 1] == '\r';
		return 0;
	}
	if (s->len + n > s->max + 1) {
		s->dropping = true;
		s->dropped = s->len + n;
		s->cr = n ? data[n - 1] == '\r' : s->buf[s->len - 1] == '\r';
		s->len = 0;
		return 0;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->len + n)
			cap *= 2;
		char *p = realloc(s->buf, cap);
		if (!p)
			return WF_ENOMEM;
		s->buf = p;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return 0;
}

int wf_lines_feed(struct wf_lines *s, const char *data, size_t n,
                  wf_line_fn fn, void *ctx)
{
	const uint64_t start = s->fed;
	const char *const first = data;
	s->fed += n;
	while (n) {
		const char *nl = memchr(data, '\n', n);
		if (!nl)
			return keep(s, data, n);
		size_t part = (size_t)(nl - data);
		s->consumed = start + (uint64_t)(nl - first) + 1;
		int rc;
		if (s->len == 0 && !s->dropping) {
			rc = emit(s, data, part, fn, ctx); /* no copy: whole line in chunk */
		} else {
			rc = keep(s, data, part);
			if (rc == 0) {
				size_t len = s->len;
				s->len = 0;
				rc = emit(s, s->buf, len, fn, ctx);
			}
		}
		if (rc < 0)
			return rc;
		data = nl + 1;
		n -= part + 1;
	}
	return 0;
}

int wf_lines_finish(struct wf_lines *s, wf_line_fn fn, void *ctx)
{
	if (s->len == 0 && !s->dropping)
		return 0;
	size_t len = s->len;
	s->len = 0;
	s->consumed = s->fed;
	return emit(s, s->buf, len, fn, ctx);
}
