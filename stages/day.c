/* day.c — local calendar days through the C library's zone database. */
#include "wirefold/day.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wirefold/error.h"

/* Howard Hinnant's days-from-civil algorithm (public domain description). */
int32_t wf_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t)(era * 146097 + (int64_t)doe - 719468);
}

void wf_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* UTC and fixed offsets have no rules, so their days are worked out here
 * instead of through localtime_r, which takes the C library's zone lock
 * (~730 instructions an article, on the thread that bundles). */
static bool zone_fixed = true;
static int64_t zone_offset_s; /* east of UTC */

/* "+05:30", "-0800", "+01" → POSIX TZ "<+0530>-05:30" (POSIX signs are
 * inverted: hours to add to local time to get UTC). */
static int offset_tz(const char *s, char *out, size_t outlen, int64_t *offset_s)
{
	if (s[0] != '+' && s[0] != '-')
		return WF_ETZ;
	unsigned h = 0, m = 0;
	size_t n = strlen(s + 1);
	const char *p = s + 1;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)p[i]) && !(i == 2 && p[i] == ':'))
			return WF_ETZ;
	if (n == 2)
		h = (unsigned)atoi(p);
	else if (n == 4 && p[2] != ':')
		h = (unsigned)((p[0] - '0') * 10 + (p[1] - '0')), m = (unsigned)atoi(p + 2);
	else if (n == 5 && p[2] == ':')
		h = (unsigned)((p[0] - '0') * 10 + (p[1] - '0')), m = (unsigned)atoi(p + 3);
	else
		return WF_ETZ;
	if (h > 14 || m > 59)
		return WF_ETZ;
	snprintf(out, outlen, "<%c%02u%02u>%c%02u:%02u", s[0], h, m,
	         s[0] == '+' ? '-' : '+', h, m);
	*offset_s = (s[0] == '+' ? 1 : -1) * (int64_t)(h * 3600 + m * 60);
	return 0;
}

int wf_tz_set(const char *name)
{
	char buf[64];
	const char *tz;
	bool fixed = true;
	int64_t offset_s = 0;
	if (!name || !*name || strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0) {
		tz = "UTC0";
	} else if (name[0] == '+' || name[0] == '-') {
		if (offset_tz(name, buf, sizeof buf, &offset_s) < 0)
			return WF_ETZ;
		tz = buf;
	} else {
		/* An IANA name must exist in the zone database: glibc silently
		 * falls back to UTC for an unknown name, which would put every
		 * article on the wrong day without a word. */
		char path[512];
		if (strstr(name, "..") || name[0] == '/')
			return WF_ETZ;
		snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
		if (access(path, R_OK) != 0)
			return WF_ETZ;
		snprintf(buf, sizeof buf, ":%s", name);
		tz = buf;
		fixed = false;
	}
	if (setenv("TZ", tz, 1) != 0)
		return WF_ENOMEM;
	tzset();
	zone_fixed = fixed;
	zone_offset_s = offset_s;
	return 0;
}

int32_t wf_day_of(int64_t ms)
{
	const int64_t s = wf_floor_div(ms, 1000);
	int64_t day;
	struct tm tm;
	time_t t = (time_t)s;
	if (zone_fixed)
		day = wf_floor_div(s + zone_offset_s, 86400);
	else if (localtime_r(&t, &tm))
		day = wf_days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
		                         (unsigned)tm.tm_mday);
	else
		day = wf_floor_div(s, 86400); /* beyond struct tm's years */
	/* A feed's times are years 0000-9999 in UTC; a zone can put the first
	 * or last hours in year -1 or 10000, which have no YYYY file name of
	 * their own (they would share 0000-01-01's and overwrite it). */
	const int32_t first = wf_days_from_civil(0, 1, 1), last = wf_days_from_civil(9999, 12, 31);
	return day < first ? first : day > last ? last : (int32_t)day;
}

int64_t wf_day_end_ms(int32_t day)
{
	if (zone_fixed)
		return ((int64_t)day + 1) * 86400000 - zone_offset_s * 1000;
	int64_t y;
	unsigned m, d;
	wf_civil_from_days((int64_t)day + 1, &y, &m, &d);
	struct tm tm = {0};
	tm.tm_year = (int)(y - 1900);
	tm.tm_mon = (int)m - 1;
	tm.tm_mday = (int)d;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return ((int64_t)day + 1) * 86400000;
	return (int64_t)t * 1000;
}

void wf_day_format(int32_t day, char out[11])
{
	int64_t y;
	unsigned m, d;
	wf_civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;
	snprintf(out, 11, "%04d-%02u-%02u", (int)y, m, d);
}
