/* runtime.c — the loop: read, batch, parallel stages, ordered stages, emit. */
#include "wirefold/runtime.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "wirefold/bundle.h"
#include "wirefold/dedup.h"
#include "wirefold/error.h"
#include "wirefold/jsonw.h"
#include "wirefold/lines.h"
#include "wirefold/prio.h"
#include "wirefold/progress.h"
#include "wirefold/stage.h"
#include "wirefold/state.h"

enum { READ_CHUNK = 256 * 1024, BATCH_BYTES = 4 * 1024 * 1024 };

static const struct wf_stage_ops *const stages[] = {
	&wf_parse_stage,  &wf_normalize_stage, &wf_fingerprint_stage,
	&wf_features_stage, &wf_dedup_stage,   &wf_cluster_stage,
	&wf_bundle_stage,
};
enum { NSTAGES = sizeof stages / sizeof stages[0], BUNDLE_STAGE = NSTAGES - 1 };

struct rt {
	const struct wf_config *cfg;
	struct wf_summary *sum;
	uv_loop_t loop;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_pipe_t pipe;
		uv_tty_t tty;
		uv_tcp_t tcp;
	} in;
	uv_idle_t file_reader; /* regular files: read while idle */
	bool in_is_stream;
	bool reading;
	bool eof;
	bool finished;
	int error;
	char *chunk;
	struct wf_lines lines;
	struct wf_batch *filling;
	uint64_t next_seq;        /* seq of the next batch to create */
	uint64_t next_out;        /* seq of the next batch for the ordered stages */
	struct wf_batch **done;   /* finished batches by seq % ring */
	unsigned ring;
	unsigned in_flight;       /* queued or done, not yet drained */
	void *state[NSTAGES];
	FILE *rejects;
	uint64_t stage_ns[NSTAGES];
	struct wf_progress progress; /* the live line on a terminal */
	/* --state: where the feed stood when the run began, where the
	 * ordered stages stand (after their last batch), and the last save */
	struct wf_state_pos start, at, saved;
	uv_async_t wake;  /* a signal handler's call to stop reading */
	bool interrupted;
};

struct work {
	uv_work_t req;
	struct rt *rt;
	struct wf_batch *b;
	int rc;
};

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(struct rt *rt, int code)
{
	if (!rt->error)
		rt->error = code;
}

static void stop_reading(struct rt *rt);
static void submit(struct rt *rt);
static void start_reading(struct rt *rt);
static void maybe_finish(struct rt *rt);

/* ---- parallel stages (worker threads) --------------------------------- */

static void work_cb(uv_work_t *req)
{
	struct work *w = req->data;
	for (unsigned s = 0; s < NSTAGES && w->rc == 0; s++) {
		if (!stages[s]->parallel)
			continue;
		uint64_t t0 = cpu_ns();
		if (stages[s]->process(w->rt->state[s], w->b) != WF_FLOW_OK)
			w->rc = WF_ENOMEM;
		w->b->stage_ns[s] += cpu_ns() - t0;
	}
}

/* work_cb on one of libuv's threads: those step back for the loop thread
 * (prio.h) */
static void pool_work_cb(uv_work_t *req)
{
	wf_helper_priority();
	work_cb(req);
}

/* ---- ordered stages and output (loop thread) --------------------------- */

/* Written without jansson (jsonw.h), byte for byte the same: 2.5 us less
 * an article on the loop thread. */
static int emit_assignment(const struct wf_article *a)
{
	char small[1024];
	const size_t max = wf_json_assignment_max(a);
	char *line = max <= sizeof small ? small : malloc(max);
	if (!line)
		return WF_ENOMEM;
	const size_t n = wf_json_assignment(line, a);
	const size_t written = fwrite(line, 1, n, stdout);
	if (line != small)
		free(line);
	if (written != n)
		return errno == EPIPE ? WF_EPIPE : WF_EIO;
	return 0;
}

static int account(struct rt *rt, const struct wf_article *a)
{
	struct wf_summary *sum = rt->sum;
	if (a->rejected && a->error == WF_ENOMEM) {
		/* not the line's fault: stop rather than lose an article */
		wf_progress_clear(&rt->progress);
		fprintf(stderr, "wirefold: line %" PRIu64 ": out of memory; stopping\n", a->line_no);
		return WF_ENOMEM;
	}
	sum->lines++;
	sum->bytes += a->line_len;
	if (a->rejected) {
		sum->rejected++;
		wf_progress_clear(&rt->progress);
		fprintf(stderr, "wirefold: line %" PRIu64 ": %s\n", a->line_no, a->reason);
		if (rt->rejects && a->line &&
		    (fwrite(a->line, 1, a->line_len, rt->rejects) != a->line_len ||
		     fputc('\n', rt->rejects) == EOF)) {
			fprintf(stderr, "wirefold: cannot write to %s: %s\n",
			        rt->cfg->rejects, strerror(errno));
			return WF_EIO;
		}
	} else {
		sum->accepted++;
		sum->dups += a->kind == WF_KIND_DUP;
		sum->updates += a->kind == WF_KIND_UPDATE;
		sum->stories += a->opened_story;
	}
	int rc = 0;
	if (rt->cfg->emit == WF_EMIT_ASSIGNMENTS) {
		rc = emit_assignment(a);
	} else if (rt->cfg->emit == WF_EMIT_UNIQUE && !a->rejected &&
	           a->kind != WF_KIND_DUP) {
		if (fwrite(a->line, 1, a->line_len, stdout) != a->line_len ||
		    putchar('\n') == EOF)
			rc = errno == EPIPE ? WF_EPIPE : WF_EIO;
	}
	if (rc == WF_EPIPE)
		fprintf(stderr, "wirefold: stdout closed by its reader; stopping\n");
	else if (rc < 0)
		fprintf(stderr, "wirefold: cannot write to stdout: %s\n", strerror(errno));
	return rc;
}

/* Save every stage's state with the feed position of the last batch that
 * went through the ordered stages.  Loop thread, between batches. */
static void save_state(struct rt *rt)
{
	char err[512];
	int rc = wf_state_save(rt->cfg->state_dir, rt->cfg, stages, rt->state, NSTAGES,
	                       &rt->at, err, sizeof err);
	if (rc < 0) {
		wf_progress_clear(&rt->progress);
		fprintf(stderr, "wirefold: %s\n", err);
		fail(rt, rc);
		return;
	}
	rt->saved = rt->at;
}

static void run_ordered(struct rt *rt, struct wf_batch *b)
{
	for (unsigned s = 0; s < NSTAGES && !rt->error; s++) {
		if (stages[s]->parallel)
			continue;
		uint64_t t0 = cpu_ns();
		if (stages[s]->process(rt->state[s], b) != WF_FLOW_OK)
			fail(rt, WF_EIO);
		b->stage_ns[s] += cpu_ns() - t0;
	}
	if (rt->error)
		return;
	for (size_t i = 0; i < b->n; i++) {
		int rc = account(rt, &b->items[i]);
		if (rc < 0) {
			fail(rt, rc);
			return;
		}
	}
	for (unsigned s = 0; s < NSTAGES; s++)
		rt->stage_ns[s] += b->stage_ns[s];
	if (b->n) {
		rt->at.lines = b->items[b->n - 1].line_no;
		rt->at.bytes = rt->start.bytes + b->end_offset;
	}
	const struct wf_config *cfg = rt->cfg;
	if (cfg->state_dir && cfg->checkpoint_every &&
	    rt->at.lines - rt->saved.lines >= cfg->checkpoint_every)
		save_state(rt);
}

static void after_work_cb(uv_work_t *req, int status)
{
	struct work *w = req->data;
	struct rt *rt = w->rt;
	if (status < 0 || w->rc < 0) {
		fprintf(stderr, "wirefold: %s in a worker\n",
		        status < 0 ? uv_strerror(status) : wf_strerror(w->rc));
		fail(rt, w->rc < 0 ? w->rc : WF_EIO);
	}
	rt->done[w->b->seq % rt->ring] = w->b;
	free(w);
	/* Drain every batch that is next in input order. */
	struct wf_batch *b;
	while ((b = rt->done[rt->next_out % rt->ring]) && b->seq == rt->next_out) {
		rt->done[rt->next_out % rt->ring] = NULL;
		if (!rt->error)
			run_ordered(rt, b);
		wf_batch_free(b);
		rt->next_out++;
		rt->in_flight--;
	}
	if (rt->error)
		stop_reading(rt);
	else if (!rt->eof && rt->in_flight < rt->cfg->max_batches)
		start_reading(rt);
	/* a partial batch of a live feed waits no longer than the batch
	 * before it (see read_cb) */
	if (rt->in_flight == 0 && rt->filling && rt->in_is_stream && !rt->eof && !rt->error)
		submit(rt);
	/* caught up with the input: let a reader of --emit see it now */
	if (rt->in_flight == 0 && rt->cfg->emit != WF_EMIT_NONE && !rt->error &&
	    fflush(stdout) == EOF) {
		fprintf(stderr, "wirefold: %s\n", errno == EPIPE ? "stdout closed by its reader"
		                                                  : strerror(errno));
		fail(rt, errno == EPIPE ? WF_EPIPE : WF_EIO);
	}
	maybe_finish(rt);
}

static void submit(struct rt *rt)
{
	struct wf_batch *b = rt->filling;
	rt->filling = NULL;
	struct work *w = calloc(1, sizeof *w);
	if (!w) {
		fprintf(stderr, "wirefold: out of memory\n");
		fail(rt, WF_ENOMEM);
		wf_batch_free(b);
		return;
	}
	w->rt = rt;
	w->b = b;
	w->req.data = w;
	rt->in_flight++;
	if (rt->cfg->threads == 1) {
		/* one thread: the parallel stages run here, now */
		work_cb(&w->req);
		after_work_cb(&w->req, 0);
		return;
	}
	int rc = uv_queue_work(&rt->loop, &w->req, pool_work_cb, after_work_cb);
	if (rc < 0) {
		fprintf(stderr, "wirefold: cannot queue work: %s\n", uv_strerror(rc));
		fail(rt, WF_EIO);
		rt->in_flight--;
		wf_batch_free(b);
		free(w);
	}
}

/* ---- reading ---------------------------------------------------------- */

static int on_line(void *ctx, uint64_t line_no, const char *line, size_t len,
                   bool too_long)
{
	struct rt *rt = ctx;
	if (!rt->filling) {
		rt->filling = wf_batch_new(rt->cfg->batch_lines);
		if (!rt->filling)
			return WF_ENOMEM;
		rt->filling->seq = rt->next_seq++;
	}
	struct wf_batch *b = rt->filling;
	/* with --state, lines are numbered over the whole feed, every run */
	struct wf_article *a = wf_batch_add_line(b, rt->start.lines + line_no,
	                                         too_long ? NULL : line, len);
	if (!a)
		return WF_ENOMEM;
	b->end_offset = rt->lines.consumed;
	if (too_long) {
		char reason[160];
		snprintf(reason, sizeof reason,
		         "line too long (%zu bytes; the limit is %zu, see --line-max)",
		         len, rt->cfg->line_max);
		wf_batch_reject(b, a, WF_ETOOLONG, reason);
		a->line_len = len; /* counted as read, */
		a->line = NULL;    /* but not kept: nothing to copy to --rejects */
	} else if (len == 0) {
		wf_batch_reject(b, a, WF_EJSON, "empty line");
	}
	if (b->n == b->cap || b->bytes >= BATCH_BYTES)
		submit(rt);
	return 0;
}

static void got_bytes(struct rt *rt, const char *data, size_t n)
{
	int rc = wf_lines_feed(&rt->lines, data, n, on_line, rt);
	if (rc < 0) {
		fprintf(stderr, "wirefold: %s while reading\n", wf_strerror(rc));
		fail(rt, rc);
		stop_reading(rt);
		return;
	}
	if (rt->in_flight >= rt->cfg->max_batches)
		stop_reading(rt); /* backpressure: resumed by after_work_cb */
}

static void got_eof(struct rt *rt)
{
	rt->eof = true;
	stop_reading(rt);
	if (wf_lines_finish(&rt->lines, on_line, rt) < 0)
		fail(rt, WF_ENOMEM);
	if (rt->filling && !rt->error)
		submit(rt);
	maybe_finish(rt);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct rt *rt = h->data;
	*buf = uv_buf_init(rt->chunk, READ_CHUNK);
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct rt *rt = s->data;
	if (nread > 0) {
		got_bytes(rt, buf->base, (size_t)nread);
		/* A live feed trickles: when the workers are idle, hand them
		 * what has come rather than wait for a full batch, so articles
		 * and bundles do not lag behind the wire.  Under load batches
		 * fill up as before.  Batch boundaries do not change results:
		 * the ordered stages see the same articles in the same order. */
		if (rt->filling && rt->in_flight == 0 && !rt->error)
			submit(rt);
	} else if (nread == UV_EOF) {
		got_eof(rt);
	} else if (nread < 0) {
		fprintf(stderr, "wirefold: cannot read stdin: %s\n", uv_strerror((int)nread));
		fail(rt, WF_EIO);
		got_eof(rt);
	}
}

/* A regular file: read until a batch goes to the workers (or reading
 * stops).  One chunk a loop iteration, as at first, fed the workers a third
 * of a batch for each batch the ordered stages took: they starved, and a
 * second thread bought nothing. */
static void idle_cb(uv_idle_t *h)
{
	struct rt *rt = h->data;
	/* the batches made so far, less the one filling: those handed over */
	const uint64_t submitted = rt->next_seq - (rt->filling != NULL);
	while (rt->reading && rt->next_seq - (rt->filling != NULL) == submitted) {
		uv_fs_t req;
		uv_buf_t buf = uv_buf_init(rt->chunk, READ_CHUNK);
		int n = uv_fs_read(&rt->loop, &req, 0, &buf, 1, -1, NULL);
		uv_fs_req_cleanup(&req);
		if (n > 0) {
			got_bytes(rt, rt->chunk, (size_t)n);
		} else if (n == 0) {
			got_eof(rt);
		} else if (n != UV_EINTR && n != UV_EAGAIN) {
			fprintf(stderr, "wirefold: cannot read stdin: %s\n", uv_strerror(n));
			fail(rt, WF_EIO);
			got_eof(rt);
		} else {
			break;
		}
	}
}

static void start_reading(struct rt *rt)
{
	if (rt->reading || rt->eof || rt->error)
		return;
	int rc = rt->in_is_stream ? uv_read_start(&rt->in.stream, alloc_cb, read_cb)
	                          : uv_idle_start(&rt->file_reader, idle_cb);
	if (rc < 0) {
		fprintf(stderr, "wirefold: cannot read stdin: %s\n", uv_strerror(rc));
		fail(rt, WF_EIO);
		return;
	}
	rt->reading = true;
}

static void stop_reading(struct rt *rt)
{
	if (!rt->reading)
		return;
	if (rt->in_is_stream)
		uv_read_stop(&rt->in.stream);
	else
		uv_idle_stop(&rt->file_reader);
	rt->reading = false;
}

static int open_stdin(struct rt *rt)
{
	int rc;
	uv_handle_type t = uv_guess_handle(0);
	rt->in_is_stream = true;
	switch (t) {
	case UV_NAMED_PIPE:
		rc = uv_pipe_init(&rt->loop, &rt->in.pipe, 0);
		if (rc == 0)
			rc = uv_pipe_open(&rt->in.pipe, 0);
		break;
	case UV_TTY:
		rc = uv_tty_init(&rt->loop, &rt->in.tty, 0, 1);
		break;
	case UV_TCP:
		rc = uv_tcp_init(&rt->loop, &rt->in.tcp);
		if (rc == 0)
			rc = uv_tcp_open(&rt->in.tcp, 0);
		break;
	case UV_FILE:
	default:
		/* regular files (and character devices such as /dev/null)
		 * cannot be polled; read them while the loop is idle */
		rt->in_is_stream = false;
		rc = 0;
		break;
	}
	if (rt->in_is_stream && rc < 0) {
		fprintf(stderr, "wirefold: cannot open stdin: %s\n", uv_strerror(rc));
		return WF_EIO;
	}
	if (rt->in_is_stream)
		rt->in.handle.data = rt;
	uv_idle_init(&rt->loop, &rt->file_reader);
	rt->file_reader.data = rt;
	return 0;
}

/* ---- end of the run --------------------------------------------------- */

static void maybe_finish(struct rt *rt)
{
	if (rt->finished || rt->in_flight || !(rt->eof || rt->error))
		return;
	rt->finished = true;
	stop_reading(rt);
	wf_progress_stop(&rt->progress);
	for (unsigned s = 0; s < NSTAGES && !rt->error; s++) {
		if (!stages[s]->flush)
			continue;
		uint64_t t0 = cpu_ns();
		if (stages[s]->flush(rt->state[s]) != WF_FLOW_OK)
			fail(rt, WF_EIO);
		rt->stage_ns[s] += cpu_ns() - t0;
	}
	/* after a failure the last state saved stays: it is consistent */
	if (rt->cfg->state_dir && !rt->error)
		save_state(rt);
	if (rt->in_is_stream)
		uv_close(&rt->in.handle, NULL);
	uv_close((uv_handle_t *)&rt->file_reader, NULL);
}

/* ---- signals ------------------------------------------------------------ */

/* The first SIGINT or SIGTERM asks the loop (through an async handle, which
 * may be woken from a signal handler) to stop reading and finish what it
 * has; a second one ends the process at once, by the signal's default
 * action, even while the loop is busy writing.  Atomic file replacement
 * makes that safe: every bundle and state file is a whole old or a whole
 * new version. */
static volatile sig_atomic_t signals_seen;
static uv_async_t *volatile signal_wake;

static void on_signal(int sig)
{
	uv_async_t *wake = signal_wake;
	if (signals_seen++ || !wake) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	uv_async_send(wake);
}

static void interrupt_cb(uv_async_t *h)
{
	struct rt *rt = h->data;
	if (rt->eof || rt->finished)
		return; /* already finishing */
	wf_progress_clear(&rt->progress);
	fprintf(stderr, "wirefold: interrupted: finishing the articles read so far "
	        "(interrupt again to stop at once)\n");
	rt->interrupted = true;
	rt->eof = true;
	stop_reading(rt);
	/* a line cut short by the interruption is not read: the state's
	 * position ends before it */
	if (rt->filling && !rt->error)
		submit(rt);
	maybe_finish(rt);
}

static void handle_signals(bool on)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on ? on_signal : SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- start ----------------------------------------------------------------- */

/* Threads that wait at a gate, so that all of them are alive at once. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool open;
};

static void *idle_thread(void *arg)
{
	struct gate *g = arg;
	pthread_mutex_lock(&g->mu);
	while (!g->open)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* libuv aborts when it cannot start its worker threads (under a tight
 * `ulimit -v`, say); start as many threads with the same stack size first,
 * so that this is an error with a message instead. */
static int check_threads(unsigned n)
{
	pthread_t *t = calloc(n, sizeof *t);
	if (!t)
		return WF_ENOMEM;
	struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false};
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 8u << 20); /* libuv's worker stack */
	unsigned made = 0;
	int rc = 0;
	while (made < n && (rc = pthread_create(&t[made], &attr, idle_thread, &g)) == 0)
		made++;
	pthread_mutex_lock(&g.mu);
	g.open = true;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	for (unsigned i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	pthread_attr_destroy(&attr);
	free(t);
	return rc == 0 ? 0 : WF_ENOMEM;
}

/* Take the state directory, load its state into the stages.  Returns 0 or
 * a negative wf_error after saying why on stderr. */
static int load_state(struct rt *rt, int *lock_fd)
{
	const struct wf_config *cfg = rt->cfg;
	char err[1024];
	int rc = wf_state_open(cfg->state_dir, lock_fd, err, sizeof err);
	if (rc == 0)
		rc = wf_state_load(cfg->state_dir, cfg, stages, rt->state, NSTAGES, &rt->start,
		                   err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "wirefold: %s\n", err);
		return rc;
	}
	rt->at = rt->saved = rt->start;
	for (unsigned s = 0; s < NSTAGES; s++)
		if (!stages[s]->parallel && !stages[s]->save)
			fprintf(stderr, "wirefold: the %s stage cannot save its state yet: after a "
			        "restart it starts empty, so its results differ from one long run's\n",
			        stages[s]->name);
	if (rc == 1 && !cfg->quiet)
		fprintf(stderr, "wirefold: resuming from %s: %" PRIu64 " lines (%" PRIu64
		        " bytes) of the feed done before\n", cfg->state_dir, rt->start.lines,
		        rt->start.bytes);
	return 0;
}

int wf_run(const struct wf_config *cfg, struct wf_summary *sum)
{
	struct rt rt = {.cfg = cfg, .sum = sum};
	memset(sum, 0, sizeof *sum);
	uint64_t t0 = uv_hrtime();
	int rc = uv_loop_init(&rt.loop);
	if (rc < 0) {
		fprintf(stderr, "wirefold: cannot start the event loop: %s\n", uv_strerror(rc));
		return WF_EIO;
	}
	int lock_fd = -1;
	rt.ring = cfg->max_batches + 1;
	rt.done = calloc(rt.ring, sizeof *rt.done);
	rt.chunk = malloc(READ_CHUNK);
	wf_lines_init(&rt.lines, cfg->line_max);
	if (!rt.done || !rt.chunk) {
		fprintf(stderr, "wirefold: out of memory starting the pipeline\n");
		rc = WF_ENOMEM;
		goto err_close_loop;
	}
	if (cfg->rejects && !(rt.rejects = fopen(cfg->rejects, "w"))) {
		fprintf(stderr, "wirefold: cannot open %s: %s\n", cfg->rejects, strerror(errno));
		rc = WF_EIO;
		goto err_close_loop;
	}
	unsigned inited = 0;
	for (; inited < NSTAGES; inited++) {
		rc = stages[inited]->init(&rt.state[inited], cfg);
		if (rc < 0) {
			if (rc != WF_EIO)
				fprintf(stderr, "wirefold: cannot start stage %s: %s\n",
				        stages[inited]->name, wf_strerror(rc));
			goto err_free_stages;
		}
	}
	if (cfg->state_dir && (rc = load_state(&rt, &lock_fd)) < 0)
		goto err_free_stages;
	/* the pool's workers, and the bundle writer (which has started) */
	if (cfg->threads > 1 && (rc = check_threads(cfg->threads - 1)) < 0) {
		fprintf(stderr, "wirefold: cannot start %u worker threads: out of memory\n",
		        cfg->threads - 1);
		goto err_free_stages;
	}
	rc = open_stdin(&rt);
	if (rc < 0)
		goto err_free_stages;
	if ((rc = uv_async_init(&rt.loop, &rt.wake, interrupt_cb)) < 0) {
		fprintf(stderr, "wirefold: cannot start the event loop: %s\n", uv_strerror(rc));
		rc = WF_EIO;
		goto err_free_stages;
	}
	rt.wake.data = &rt;
	uv_unref((uv_handle_t *)&rt.wake); /* does not keep the loop running */
	signal_wake = &rt.wake;
	handle_signals(true);
	start_reading(&rt);
	if (!cfg->quiet)
		wf_progress_start(&rt.progress, &rt.loop, sum, 2 /* stderr */);
	uv_run(&rt.loop, UV_RUN_DEFAULT);
	handle_signals(false);
	signal_wake = NULL;
	uv_close((uv_handle_t *)&rt.wake, NULL);
	wf_progress_stop(&rt.progress);
	rc = rt.error;
	sum->interrupted = rt.interrupted;
	sum->state_saved = cfg->state_dir && rt.saved.lines == rt.at.lines && !rc;
	sum->state_lines = rt.saved.lines;
	if (cfg->state_dir && rc < 0 && rt.saved.bytes == 0)
		fprintf(stderr, "wirefold: no state was saved in %s: feed it all again\n",
		        cfg->state_dir);
	else if (cfg->state_dir && rc < 0)
		fprintf(stderr, "wirefold: the state in %s is the last one saved: it covers the "
		        "feed up to line %" PRIu64 " (byte %" PRIu64 "); feed what follows\n",
		        cfg->state_dir, rt.saved.lines, rt.saved.bytes);

	sum->bundles = wf_bundle_stage_written(rt.state[BUNDLE_STAGE]);
	rt.stage_ns[BUNDLE_STAGE] += wf_bundle_writer_cpu_ns(rt.state[BUNDLE_STAGE]);
	sum->nstages = NSTAGES;
	for (unsigned s = 0; s < NSTAGES; s++) {
		sum->stage_name[s] = stages[s]->name;
		sum->stage_cpu_s[s] = (double)rt.stage_ns[s] / 1e9;
		if (stages[s] == &wf_dedup_stage)
			wf_dedup_stats(rt.state[s], &sum->dedup);
	}
err_free_stages:
	while (inited--)
		stages[inited]->free(rt.state[inited]);
	if (lock_fd >= 0)
		close(lock_fd);
	if (rt.rejects && fclose(rt.rejects) != 0 && rc == 0) {
		fprintf(stderr, "wirefold: cannot write %s: %s\n", cfg->rejects, strerror(errno));
		rc = WF_EIO;
	}
err_close_loop:
	if (rt.filling)
		wf_batch_free(rt.filling);
	uv_run(&rt.loop, UV_RUN_DEFAULT); /* let close callbacks run */
	uv_loop_close(&rt.loop);
	wf_lines_close(&rt.lines);
	free(rt.chunk);
	free(rt.done);
	sum->elapsed_s = (double)(uv_hrtime() - t0) / 1e9;
	return rc;
}
