/* lines.h — split a byte stream into lines, with a hard limit on line length.
 *
 * Bytes arrive in chunks of any size; each complete line is handed to a
 * callback without its "\n" (and without a "\r" before it).  A line longer
 * than `max` bytes is not kept: its bytes are counted and dropped as they
 * arrive, and the callback gets it once, at its end, with too_long set.  So
 * memory never exceeds `max` whatever the input.  A last line without a
 * newline is delivered by wf_lines_finish().  One thread at a time. */
#ifndef WF_LINES_H
#define WF_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The callback: line_no counts from 1; line[0..len) is valid only during the
 * call (NULL when too_long, len then being the line's full length).  Return 0
 * to go on, or a negative wf_error to stop wf_lines_feed() with that code. */
typedef int (*wf_line_fn)(void *ctx, uint64_t line_no, const char *line,
                          size_t len, bool too_long);

struct wf_lines {
	char *buf;       /* start of a line split across chunks */
	size_t len;
	size_t cap;
	size_t max;      /* longest line kept, in bytes (without "\n") */
	bool dropping;   /* the current line is over max */
	size_t dropped;  /* bytes of the current over-long line */
	bool cr;         /* ... and whether the last of them was a "\r" */
	uint64_t line_no;
	uint64_t fed;      /* bytes fed so far */
	uint64_t consumed; /* bytes up to the end of the last line delivered,
	                    * its "\n" included: where a reader resumes */
};

/* wf_lines_init: a splitter for lines of at most max bytes (max >= 1). */
void wf_lines_init(struct wf_lines *s, size_t max);

/* wf_lines_close: release the buffer. */
void wf_lines_close(struct wf_lines *s);

/* wf_lines_feed: split data[0..n), calling fn for each complete line.
 * Returns 0, WF_ENOMEM, or the first negative value fn returned. */
int wf_lines_feed(struct wf_lines *s, const char *data, size_t n,
                  wf_line_fn fn, void *ctx);

/* wf_lines_finish: deliver a last line that had no newline, if any.
 * Returns as wf_lines_feed(). */
int wf_lines_finish(struct wf_lines *s, wf_line_fn fn, void *ctx);

#endif
