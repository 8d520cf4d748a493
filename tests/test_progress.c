#include <criterion/criterion.h>
#include <fcntl.h>
#include <pty.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "wirefold/progress.h"

static struct wf_summary counters(void)
{
	struct wf_summary s = {0};
	s.lines = 1234567;
	s.accepted = 1234000;
	s.dups = 4321;
	s.stories = 999;
	s.bytes = 5u << 20;
	return s;
}

Test(progress, format)
{
	struct wf_summary s = counters();
	char buf[256];
	size_t n = wf_progress_format(buf, sizeof buf, &s, 75.4, 21484.4, 11.25e6, 200);
	cr_assert_str_eq(buf, "[1:15] 1,234,567 lines, 21,484 articles/s, 11.2 MB/s, "
	                      "4,321 duplicates, 999 stories");
	cr_assert_eq(n, strlen(buf));
	memset(&s, 0, sizeof s);
	wf_progress_format(buf, sizeof buf, &s, 0, 0, 0, 200);
	cr_assert_str_eq(buf, "[0:00] 0 lines, 0 articles/s, 0.0 MB/s, 0 duplicates, 0 stories");
}

Test(progress, never_wider_than_the_terminal)
{
	struct wf_summary s = counters();
	char buf[256];
	for (unsigned w = 2; w < 120; w++) {
		size_t n = wf_progress_format(buf, sizeof buf, &s, 1, 1, 1, w);
		cr_assert_lt(n, w);
		cr_assert_eq(strlen(buf), n);
	}
	size_t n = wf_progress_format(buf, 10, &s, 1, 1, 1, 200);
	cr_assert_eq(n, 9, "cut to the buffer");
}

static void stop_timer(uv_timer_t *t)
{
	uv_timer_stop(t);
}

/* A loop that lives for `ms` milliseconds. */
static void run_for(uv_loop_t *loop, unsigned ms)
{
	uv_timer_t t;
	uv_timer_init(loop, &t);
	uv_timer_start(&t, stop_timer, ms, 0);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(loop, UV_RUN_DEFAULT);
}

Test(progress, nothing_on_a_pipe)
{
	int fds[2];
	cr_assert_eq(pipe(fds), 0);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct wf_summary s = counters();
	struct wf_progress p;
	cr_assert_eq(wf_progress_start(&p, &loop, &s, fds[1]), 0);
	run_for(&loop, 700);
	wf_progress_stop(&p);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	char buf[64];
	cr_assert_lt(read(fds[0], buf, sizeof buf), 1, "nothing written");
	close(fds[0]);
	close(fds[1]);
}

Test(progress, a_live_line_on_a_terminal_then_erased)
{
	int master, slave;
	struct winsize ws = {.ws_row = 24, .ws_col = 60};
	cr_assert_eq(openpty(&master, &slave, NULL, NULL, &ws), 0);
	setenv("TERM", "xterm", 1);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct wf_summary s = counters();
	struct wf_progress p;
	cr_assert_eq(wf_progress_start(&p, &loop, &s, slave), 0);
	/* the timer is unreferenced: alone, it does not keep the loop running */
	uint64_t t0 = uv_hrtime();
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_lt(uv_hrtime() - t0, 400000000u);
	run_for(&loop, 1200); /* two ticks */
	wf_progress_stop(&p);
	wf_progress_stop(&p); /* twice is harmless */
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);

	char buf[4096];
	fcntl(master, F_SETFL, O_NONBLOCK);
	ssize_t n = 0, r;
	while ((r = read(master, buf + n, sizeof buf - 1 - (size_t)n)) > 0)
		n += r;
	cr_assert_gt(n, 0);
	buf[n] = '\0';
	static const char first[] = "\r\033[K[0:00] 1,234,567 lines, ";
	cr_assert_eq(strncmp(buf, first, sizeof first - 1), 0, "%s", buf);
	cr_assert_null(strchr(buf, '\n'), "redrawn in place");
	cr_assert_eq(strcmp(buf + n - 4, "\r\033[K"), 0, "erased at the end");
	/* each drawn line fits the 60 columns */
	for (char *line = strstr(buf, "[0:"); line; line = strstr(line + 1, "[0:")) {
		char *end = strchr(line, '\r');
		cr_assert_not_null(end);
		cr_assert_lt(end - line, 60);
	}
	close(master);
	close(slave);
}

Test(progress, not_when_term_is_dumb)
{
	int master, slave;
	cr_assert_eq(openpty(&master, &slave, NULL, NULL, NULL), 0);
	setenv("TERM", "dumb", 1);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct wf_summary s = counters();
	struct wf_progress p;
	cr_assert_eq(wf_progress_start(&p, &loop, &s, slave), 0);
	run_for(&loop, 700);
	wf_progress_stop(&p);
	uv_run(&loop, UV_RUN_DEFAULT);
	cr_assert_eq(uv_loop_close(&loop), 0);
	fcntl(master, F_SETFL, O_NONBLOCK);
	char buf[64];
	cr_assert_lt(read(master, buf, sizeof buf), 1);
	close(master);
	close(slave);
}
