/* batch.h — a run of consecutive input lines, the unit of work and of hand-off.
 *
 * The loop thread fills a batch with lines, a worker runs the parallel
 * stages over it, and the loop thread runs the ordered stages over batches
 * strictly in seq order.  A batch is touched by one thread at a time; the
 * hand-off is libuv's work queue, which orders the memory accesses. */
#ifndef WF_BATCH_H
#define WF_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "wirefold/arena.h"
#include "wirefold/article.h"

#define WF_STAGE_MAX 12

struct wf_batch {
	uint64_t seq;                /* 0, 1, 2, … in input order */
	struct wf_article *items;    /* n used, cap allocated */
	size_t n;
	size_t cap;
	size_t bytes;                /* raw bytes of the lines held */
	uint64_t end_offset;         /* input bytes up to the end of its last
	                              * line (newline included) */
	struct wf_arena arena;       /* owns lines and everything stages derive */
	uint64_t stage_ns[WF_STAGE_MAX]; /* CPU time per stage, for --timings */
};

/* wf_batch_new: an empty batch for up to cap lines; NULL when out of memory.
 * Takes a pooled batch (see wf_batch_free) when one fits.  Any thread. */
struct wf_batch *wf_batch_new(size_t cap);

/* wf_batch_free: free the batch, its articles and its arena.  NULL is a no-op.
 * The memory goes to a small pool (at most 32 batches, arena blocks kept)
 * for the next wf_batch_new, so that a run does not map its pages again
 * for every batch.  Any thread. */
void wf_batch_free(struct wf_batch *b);

/* wf_batch_pool_drain: really free the pooled batches (at the end of a run;
 * not needed for correctness).  Any thread. */
void wf_batch_pool_drain(void);

/* wf_batch_add_line: append a copy of line[0..len) as article line_no.
 * Returns the article (zeroed but for line fields) or NULL when out of memory
 * or the batch is full. */
struct wf_article *wf_batch_add_line(struct wf_batch *b, uint64_t line_no,
                                     const char *line, size_t len);

/* wf_batch_reject: mark a line of the batch rejected, with a reason (copied). */
void wf_batch_reject(struct wf_batch *b, struct wf_article *a, int error,
                     const char *reason);

#endif
