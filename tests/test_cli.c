#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>
#include <string.h>

#include "wirefold/cli.h"
#include "wirefold/error.h"

struct dur_case {
	char text[24];
	int rc;
	long long ms;
};

ParameterizedTestParameters(cli, durations)
{
	static struct dur_case cases[] = {
		{"90", 0, 90000}, {"90s", 0, 90000}, {"30m", 0, 1800000},
		{"72h", 0, 259200000}, {"2d", 0, 172800000}, {"0", 0, 0},
		{"", WF_EINVAL, 0}, {"-1h", WF_EINVAL, 0}, {"1w", WF_EINVAL, 0},
		{"1hh", WF_EINVAL, 0}, {"h", WF_EINVAL, 0}, {"99999999999999999d", WF_EINVAL, 0},
	};
	return cr_make_param_array(struct dur_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct dur_case *c, cli, durations)
{
	int64_t ms = -7;
	cr_assert_eq(wf_parse_duration(c->text, &ms), c->rc, "'%s'", c->text);
	if (c->rc == 0)
		cr_assert_eq(ms, c->ms, "'%s'", c->text);
}

Test(cli, sizes)
{
	size_t b;
	cr_assert_eq(wf_parse_size("8M", &b), 0);
	cr_assert_eq(b, 8u << 20);
	cr_assert_eq(wf_parse_size("512k", &b), 0);
	cr_assert_eq(b, 512u << 10);
	cr_assert_eq(wf_parse_size("1GiB", &b), 0);
	cr_assert_eq(b, 1u << 30);
	cr_assert_eq(wf_parse_size("0", &b), WF_EINVAL);
	cr_assert_eq(wf_parse_size("1X", &b), WF_EINVAL);
	cr_assert_eq(wf_parse_size("-5", &b), WF_EINVAL);
}

static int parse(struct wf_config *cfg, int argc, const char **argv)
{
	return wf_cli_parse_run(argc, (char **)argv, cfg);
}

Test(cli, run_options_fill_the_config)
{
	struct wf_config cfg;
	const char *argv[] = {"wirefold", "-o", "/tmp/x", "--emit", "assignments", "--threads",
	                      "3", "--tz", "+02:00", "--window", "24h", "--line-max", "1M",
	                      "--zstd-level", "1", NULL};
	cr_assert_eq(parse(&cfg, 15, argv), 0);
	cr_assert_str_eq(cfg.out_dir, "/tmp/x");
	cr_assert_eq(cfg.emit, WF_EMIT_ASSIGNMENTS);
	cr_assert_eq(cfg.threads, 3);
	cr_assert_eq(cfg.max_batches, 8);
	cr_assert_eq(cfg.dedup.window_ms, 24 * 3600 * 1000LL);
	cr_assert_eq(cfg.line_max, 1u << 20);
	cr_assert_eq(cfg.zstd_level, 1);
}

Test(cli, bad_options_are_usage_errors, .init = cr_redirect_stderr)
{
	struct wf_config cfg;
	const char *a1[] = {"wirefold", "--emit", "everything", NULL};
	cr_assert_eq(parse(&cfg, 3, a1), WF_EINVAL);
	const char *a2[] = {"wirefold", "--threads", "0", NULL};
	cr_assert_eq(parse(&cfg, 3, a2), WF_EINVAL);
	const char *a3[] = {"wirefold", "--tz", "Nowhere/Land", NULL};
	cr_assert_eq(parse(&cfg, 3, a3), WF_EINVAL);
	const char *a4[] = {"wirefold", "feed.jsonl", NULL};
	cr_assert_eq(parse(&cfg, 2, a4), WF_EINVAL);
	const char *a5[] = {"wirefold", "--out", NULL};
	cr_assert_eq(parse(&cfg, 2, a5), WF_EINVAL);
	const char *a6[] = {"wirefold", "--bogus", NULL};
	cr_assert_eq(parse(&cfg, 2, a6), WF_EINVAL);
	const char *a7[] = {"wirefold", "--zstd-level", "20", NULL};
	cr_assert_eq(parse(&cfg, 3, a7), WF_EINVAL);
}

Test(cli, help_and_version_are_handled, .init = cr_redirect_stdout)
{
	struct wf_config cfg;
	const char *a1[] = {"wirefold", "--help", NULL};
	cr_assert_eq(parse(&cfg, 2, a1), 1);
	const char *a2[] = {"wirefold", "-V", NULL};
	cr_assert_eq(parse(&cfg, 2, a2), 1);
}
