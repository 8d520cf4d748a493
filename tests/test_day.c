#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>

#include "wirefold/day.h"
#include "wirefold/error.h"
#include "wirefold/timeparse.h"

struct day_case {
	char tz[32];
	long long ms;
	char day[11];
};

ParameterizedTestParameters(day, local_day)
{
	static struct day_case cases[] = {
		{"UTC", 0, "1970-01-01"},
		{"UTC", 541350061000LL, "1987-02-26"},       /* 1987-02-26T15:01:01Z */
		{"UTC", 1763683199000LL, "2025-11-20"},      /* 23:59:59Z */
		{"+05:30", 1763663400000LL, "2025-11-21"},   /* 2025-11-20T18:30Z */
		{"-0800", 1763683199000LL, "2025-11-20"},
		{"-0800", 1763625600000LL, "2025-11-20"},    /* 08:00Z = midnight -08 */
		{"-0800", 1763625599000LL, "2025-11-19"},
		{"Asia/Tokyo", 1763650800000LL, "2025-11-21"}, /* 15:00Z = 00:00 JST */
		{"America/New_York", 1763614800000LL, "2025-11-20"}, /* 05:00Z = 00:00 EST */
		{"UTC", -1000LL, "1969-12-31"},
	};
	return cr_make_param_array(struct day_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct day_case *c, day, local_day)
{
	cr_assert_eq(wf_tz_set(c->tz), 0, "%s", c->tz);
	char out[11];
	wf_day_format(wf_day_of(c->ms), out);
	cr_assert_str_eq(out, c->day, "%s at %lld", c->tz, c->ms);
	/* the day ends after the instant, and at most 25 h later */
	int64_t end = wf_day_end_ms(wf_day_of(c->ms));
	cr_assert_gt(end, c->ms);
	cr_assert_leq(end - c->ms, 25 * 3600 * 1000LL);
	wf_tz_set("UTC");
}

Test(day, rejects_unknown_zones)
{
	cr_assert_eq(wf_tz_set("Mars/Olympus_Mons"), WF_ETZ);
	cr_assert_eq(wf_tz_set("+25:00"), WF_ETZ);
	cr_assert_eq(wf_tz_set("+5"), WF_ETZ);
	cr_assert_eq(wf_tz_set("../../etc/passwd"), WF_ETZ);
	cr_assert_eq(wf_tz_set("UTC"), 0);
}

Test(day, dst_day_is_23_hours_long)
{
	cr_assert_eq(wf_tz_set("Europe/Berlin"), 0);
	int32_t d = wf_days_from_civil(2026, 3, 29); /* clocks go forward */
	cr_assert_eq(wf_day_end_ms(d) - wf_day_end_ms(d - 1), 23 * 3600 * 1000LL);
	wf_tz_set("UTC");
}

Test(day, civil_round_trip)
{
	char out[11];
	for (int32_t d = -800000; d < 800000; d += 997) {
		wf_day_format(d, out);
		int y, m, dd;
		if (sscanf(out, "%d-%d-%d", &y, &m, &dd) != 3 || y == 0)
			continue;
		cr_assert_eq(wf_days_from_civil(y, (unsigned)m, (unsigned)dd), d);
	}
}

/* The feed's last and first instants, seen from zones 14 and 12 hours
 * away, stay on 9999-12-31 and 0000-01-01: a day of year 10000 would have
 * been named 0000-01-01 and overwritten that day's bundle. */
Test(day, the_ends_of_time_keep_names_of_their_own)
{
	char name[11];
	cr_assert_eq(wf_tz_set("+14:00"), 0);
	int32_t d = wf_day_of(WF_TIME_MAX_MS);
	wf_day_format(d, name);
	cr_assert_str_eq(name, "9999-12-31");
	cr_assert_eq(wf_tz_set("-12:00"), 0);
	d = wf_day_of(WF_TIME_MIN_MS);
	wf_day_format(d, name);
	cr_assert_str_eq(name, "0000-01-01");
	wf_tz_set("UTC");
}
