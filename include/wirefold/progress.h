/* progress.h — a live status line on a terminal during a long run.
 *
 * Every 500 ms the line is redrawn in place ("\r", then erase to the end of
 * the line with "\033[K"): elapsed time, lines read, articles per second,
 * MB per second, duplicates and stories, from the run's summary counters:
 *
 *   [0:03] 11,264 lines, 5,006 articles/s, 5.1 MB/s, 421 duplicates, 9,768 stories
 *
 * Only when the descriptor is a terminal (and TERM is not "dumb"); never on
 * a pipe or a file.  The timer is unreferenced, so it never keeps the loop
 * alive. */
#ifndef WF_PROGRESS_H
#define WF_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "wirefold/runtime.h"

enum { WF_PROGRESS_INTERVAL_MS = 500 };

/* Caller-embedded; all fields are private.  Zero-initialised, or after a
 * start that found no terminal, every call below is a no-op. */
struct wf_progress {
	uv_timer_t timer;
	const struct wf_summary *sum; /* borrowed; read on the loop thread */
	int fd;
	bool running; /* the timer is started and not yet closed */
	bool drawn;   /* a line is on the screen */
	uint64_t t0_ns, last_ns;
	uint64_t last_accepted, last_bytes;
};

/* wf_progress_start: draw sum's counters on fd every 500 ms while loop runs,
 * when fd is a terminal; otherwise do nothing.
 * @p     caller-owned, must stay put until the close callback of its timer
 *        has run (the loop must run once more after wf_progress_stop()).
 * @loop  the loop thread's loop; @sum is borrowed and must outlive p.
 * Loop thread only.  Returns 0 (also when disabled), or WF_EIO when the timer
 * cannot be started (then p is disabled). */
int wf_progress_start(struct wf_progress *p, uv_loop_t *loop,
                      const struct wf_summary *sum, int fd);

/* wf_progress_clear: erase the line if one is drawn, so that a message can be
 * printed on a clean line; the next tick draws it again.  Loop thread only. */
void wf_progress_clear(struct wf_progress *p);

/* wf_progress_stop: stop the timer, erase the line and close the timer
 * handle.  Safe to call more than once.  Loop thread only. */
void wf_progress_stop(struct wf_progress *p);

/* wf_progress_format: the status text (no "\r", no newline) into buf, cut to
 * at most `width` - 1 columns (the text is ASCII) so it never wraps.
 * @elapsed_s  time since the start; @articles_s and @bytes_s the current
 *             rates.  Returns the length written (< len).  Thread-safe. */
size_t wf_progress_format(char *buf, size_t len, const struct wf_summary *sum,
                          double elapsed_s, double articles_s, double bytes_s,
                          unsigned width);

#endif
