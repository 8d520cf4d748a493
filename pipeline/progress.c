/* progress.c — the live status line (see progress.h). */
#include "wirefold/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wirefold/error.h"

static const char erase[] = "\r\033[K";

/* n with thousands separators: 1234567 -> "1,234,567" */
static const char *grouped(uint64_t n, char buf[32])
{
	char digits[24];
	const int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)n);
	size_t o = 0;
	for (int i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

size_t wf_progress_format(char *buf, size_t len, const struct wf_summary *sum,
                          double elapsed_s, double articles_s, double bytes_s,
                          unsigned width)
{
	char a[32], b[32], c[32], d[32];
	const unsigned long secs = elapsed_s > 0 ? (unsigned long)elapsed_s : 0;
	/* short enough for 80 columns with six-digit counts */
	int n = snprintf(buf, len,
	                 "[%lu:%02lu] %s lines, %s articles/s, %.1f MB/s, "
	                 "%s duplicates, %s stories",
	                 secs / 60, secs % 60, grouped(sum->lines, a),
	                 grouped(articles_s > 0 ? (uint64_t)(articles_s + 0.5) : 0, b),
	                 bytes_s > 0 ? bytes_s / 1e6 : 0.0, grouped(sum->dups, c),
	                 grouped(sum->stories, d));
	size_t out = n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
	if (width > 1 && out > width - 1)
		out = width - 1;
	buf[out] = '\0';
	return out;
}

static unsigned columns(int fd)
{
	struct winsize ws;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void put(int fd, const char *s, size_t n)
{
	/* best effort: a status line is not worth failing the run for */
	while (n) {
		const ssize_t w = write(fd, s, n);
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

static void tick(uv_timer_t *t)
{
	struct wf_progress *p = t->data;
	const uint64_t now = uv_hrtime();
	const double dt = (double)(now - p->last_ns) / 1e9;
	const struct wf_summary *s = p->sum;
	char line[512];
	memcpy(line, erase, sizeof erase - 1);
	const size_t n = wf_progress_format(
		line + sizeof erase - 1, sizeof line - (sizeof erase - 1), s,
		(double)(now - p->t0_ns) / 1e9,
		dt > 0 ? (double)(s->accepted - p->last_accepted) / dt : 0,
		dt > 0 ? (double)(s->bytes - p->last_bytes) / dt : 0, columns(p->fd));
	put(p->fd, line, sizeof erase - 1 + n);
	p->drawn = true;
	p->last_ns = now;
	p->last_accepted = s->accepted;
	p->last_bytes = s->bytes;
}

int wf_progress_start(struct wf_progress *p, uv_loop_t *loop,
                      const struct wf_summary *sum, int fd)
{
	memset(p, 0, sizeof *p);
	const char *term = getenv("TERM");
	if (!isatty(fd) || (term && strcmp(term, "dumb") == 0))
		return 0;
	p->sum = sum;
	p->fd = fd;
	p->t0_ns = p->last_ns = uv_hrtime();
	if (uv_timer_init(loop, &p->timer) < 0)
		return WF_EIO;
	p->timer.data = p;
	uv_unref((uv_handle_t *)&p->timer);
	p->running = true;
	if (uv_timer_start(&p->timer, tick, WF_PROGRESS_INTERVAL_MS,
	                   WF_PROGRESS_INTERVAL_MS) < 0) {
		wf_progress_stop(p);
		return WF_EIO;
	}
	return 0;
}

void wf_progress_clear(struct wf_progress *p)
{
	if (!p->drawn)
		return;
	put(p->fd, erase, sizeof erase - 1);
	p->drawn = false;
}

void wf_progress_stop(struct wf_progress *p)
{
	if (!p->running)
		return;
	uv_timer_stop(&p->timer);
	wf_progress_clear(p);
	uv_close((uv_handle_t *)&p->timer, NULL);
	p->running = false;
}
