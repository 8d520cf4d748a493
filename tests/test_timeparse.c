#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "wirefold/error.h"
#include "wirefold/timeparse.h"

#include "testutil.h"

struct valid_case {
	const char *in;
	int64_t ms;
};

static const struct valid_case valid_cases[] = {
	{"2023-11-21T10:15:30Z", 1700561730000},
	{"2023-11-21t10:15:30z", 1700561730000},
	{"2023-11-21T10:15:30", 1700561730000},       /* no zone = UTC */
	{"2023-11-21 10:15:30", 1700561730000},       /* space separator */
	{"2023-11-21T10:15:30.123Z", 1700561730123},
	{"2023-11-21T10:15:30.1Z", 1700561730100},
	{"2023-11-21T10:15:30.123456789Z", 1700561730123}, /* truncated */
	{"2023-11-21T10:15:30.9999Z", 1700561730999},
	{"2023-11-21T10:15:30,5Z", 1700561730500},    /* ISO 8601 comma */
	{"2023-11-21T11:15:30+01:00", 1700561730000},
	{"2023-11-21T11:15:30+0100", 1700561730000},
	{"2023-11-21T11:15:30+01", 1700561730000},
	{"2023-11-21T04:45:30-05:30", 1700561730000},
	{"2023-11-21T10:15:30-00:00", 1700561730000},
	{"2023-11-21T11:15:30.250+01:00", 1700561730250},
	{"2023-11-21T10:15", 1700561700000},          /* no seconds */
	{"2023-11-21T10:15Z", 1700561700000},
	{"2023-11-21", 1700524800000},                /* midnight UTC */
	{"1987-02-26T15:01:01Z", 541350061000},
	{"1970-01-01T00:00:00Z", 0},
	{"1969-12-31T23:59:59.999Z", -1},
	{"2000-02-29", 951782400000},                 /* 400-year leap */
	{"2024-02-29T12:00:00Z", 1709208000000},
	{"2016-12-31T23:59:60Z", 1483228800000},      /* leap second */
	{"0000-01-01T00:00:00Z", WF_TIME_MIN_MS},
	{"9999-12-31T23:59:59.999Z", WF_TIME_MAX_MS},
	{"1700000000", 1700000000000},                /* epoch seconds */
	{"1700000000.5", 1700000000500},
	{"1700000000.1239", 1700000000123},
	{"1700000000123", 1700000000123},             /* epoch ms */
	{"99999999999", 99999999999000},              /* < 1e11: seconds */
	{"100000000000", 100000000000},               /* >= 1e11: ms */
	{"0", 0},
	{"-1", -1000},
	{"-1.5", -1500},
	{"-0.0005", -1},                              /* toward the past */
};

ParameterizedTestParameters(timeparse, valid)
{
	return cr_make_param_array(size_t, indices(COUNT(valid_cases)),
	                           COUNT(valid_cases));
}

ParameterizedTest(size_t *i, timeparse, valid)
{
	const struct valid_case *c = &valid_cases[*i];
	size_t n = strlen(c->in);
	struct guarded g = guard(c->in, n);
	int64_t ms = 42;
	int rc = wf_time_parse(g.s, n, &ms);
	cr_assert_eq(rc, 0, "%s: rc %d", c->in, rc);
	cr_assert_eq(ms, c->ms, "%s: got %lld, want %lld", c->in, (long long)ms,
	             (long long)c->ms);
	cr_assert_null(wf_time_why(g.s, n), "%s", c->in);
	unguard(&g);
}

struct invalid_case {
	const char *in;
	const char *why; /* a word of the reason */
};

static const struct invalid_case invalid_cases[] = {
	{"", "RFC 3339"},
	{"yesterday", "RFC 3339"},
	{"2023-02-30", "day"},
	{"2023-02-29", "day"},
	{"1900-02-29", "day"},
	{"2023-04-31", "day"},
	{"2023-11-00", "day"},
	{"2023-13-01", "month"},
	{"2023-00-10", "month"},
	{"2023-11-21T25:00:00Z", "hour"},
	{"2023-11-21T24:00:00Z", "hour"},
	{"2023-11-21T10:60:00Z", "minute"},
	{"2023-11-21T10:15:61Z", "second"},
	{"2023-11-21T10:15:30+24:00", "zone"},
	{"2023-11-21T10:15:30+01:60", "zone"},
	{"2023-11-21T10:15:30Zjunk", "RFC 3339"},
	{"2023-11-21T10:15:30Z ", "RFC 3339"},
	{" 2023-11-21", "RFC 3339"},
	{"2023-11-21T", "RFC 3339"},
	{"2023-11-21T10", "RFC 3339"},
	{"2023-11-21T10:15:30.", "RFC 3339"},
	{"2023-11-21T10:15.5", "RFC 3339"},
	{"2023-11-21T10:15:3", "RFC 3339"},
	{"2023-11-21T10:15:30+1", "RFC 3339"},
	{"2023-11-21T10:15:30+01:0", "RFC 3339"},
	{"2023-11-21X10:15:30", "RFC 3339"},
	{"2023-11-21T1a:15:30", "RFC 3339"},
	{"23-11-21", "RFC 3339"},
	{"2023/11/21", "RFC 3339"},
	{"2023-1-21", "RFC 3339"},
	{"Tue, 21 Nov 2023 10:15:30 GMT", "RFC 3339"},
	{"+1700000000", "RFC 3339"},
	{"1e9", "RFC 3339"},
	{"1700000000.", "RFC 3339"},
	{".5", "RFC 3339"},
	{"-", "RFC 3339"},
	{"12345678901234567890", "range"},
	{"-99999999999999999", "range"},
	{"0000-01-01T00:00:00+00:01", "range"},
	{"9999-12-31T23:59:59-01:00", "range"},
};

ParameterizedTestParameters(timeparse, invalid)
{
	return cr_make_param_array(size_t, indices(COUNT(invalid_cases)),
	                           COUNT(invalid_cases));
}

ParameterizedTest(size_t *i, timeparse, invalid)
{
	const struct invalid_case *c = &invalid_cases[*i];
	size_t n = strlen(c->in);
	struct guarded g = guard(c->in, n);
	int64_t ms = 42;
	cr_assert_eq(wf_time_parse(g.s, n, &ms), WF_EBADTIME, "%s", c->in);
	cr_assert_eq(ms, 42, "%s: output touched on failure", c->in);
	const char *why = wf_time_why(g.s, n);
	cr_assert_not_null(why, "%s", c->in);
	cr_assert_not_null(strstr(why, c->why), "%s: reason '%s' lacks '%s'", c->in,
	                   why, c->why);
	unguard(&g);
}

Test(timeparse, every_prefix_is_read_within_its_slice)
{
	static const char *const inputs[] = {
		"2023-11-21T10:15:30.123456+01:00",
		"2023-11-21 10:15:30",
		"1700000000.123",
		"-1700000000123",
	};
	for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		size_t n = strlen(inputs[i]);
		for (size_t k = 0; k <= n; k++) {
			struct guarded g = guard(inputs[i], k);
			int64_t ms;
			int rc = wf_time_parse(g.s, k, &ms);
			cr_assert(rc == 0 || rc == WF_EBADTIME);
			unguard(&g);
		}
	}
}

Test(timeparse, does_not_need_a_terminator)
{
	/* "2023-11-21" followed by more text: only the slice counts */
	const char *s = "2023-11-21T10:15:30Zgarbage";
	int64_t ms;
	cr_assert_eq(wf_time_parse(s, 20, &ms), 0);
	cr_assert_eq(ms, 1700561730000);
	cr_assert_eq(wf_time_parse(s, 10, &ms), 0);
	cr_assert_eq(ms, 1700524800000);
}

Test(timeparse, bad_arguments)
{
	int64_t ms;
	cr_assert_eq(wf_time_parse(NULL, 3, &ms), WF_EINVAL);
	cr_assert_eq(wf_time_parse("0", 1, NULL), WF_EINVAL);
	cr_assert_eq(wf_time_parse(NULL, 0, &ms), WF_EBADTIME);
	cr_assert_eq(wf_time_from_epoch(1, NULL), WF_EINVAL);
	cr_assert_eq(wf_time_format(0, NULL), WF_EINVAL);
}

/* Days from civil must agree with the C library's timegm (which ignores TZ)
 * on every day of 1600–2400 and a spread of times of day. */
Test(timeparse, agrees_with_timegm)
{
	int64_t day = 0;
	for (int y = 1600; y <= 2400; y++) {
		for (int m = 1; m <= 12; m++) {
			for (int d = 1; d <= 31; d++, day++) {
				char s[64];
				int h = (int)(day % 24), mi = (int)(day * 7 % 60),
				    sec = (int)(day * 13 % 60);
				snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:%02dZ", y,
				         m, d, h, mi, sec);
				struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1,
				                .tm_mday = d, .tm_hour = h, .tm_min = mi,
				                .tm_sec = sec};
				time_t t = timegm(&tm);
				int64_t ms;
				int rc = wf_time_parse(s, strlen(s), &ms);
				if (tm.tm_mday != d) { /* timegm normalised: no such day */
					cr_assert_eq(rc, WF_EBADTIME, "%s", s);
					continue;
				}
				cr_assert_eq(rc, 0, "%s", s);
				cr_assert_eq(ms, (int64_t)t * 1000, "%s", s);
			}
		}
	}
}

struct format_case {
	int64_t ms;
	const char *out;
};

static const struct format_case format_cases[] = {
	{0, "1970-01-01T00:00:00Z"},
	{1700561730000, "2023-11-21T10:15:30Z"},
	{1700561730123, "2023-11-21T10:15:30.123Z"},
	{1700561730005, "2023-11-21T10:15:30.005Z"},
	{-1, "1969-12-31T23:59:59.999Z"},
	{-1000, "1969-12-31T23:59:59Z"},
	{951782400000, "2000-02-29T00:00:00Z"},
	{WF_TIME_MIN_MS, "0000-01-01T00:00:00Z"},
	{WF_TIME_MAX_MS, "9999-12-31T23:59:59.999Z"},
	{WF_TIME_MIN_MS - 1, "-0001-12-31T23:59:59.999Z"},
	{WF_TIME_MAX_MS + 1, "+10000-01-01T00:00:00Z"},
	{INT64_MIN, "-292275055-05-16T16:47:04.192Z"},
	{INT64_MAX, "+292278994-08-17T07:12:55.807Z"},
};

ParameterizedTestParameters(timeparse, format)
{
	return cr_make_param_array(size_t, indices(COUNT(format_cases)),
	                           COUNT(format_cases));
}

ParameterizedTest(size_t *i, timeparse, format)
{
	const struct format_case *c = &format_cases[*i];
	char out[WF_TIME_FORMAT_MAX];
	int n = wf_time_format(c->ms, out);
	cr_assert_str_eq(out, c->out);
	cr_assert_eq(n, (int)strlen(c->out));
}

Test(timeparse, format_then_parse_round_trips)
{
	/* a deterministic spread over the whole accepted range */
	uint64_t x = 88172645463325252u;
	const uint64_t span = (uint64_t)(WF_TIME_MAX_MS - WF_TIME_MIN_MS) + 1;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		int64_t ms = WF_TIME_MIN_MS + (int64_t)(x % span);
		if (i % 2)
			ms -= ms % 1000; /* whole seconds too */
		char out[WF_TIME_FORMAT_MAX];
		int n = wf_time_format(ms, out);
		int64_t back;
		cr_assert_eq(wf_time_parse(out, (size_t)n, &back), 0, "%s", out);
		cr_assert_eq(back, ms, "%s", out);
	}
}

/* Every day from -0400-01-01 to +10000-01-01 (a 400-year era before the
 * accepted range, and the first day after it) formats as the date a plain calendar walk reaches:
 * an oracle that shares no arithmetic with wf_time_format. */
Test(timeparse, format_walks_the_calendar)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t y = -400;
	int m = 1, d = 1;
	const int64_t first = -719528 - 146097; /* 0000-01-01 is day -719528 */
	for (int64_t day = first;; day++) {
		char out[WF_TIME_FORMAT_MAX], want[64];
		wf_time_format(day * 86400000 + 43200000, out);
		snprintf(want, sizeof want, "%s%04lld-%02d-%02dT12:00:00Z",
		         y < 0 ? "-" : y > 9999 ? "+" : "", (long long)(y < 0 ? -y : y), m, d);
		cr_assert_str_eq(out, want);
		if (y == 10000)
			break;
		const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (++d > len[m - 1] + (m == 2 && leap)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
}

struct epoch_case {
	double v;
	int rc;
	int64_t ms;
};

static const struct epoch_case epoch_cases[] = {
	{1700000000.0, 0, 1700000000000},
	{1700000000.123, 0, 1700000000123},
	{1700000000123.0, 0, 1700000000123},
	{99999999999.0, 0, 99999999999000},
	{1e11, 0, 100000000000},
	{-1.5, 0, -1500},
	{0.0, 0, 0},
	{1e300, WF_EBADTIME, 0},
	{-1e17, WF_EBADTIME, 0},
	{INFINITY, WF_EBADTIME, 0},
	{NAN, WF_EBADTIME, 0},
};

ParameterizedTestParameters(timeparse, epoch)
{
	return cr_make_param_array(size_t, indices(COUNT(epoch_cases)),
	                           COUNT(epoch_cases));
}

ParameterizedTest(size_t *i, timeparse, epoch)
{
	const struct epoch_case *c = &epoch_cases[*i];
	int64_t ms = 0;
	cr_assert_eq(wf_time_from_epoch(c->v, &ms), c->rc, "%.17g", c->v);
	cr_assert_eq(ms, c->ms, "%.17g: got %lld", c->v, (long long)ms);
}
