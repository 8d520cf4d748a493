/* cli.c — option parsing, help texts, the summary, and the subcommands. */
#include "wirefold/cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wf_version.h"
#include "wirefold/bundle.h"
#include "wirefold/day.h"
#include "wirefold/error.h"
#include "wirefold/runtime.h"

static const char run_help[] =
	"usage: wirefold [run] [options] < feed.jsonl\n"
	"\n"
	"Reads news articles as JSON lines on stdin (flat {id,time,source,title,body,lang}\n"
	"or IPTC ninjs 1.x/2.x/3.x), collapses duplicates, groups articles into stories\n"
	"and writes one zstd-compressed bundle per editors' day: OUT/YYYY-MM-DD.stories.jsonl.zst\n"
	"\n"
	"options:\n"
	"  -o, --out DIR        bundle directory, created if missing (default ./bundles)\n"
	"  -e, --emit WHAT      also write to stdout: none (default), assignments (one JSON\n"
	"                       line per input line: id, story, canonical, kind), or unique\n"
	"                       (the input lines that are not duplicates)\n"
	"      --tz ZONE        editors' time zone: UTC (default), an IANA name such as\n"
	"                       Europe/Berlin, or an offset such as +05:30\n"
	"  -j, --threads N      worker threads (default: the number of cores)\n"
	"      --rejects FILE   also copy each rejected line, as it was, to FILE\n"
	"      --window DUR     how long an article can be duplicated (default 72h)\n"
	"      --lateness DUR   a day's bundle is written once the feed is this far past\n"
	"                       the day's end (default 6h); later articles rewrite it\n"
	"      --story-idle DUR a story closes after this long without news (default 72h)\n"
	"      --line-max SIZE  longest accepted line (default 8M); longer lines are rejected\n"
	"      --timings        print CPU time per stage at the end\n"
	"  -q, --quiet          no summary on stderr (reject messages still appear)\n"
	"  -h, --help           this help\n"
	"  -V, --version        the version\n"
	"\n"
	"DUR is a number with s, m, h or d (72h); SIZE a number with k, M or G.\n"
	"Each unusable line is reported on stderr as 'wirefold: line N: reason' and the\n"
	"run goes on; the summary's 'accepted + rejected' always equals 'lines read'.\n"
	"\n"
	"exit status:\n"
	"  0  the whole input was processed (rejected lines do not change this)\n"
	"  1  stopped early: read or write error, disk full, out of memory, stdout closed\n"
	"  2  bad command line; nothing was read\n"
	"\n"
	"examples:\n"
	"  wirefold -o bundles < feed.jsonl\n"
	"  wirefold --emit unique -o /dev/shm/b < feed.jsonl > unique.jsonl\n"
	"  zcat feed.jsonl.gz | wirefold --tz America/New_York --emit assignments | jq .\n"
	"\n"
	"other commands:\n"
	"  wirefold cat [--json|--text] BUNDLE...   print bundles\n";

static const char cat_help[] =
	"usage: wirefold cat [--json|--text] BUNDLE...\n"
	"\n"
	"Prints bundles: as their JSON lines (a header line, then one line per story),\n"
	"or as readable text. The default is text on a terminal and JSON otherwise.\n"
	"\n"
	"options:\n"
	"      --json    JSON lines, as stored\n"
	"      --text    a readable listing of the stories and their items\n"
	"  -h, --help    this help\n"
	"\n"
	"examples:\n"
	"  wirefold cat bundles/1987-03-06.stories.jsonl.zst | less\n"
	"  wirefold cat --json bundles/*.zst | jq -r 'select(.story) | .headline'\n"
	"\n"
	"exit status: 0 all printed, 1 a file could not be read or is not a bundle,\n"
	"2 bad command line.\n";

int wf_parse_duration(const char *s, int64_t *ms)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return WF_EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return WF_EINVAL;
	uint64_t unit = 1000;
	if (*end) {
		switch (*end) {
		case 's': unit = 1000; break;
		case 'm': unit = 60 * 1000; break;
		case 'h': unit = 3600 * 1000; break;
		case 'd': unit = 86400 * 1000; break;
		default: return WF_EINVAL;
		}
		if (end[1])
			return WF_EINVAL;
	}
	if (v > (uint64_t)INT64_MAX / unit)
		return WF_EINVAL;
	*ms = (int64_t)(v * unit);
	return 0;
}

int wf_parse_size(const char *s, size_t *bytes)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return WF_EINVAL;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return WF_EINVAL;
	unsigned shift = 0;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return WF_EINVAL;
		}
		if (end[1] && !(end[1] == 'B' && !end[2]) && !(end[1] == 'i' && end[2] == 'B' && !end[3]))
			return WF_EINVAL;
	}
	if (v == 0 || v > (SIZE_MAX >> shift))
		return WF_EINVAL;
	*bytes = (size_t)v << shift;
	return 0;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "wirefold: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'wirefold --help'.\n");
	return WF_EINVAL;
}

enum {
	OPT_TZ = 256, OPT_REJECTS, OPT_WINDOW, OPT_LATENESS, OPT_IDLE,
	OPT_LINE_MAX, OPT_TIMINGS, OPT_JSON, OPT_TEXT,
};

int wf_cli_parse_run(int argc, char **argv, struct wf_config *cfg)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"emit", required_argument, NULL, 'e'},
		{"tz", required_argument, NULL, OPT_TZ},
		{"threads", required_argument, NULL, 'j'},
		{"rejects", required_argument, NULL, OPT_REJECTS},
		{"window", required_argument, NULL, OPT_WINDOW},
		{"lateness", required_argument, NULL, OPT_LATENESS},
		{"story-idle", required_argument, NULL, OPT_IDLE},
		{"line-max", required_argument, NULL, OPT_LINE_MAX},
		{"timings", no_argument, NULL, OPT_TIMINGS},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0, 0, 0, 0},
	};
	wf_config_defaults(cfg);
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":o:e:j:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				return usage_error("--out needs a directory%s", "");
			cfg->out_dir = optarg;
			break;
		case 'e':
			if (strcmp(optarg, "none") == 0)
				cfg->emit = WF_EMIT_NONE;
			else if (strcmp(optarg, "assignments") == 0)
				cfg->emit = WF_EMIT_ASSIGNMENTS;
			else if (strcmp(optarg, "unique") == 0)
				cfg->emit = WF_EMIT_UNIQUE;
			else
				return usage_error("--emit takes none, assignments or unique, not '%s'", optarg);
			break;
		case OPT_TZ:
			cfg->tz = optarg;
			break;
		case 'j': {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (errno || *end || n < 1 || n > 256)
				return usage_error("--threads takes a number from 1 to 256, not '%s'", optarg);
			cfg->threads = (unsigned)n;
			break;
		}
		case OPT_REJECTS:
			cfg->rejects = optarg;
			break;
		case OPT_WINDOW:
			if (wf_parse_duration(optarg, &cfg->dedup.window_ms) < 0)
				return usage_error("--window takes a duration such as 72h, not '%s'", optarg);
			break;
		case OPT_LATENESS:
			if (wf_parse_duration(optarg, &cfg->lateness_ms) < 0)
				return usage_error("--lateness takes a duration such as 6h, not '%s'", optarg);
			break;
		case OPT_IDLE:
			if (wf_parse_duration(optarg, &cfg->cluster.idle_ms) < 0)
				return usage_error("--story-idle takes a duration such as 72h, not '%s'", optarg);
			break;
		case OPT_LINE_MAX:
			if (wf_parse_size(optarg, &cfg->line_max) < 0)
				return usage_error("--line-max takes a size such as 8M, not '%s'", optarg);
			break;
		case OPT_TIMINGS:
			cfg->timings = true;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			fputs(run_help, stdout);
			return 1;
		case 'V':
			printf("wirefold %s\n", WF_VERSION);
			return 1;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (the feed is read from stdin)", argv[optind]);
	if (wf_tz_set(cfg->tz) < 0)
		return usage_error("unknown time zone '%s' (use UTC, an IANA name or +HH:MM)", cfg->tz);
	if (cfg->max_batches == 0)
		cfg->max_batches = 2 * cfg->threads + 2;
	return 0;
}

static void print_summary(const struct wf_config *cfg, const struct wf_summary *s)
{
	double rate = s->elapsed_s > 0 ? (double)s->accepted / s->elapsed_s : 0;
	fprintf(stderr,
	        "wirefold: %" PRIu64 " lines read: %" PRIu64 " accepted, %" PRIu64
	        " rejected; %" PRIu64 " duplicates, %" PRIu64 " updates; %" PRIu64
	        " stories; %" PRIu64 " bundle%s written to %s; %.2f s, %.0f articles/s\n",
	        s->lines, s->accepted, s->rejected, s->dups, s->updates, s->stories,
	        s->bundles, s->bundles == 1 ? "" : "s", cfg->out_dir, s->elapsed_s, rate);
	if (!cfg->timings)
		return;
	double total = 0;
	for (unsigned i = 0; i < s->nstages; i++)
		total += s->stage_cpu_s[i];
	fprintf(stderr, "wirefold: CPU time per stage (all threads):\n");
	for (unsigned i = 0; i < s->nstages; i++)
		fprintf(stderr, "  %-12s %8.3f s  %5.1f %%  %7.2f us/article\n", s->stage_name[i],
		        s->stage_cpu_s[i], total > 0 ? 100 * s->stage_cpu_s[i] / total : 0,
		        s->lines ? 1e6 * s->stage_cpu_s[i] / (double)s->lines : 0);
}

static int cmd_run(int argc, char **argv)
{
	struct wf_config cfg;
	int rc = wf_cli_parse_run(argc, argv, &cfg);
	if (rc != 0)
		return rc > 0 ? WF_EXIT_OK : WF_EXIT_USAGE;
	/* libuv sizes its pool from the environment at first use */
	char n[16];
	snprintf(n, sizeof n, "%u", cfg.threads);
	setenv("UV_THREADPOOL_SIZE", n, 1);
	static char outbuf[1 << 20];
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	struct wf_summary sum;
	rc = wf_run(&cfg, &sum);
	if (fflush(stdout) == EOF && rc == 0) {
		int e = errno;
		if (e == EPIPE)
			fprintf(stderr, "wirefold: stdout closed by its reader\n");
		else
			fprintf(stderr, "wirefold: cannot write to stdout: %s\n", strerror(e));
		rc = e == EPIPE ? WF_EPIPE : WF_EIO;
	}
	if (!cfg.quiet || rc < 0)
		print_summary(&cfg, &sum);
	return rc < 0 ? WF_EXIT_FAILURE : WF_EXIT_OK;
}

static int cmd_cat(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"text", no_argument, NULL, OPT_TEXT},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	int pretty = isatty(STDOUT_FILENO);
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON: pretty = 0; break;
		case OPT_TEXT: pretty = 1; break;
		case 'h': fputs(cat_help, stdout); return WF_EXIT_OK;
		default:
			fprintf(stderr, "wirefold cat: unknown option '%s'\nTry 'wirefold cat --help'.\n",
			        argv[optind - 1]);
			return WF_EXIT_USAGE;
		}
	}
	if (optind == argc) {
		fprintf(stderr, "wirefold cat: no bundle given\nTry 'wirefold cat --help'.\n");
		return WF_EXIT_USAGE;
	}
	int status = WF_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		char err[512];
		int rc = wf_bundle_cat(argv[i], stdout, pretty, err, sizeof err);
		if (rc == WF_EPIPE)
			return WF_EXIT_FAILURE;
		if (rc < 0) {
			fprintf(stderr, "wirefold cat: %s\n", err);
			status = WF_EXIT_FAILURE;
		}
	}
	if (fflush(stdout) == EOF)
		status = WF_EXIT_FAILURE;
	return status;
}

int wf_cli_main(int argc, char **argv)
{
	/* A closed stdout must show up as EPIPE on write, not kill us before
	 * bundles are written. */
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "cat") == 0)
		return cmd_cat(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	return cmd_run(argc, argv);
}
