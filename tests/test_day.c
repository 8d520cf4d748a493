#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/* UTC and fixed offsets are worked out without the C library; the C
 * library, under the TZ that wf_tz_set chose, is the oracle. A spread over
 * years 0000-9999 and every second around a few midnights. */
Test(day, fixed_zones_agree_with_the_c_library)
{
	static const char *zones[] = {"UTC", "+05:30", "-0800", "+14", "-12:00", "+0045"};
	for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
		cr_assert_eq(wf_tz_set(zones[z]), 0);
		uint64_t x = 0x9e3779b97f4a7c15u;
		for (int i = 0; i < 100000; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			int64_t ms;
			if (i < 50000)
				ms = WF_TIME_MIN_MS + (int64_t)(x % (uint64_t)(WF_TIME_MAX_MS - WF_TIME_MIN_MS));
			else /* within 14 h of a midnight UTC, to the second */
				ms = ((int64_t)(x % 4000000) - 2000000) * 86400000LL +
				     ((int64_t)(x >> 40) % 100801 - 50400) * 1000;
			time_t t = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
			struct tm tm;
			cr_assert(localtime_r(&t, &tm));
			int32_t want = wf_days_from_civil((int64_t)tm.tm_year + 1900,
			                                  (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
			const int32_t first = wf_days_from_civil(0, 1, 1);
			const int32_t last = wf_days_from_civil(9999, 12, 31);
			want = want < first ? first : want > last ? last : want;
			cr_assert_eq(wf_day_of(ms), want, "%s at %lld", zones[z], (long long)ms);
			/* the day's end is the next local midnight, as mktime says */
			int64_t y;
			unsigned m, d;
			wf_civil_from_days((int64_t)want + 1, &y, &m, &d);
			struct tm mid = {.tm_year = (int)(y - 1900), .tm_mon = (int)m - 1,
			                 .tm_mday = (int)d, .tm_isdst = -1};
			cr_assert_eq(wf_day_end_ms(want), (int64_t)mktime(&mid) * 1000,
			             "%s day %d", zones[z], want);
		}
	}
	wf_tz_set("UTC");
}

Test(day, civil_from_days_inverts_days_from_civil)
{
	for (int64_t z = -1000000; z <= 3000000; z++) {
		int64_t y;
		unsigned m, d;
		wf_civil_from_days(z, &y, &m, &d);
		cr_assert_eq(wf_days_from_civil(y, m, d), z);
	}
}
