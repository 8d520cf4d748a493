/* cli.h — the command line: `wirefold [run] [options]`, `wirefold cat`. */
#ifndef WF_CLI_H
#define WF_CLI_H

#include <stdint.h>

#include "wirefold/config.h"

/* Exit codes, documented in --help. */
enum wf_exit {
	WF_EXIT_OK = 0,      /* done; rejected lines do not change this */
	WF_EXIT_FAILURE = 1, /* stopped: I/O error, disk full, out of memory, stdout closed */
	WF_EXIT_USAGE = 2,   /* bad command line; nothing was read */
};

/* wf_cli_main: run the program.  Returns an enum wf_exit. */
int wf_cli_main(int argc, char **argv);

/* wf_parse_duration: "90", "90s", "30m", "72h", "2d" → milliseconds.
 * Returns 0, or WF_EINVAL for anything else (negative, overflow, junk). */
int wf_parse_duration(const char *s, int64_t *ms);

/* wf_parse_size: "1048576", "512k", "8M", "1G" (binary units) → bytes.
 * Returns 0 or WF_EINVAL. */
int wf_parse_size(const char *s, size_t *bytes);

/* wf_cli_parse_run: parse the options of `run` into cfg (defaults first).
 * Returns 0, 1 when --help or --version was handled (printed to stdout), or
 * WF_EINVAL after printing the problem to stderr.  Not thread-safe (getopt). */
int wf_cli_parse_run(int argc, char **argv, struct wf_config *cfg);

#endif
