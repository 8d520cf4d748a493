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
#include "wirefold/digest.h"
#include "wirefold/error.h"
#include "wirefold/fingerprint.h"
#include "wirefold/runtime.h"
#include "wirefold/state.h"
#include "wirefold/stats.h"

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
	"  -j, --threads N      threads to work with (default: the number of cores): 1\n"
	"                       does everything on one; N > 1 parses, normalises and\n"
	"                       fingerprints on N - 1 workers beside the thread that\n"
	"                       dedups and clusters, and writes bundles on one more\n"
	"      --rejects FILE   also copy each rejected line, as it was, to FILE\n"
	"      --state DIR      carry the state (duplicate index, open days, ...) in DIR\n"
	"                       from run to run: 'cat a b | wirefold' and 'cat a |\n"
	"                       wirefold --state S; cat b | wirefold --state S' agree;\n"
	"                       lines are then numbered over the whole feed\n"
	"      --checkpoint-every N  also save the state after every N more lines, so a\n"
	"                       killed run loses at most that much (see 'wirefold state')\n"
	"      --window DUR     how long an article can be duplicated (default 72h)\n"
	"      --lateness DUR   a day's bundle is written once the feed is this far past\n"
	"                       the day's end (default 6h); later articles rewrite it\n"
	"      --zstd-level N   compression level of the bundles, 1 to 19 (default 3; 1\n"
	"                       is 1.5 times as fast, its bundles a quarter larger)\n"
	"      --story-idle DUR a story closes after this long without news (default 72h)\n"
	"      --story-threshold X  least similarity (0 to 1) for an article to join a\n"
	"                       story (default 0.12; see docs/CLUSTERING.md)\n"
	"      --story-half-life DUR  a story's pull halves per this much time since\n"
	"                       its last item (default 150m)\n"
	"      --line-max SIZE  longest accepted line (default 8M); longer lines are rejected\n"
	"      --timings        print CPU time per stage at the end\n"
	"\n"
	"duplicate detection (defaults measured on labelled wire data; see docs/DEDUP.md):\n"
	"      --shingle N           words per shingle (default 3)\n"
	"      --minhash K           MinHash signature length (default 128)\n"
	"      --lsh-threshold J     Jaccard similarity the LSH bands aim at (default 0.2)\n"
	"      --dup-containment C   share of the shorter text's shingles that must be in\n"
	"                            the longer one (default 0.5)\n"
	"      --dup-number-misses N numbers of the shorter text allowed to be missing from\n"
	"                            the longer (default 0: other figures, other report)\n"
	"      --dup-number-share S  ... or this share of them, for corrections (0.34)\n"
	"      --dup-name-misses S   share of its capitalised names allowed missing (0.34)\n"
	"      --lede-words N        words of the lede, indexed on its own so that cut or\n"
	"                            extended copies are found (default 40)\n"
	"      --lede-threshold J    Jaccard similarity the lede bands aim at (default 0.5)\n"
	"      --update-growth G     a later text with G times the shingles that contains\n"
	"                            the earlier one is an update (default 1.15)\n"
	"  -q, --quiet          no progress line and no summary on stderr (reject\n"
	"                       messages still appear); the progress line is only\n"
	"                       ever drawn when stderr is a terminal\n"
	"  -h, --help           this help\n"
	"  -V, --version        the version\n"
	"\n";

/* the rest of the run help (one string would pass C99's 4095 bytes) */
static const char run_help_more[] =
	"DUR is a number with s, m, h or d (72h); SIZE a number with k, M or G.\n"
	"Each unusable line is reported on stderr as 'wirefold: line N: reason' and the\n"
	"run goes on; the summary's 'accepted + rejected' always equals 'lines read'.\n"
	"\n"
	"SIGINT or SIGTERM stops reading; what was read is processed and written, with\n"
	"the state, and the exit status is 0. A second signal ends wirefold at once;\n"
	"files are replaced atomically, so each is then its old or its new version.\n"
	"\n"
	"exit status:\n"
	"  0  the whole input was processed (rejected lines do not change this), or\n"
	"     what was read before SIGINT/SIGTERM\n"
	"  1  stopped early: read or write error, disk full, out of memory, stdout closed\n"
	"  2  bad command line; nothing was read\n"
	"\n"
	"examples:\n"
	"  wirefold -o bundles < feed.jsonl\n"
	"  wirefold --emit unique -o /dev/shm/b < feed.jsonl > unique.jsonl\n"
	"  zcat feed.jsonl.gz | wirefold --tz America/New_York --emit assignments | jq .\n"
	"\n"
	"other commands (each has --help):\n"
	"  wirefold cat [--json|--text] BUNDLE...   print bundles\n"
	"  wirefold digest [-o FILE.html] BUNDLE    a day's stories as one HTML page\n"
	"  wirefold stats [--json] BUNDLE...        articles, duplicates, stories and\n"
	"                                           sources of each day\n"
	"  wirefold state DIR                       what a --state directory holds, and\n"
	"                                           where the feed continues\n";

static const char state_help[] =
	"usage: wirefold state DIR\n"
	"\n"
	"Checks the state that 'wirefold --state DIR' saved (its checksum and layout)\n"
	"and prints what it holds, one 'name: value' per line: the file and its size,\n"
	"the state format, the wirefold that wrote it, 'lines' and 'bytes' of the feed\n"
	"it covers (the next run's input starts right after them), its sections, and\n"
	"the parameters a run must have to continue it.\n"
	"\n"
	"examples:\n"
	"  wirefold state st\n"
	"  # after a crash: feed again from where the last saved state ends\n"
	"  tail -c +$(( $(wirefold state st | sed -n 's/^bytes: //p') + 1 )) feed.jsonl |\n"
	"    wirefold --state st -o bundles\n"
	"\n"
	"exit status: 0 printed, 1 no state or a damaged one, 2 bad command line.\n";

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

static const char digest_help[] =
	"usage: wirefold digest [-o FILE.html] [--top N] BUNDLE\n"
	"\n"
	"Writes a day's bundle as one self-contained HTML page for editors: the stories\n"
	"in the bundle's order (most sources first, then most articles), each with its\n"
	"headline, time span, sources, a bar chart of its articles per hour, its items\n"
	"with their lead sentences, and the collapsed duplicates and updates one click\n"
	"away. A filter box narrows the page to the stories that mention a word; open\n"
	"PAGE.html#q=WORD to start with one. The page loads nothing from anywhere, works\n"
	"opened from disk and reads well on a phone.\n"
	"\n"
	"options:\n"
	"  -o, --out FILE   write the page to FILE, replacing it atomically\n"
	"                   (default, or -: stdout)\n"
	"  -n, --top N      only the N most important stories (default: all)\n"
	"  -h, --help       this help\n"
	"\n"
	"examples:\n"
	"  wirefold digest -o 1987-03-05.html bundles/1987-03-05.stories.jsonl.zst\n"
	"  wirefold digest --top 20 bundles/1987-03-05.stories.jsonl.zst > top20.html\n"
	"\n"
	"exit status: 0 the page was written, 1 the bundle could not be read or the page\n"
	"not written, 2 bad command line.\n";

static const char stats_help[] =
	"usage: wirefold stats [--json] [--top N] BUNDLE...\n"
	"\n"
	"Prints the numbers of each day: articles, items shown, duplicates and updates\n"
	"collapsed, stories (and how many more than one source carried), sources; then\n"
	"each day's top stories and sources.\n"
	"\n"
	"options:\n"
	"      --json     one JSON object per bundle, each on a line of its own\n"
	"  -n, --top N    how many top stories and sources to list (default 5)\n"
	"  -h, --help     this help\n"
	"\n"
	"examples:\n"
	"  wirefold stats bundles/*.zst\n"
	"  wirefold stats --json bundles/*.zst | jq -r '[.day, .articles, .duplicates] | @tsv'\n"
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

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < lo || v > hi)
		return WF_EINVAL;
	*out = (unsigned)v;
	return 0;
}

static int parse_share(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0))
		return WF_EINVAL;
	*out = v;
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
	OPT_LINE_MAX, OPT_TIMINGS, OPT_JSON, OPT_TEXT, OPT_SHINGLE, OPT_MINHASH,
	OPT_LSH, OPT_CONTAIN, OPT_NUMMISS, OPT_NAMEMISS, OPT_GROWTH, OPT_LEDE,
	OPT_LEDE_T, OPT_NUMSHARE, OPT_STATE, OPT_CHECKPOINT, OPT_STORY_TH,
	OPT_STORY_HALF, OPT_ZSTD,
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
		{"zstd-level", required_argument, NULL, OPT_ZSTD},
		{"story-idle", required_argument, NULL, OPT_IDLE},
		{"story-threshold", required_argument, NULL, OPT_STORY_TH},
		{"story-half-life", required_argument, NULL, OPT_STORY_HALF},
		{"line-max", required_argument, NULL, OPT_LINE_MAX},
		{"timings", no_argument, NULL, OPT_TIMINGS},
		{"shingle", required_argument, NULL, OPT_SHINGLE},
		{"minhash", required_argument, NULL, OPT_MINHASH},
		{"lsh-threshold", required_argument, NULL, OPT_LSH},
		{"dup-containment", required_argument, NULL, OPT_CONTAIN},
		{"dup-number-misses", required_argument, NULL, OPT_NUMMISS},
		{"dup-name-misses", required_argument, NULL, OPT_NAMEMISS},
		{"update-growth", required_argument, NULL, OPT_GROWTH},
		{"lede-words", required_argument, NULL, OPT_LEDE},
		{"lede-threshold", required_argument, NULL, OPT_LEDE_T},
		{"dup-number-share", required_argument, NULL, OPT_NUMSHARE},
		{"state", required_argument, NULL, OPT_STATE},
		{"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT},
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
		case OPT_ZSTD: {
			unsigned level;
			if (parse_uint(optarg, 1, 19, &level) < 0)
				return usage_error("--zstd-level takes a number from 1 to 19, not '%s'", optarg);
			cfg->zstd_level = (int)level;
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
		case OPT_STORY_TH:
			if (parse_share(optarg, &cfg->cluster.threshold) < 0)
				return usage_error("--story-threshold takes a number in [0, 1], not '%s'", optarg);
			break;
		case OPT_STORY_HALF:
			if (wf_parse_duration(optarg, &cfg->cluster.half_life_ms) < 0 ||
			    cfg->cluster.half_life_ms == 0)
				return usage_error("--story-half-life takes a duration such as 150m, not '%s'", optarg);
			break;
		case OPT_LINE_MAX:
			if (wf_parse_size(optarg, &cfg->line_max) < 0)
				return usage_error("--line-max takes a size such as 8M, not '%s'", optarg);
			break;
		case OPT_TIMINGS:
			cfg->timings = true;
			break;
		case OPT_SHINGLE:
			if (parse_uint(optarg, 1, 8, &cfg->fp.shingle) < 0)
				return usage_error("--shingle takes 1 to 8 words, not '%s'", optarg);
			break;
		case OPT_MINHASH:
			if (parse_uint(optarg, 8, WF_MINHASH_MAX, &cfg->fp.minhash_k) < 0)
				return usage_error("--minhash takes 8 to 256 values, not '%s'", optarg);
			break;
		case OPT_LSH:
			if (parse_share(optarg, &cfg->dedup.lsh_threshold) < 0)
				return usage_error("--lsh-threshold takes a number in [0, 1], not '%s'", optarg);
			break;
		case OPT_CONTAIN:
			if (parse_share(optarg, &cfg->dedup.min_containment) < 0)
				return usage_error("--dup-containment takes a number in [0, 1], not '%s'", optarg);
			break;
		case OPT_NUMMISS:
			if (parse_uint(optarg, 0, 1000, &cfg->dedup.max_number_misses) < 0)
				return usage_error("--dup-number-misses takes a count, not '%s'", optarg);
			break;
		case OPT_LEDE:
			if (parse_uint(optarg, 1, 100000, &cfg->fp.lede_words) < 0)
				return usage_error("--lede-words takes a count of words, not '%s'", optarg);
			break;
		case OPT_LEDE_T:
			if (parse_share(optarg, &cfg->dedup.lede_threshold) < 0)
				return usage_error("--lede-threshold takes a number in [0, 1], not '%s'", optarg);
			break;
		case OPT_NUMSHARE:
			if (parse_share(optarg, &cfg->dedup.max_number_miss_share) < 0)
				return usage_error("--dup-number-share takes a number in [0, 1], not '%s'", optarg);
			break;
		case OPT_NAMEMISS:
			if (parse_share(optarg, &cfg->dedup.max_name_miss_share) < 0)
				return usage_error("--dup-name-misses takes a number in [0, 1], not '%s'", optarg);
			break;
		case OPT_GROWTH: {
			char *end;
			errno = 0;
			double g = strtod(optarg, &end);
			if (errno || *end || !(g >= 1.0 && g <= 100.0))
				return usage_error("--update-growth takes a number >= 1, not '%s'", optarg);
			cfg->dedup.update_growth = g;
			break;
		}
		case OPT_STATE:
			if (!*optarg)
				return usage_error("--state needs a directory%s", "");
			cfg->state_dir = optarg;
			break;
		case OPT_CHECKPOINT: {
			char *end;
			errno = 0;
			unsigned long long n = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || n == 0)
				return usage_error("--checkpoint-every takes a number of lines, not '%s'",
				                   optarg);
			cfg->checkpoint_every = n;
			break;
		}
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			fputs(run_help, stdout);
			fputs(run_help_more, stdout);
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
	if (cfg->checkpoint_every && !cfg->state_dir)
		return usage_error("--checkpoint-every needs --state%s", "");
	if (cfg->max_batches == 0)
		cfg->max_batches = 2 * cfg->threads + 2;
	return 0;
}

static void print_summary(const struct wf_config *cfg, const struct wf_summary *s)
{
	double rate = s->elapsed_s > 0 ? (double)s->accepted / s->elapsed_s : 0;
	if (s->interrupted)
		fprintf(stderr, "wirefold: interrupted: stopped reading; every line read before "
		        "was processed\n");
	if (s->state_saved)
		fprintf(stderr, "wirefold: state saved in %s: the feed continues after line %" PRIu64
		        "\n", cfg->state_dir, s->state_lines);
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
	if (s->dedup.peak_held)
		fprintf(stderr,
		        "wirefold: duplicate index: at most %zu articles held; LSH tables %.0f bytes "
		        "and verification sets %.0f bytes per article held\n",
		        s->dedup.peak_held, (double)s->dedup.index_bytes / (double)s->dedup.peak_held,
		        (double)s->dedup.entry_bytes / (double)s->dedup.peak_held);
}

static int cmd_run(int argc, char **argv)
{
	struct wf_config cfg;
	int rc = wf_cli_parse_run(argc, argv, &cfg);
	if (rc != 0)
		return rc > 0 ? WF_EXIT_OK : WF_EXIT_USAGE;
	/* libuv sizes its pool from the environment at first use */
	char n[16];
	snprintf(n, sizeof n, "%u", cfg.threads > 1 ? cfg.threads - 1 : 1);
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

static int sub_usage(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "wirefold %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'wirefold %s --help'.\n", cmd);
	return WF_EXIT_USAGE;
}

/* "--top N": a count from 1 to a million */
static int parse_top(const char *s, size_t *n)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < 1 || v > 1000000)
		return WF_EINVAL;
	*n = v;
	return 0;
}

static int cmd_digest(int argc, char **argv)
{
	static const struct option opts[] = {
		{"out", required_argument, NULL, 'o'},
		{"top", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct wf_digest_opts dopts = {0};
	const char *out = NULL;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":o:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!*optarg)
				return sub_usage("digest", "--out needs a file name%s", "");
			out = optarg;
			break;
		case 'n':
			if (parse_top(optarg, &dopts.top) < 0)
				return sub_usage("digest", "--top takes a number from 1, not '%s'", optarg);
			break;
		case 'h':
			fputs(digest_help, stdout);
			return WF_EXIT_OK;
		case ':':
			return sub_usage("digest", "option '%s' needs a value", argv[optind - 1]);
		default:
			return sub_usage("digest", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return sub_usage("digest", "no bundle given%s", "");
	if (argc - optind > 1)
		return sub_usage("digest", "one bundle at a time; what is '%s'?", argv[optind + 1]);
	char err[512];
	int rc = wf_digest_file(argv[optind], out, &dopts, err, sizeof err);
	if (rc == 0 && fflush(stdout) == EOF)
		rc = errno == EPIPE ? WF_EPIPE : WF_EIO;
	if (rc < 0 && rc != WF_EPIPE)
		fprintf(stderr, "wirefold digest: %s\n", err);
	return rc < 0 ? WF_EXIT_FAILURE : WF_EXIT_OK;
}

static int cmd_stats(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"top", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	bool json = false;
	size_t top = 5;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":n:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case 'n':
			if (parse_top(optarg, &top) < 0)
				return sub_usage("stats", "--top takes a number from 1, not '%s'", optarg);
			break;
		case 'h':
			fputs(stats_help, stdout);
			return WF_EXIT_OK;
		case ':':
			return sub_usage("stats", "option '%s' needs a value", argv[optind - 1]);
		default:
			return sub_usage("stats", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return sub_usage("stats", "no bundle given%s", "");
	struct wf_stats *days = calloc((size_t)(argc - optind), sizeof *days);
	if (!days) {
		fprintf(stderr, "wirefold stats: out of memory\n");
		return WF_EXIT_FAILURE;
	}
	int status = WF_EXIT_OK, rc = 0;
	size_t n = 0;
	for (int i = optind; i < argc && rc != WF_EPIPE; i++) {
		char err[512];
		if (wf_stats_read(argv[i], top, &days[n], err, sizeof err) < 0) {
			fprintf(stderr, "wirefold stats: %s\n", err);
			status = WF_EXIT_FAILURE;
			continue;
		}
		if (!json) {
			n++; /* the table needs every day first */
			continue;
		}
		rc = wf_stats_print_json(stdout, &days[n], top);
		wf_stats_close(&days[n]);
	}
	if (!json && n)
		rc = wf_stats_print_text(stdout, days, n, top);
	for (size_t i = 0; i < n; i++)
		wf_stats_close(&days[i]);
	free(days);
	if (rc < 0 || fflush(stdout) == EOF)
		status = WF_EXIT_FAILURE;
	return status;
}

static int cmd_state(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(state_help, stdout);
		return WF_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return sub_usage("state", "give one state directory%s", "");
	char err[1024];
	if (wf_state_describe(argv[1], stdout, err, sizeof err) < 0) {
		fprintf(stderr, "wirefold state: %s\n", err);
		return WF_EXIT_FAILURE;
	}
	return fflush(stdout) == EOF ? WF_EXIT_FAILURE : WF_EXIT_OK;
}

int wf_cli_main(int argc, char **argv)
{
	/* A closed stdout must show up as EPIPE on write, not kill us before
	 * bundles are written. */
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "cat") == 0)
		return cmd_cat(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "digest") == 0)
		return cmd_digest(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "stats") == 0)
		return cmd_stats(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "state") == 0)
		return cmd_state(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	return cmd_run(argc, argv);
}
