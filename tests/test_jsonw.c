/* The hand-written JSON output must be jansson's, byte for byte. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <limits.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/article.h"
#include "wirefold/jsonw.h"

/* What jansson writes for the string s[0..n). */
static char *jansson_string(const char *s, size_t n)
{
	json_t *v = json_stringn_nocheck(s, n);
	cr_assert_not_null(v);
	char *out = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	cr_assert_not_null(out);
	json_decref(v);
	return out;
}

static void same_string(const char *s, size_t n)
{
	char *want = jansson_string(s, n);
	char *got = malloc(wf_json_string_max(n) + 1);
	size_t len = wf_json_string(got, s, n);
	cr_assert_leq(len, wf_json_string_max(n));
	got[len] = '\0';
	cr_assert_eq(len, strlen(want), "length for %zu bytes: %s vs %s", n, got, want);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
}

Test(jsonw, every_ascii_byte_alone_and_in_text)
{
	for (unsigned c = 0; c < 0x80; c++) {
		char one = (char)c;
		same_string(&one, 1);
		char text[8] = {'a', 'b', (char)c, 'c', (char)c, (char)c, 'd', 'e'};
		same_string(text, sizeof text);
	}
}

Test(jsonw, utf8_passes_through)
{
	static const char *const cases[] = {
		"", "plain", "caf\xc3\xa9", "\xe2\x80\xa8 line sep \xe2\x80\xa9", "\xf0\x9f\x98\x80",
		"\xe4\xb8\xad\xe6\x96\x87 \"quoted\" \\ back/slash", "tab\there\nnew\r\x01\x1f\x7f",
		"</script>", "ends with \\",
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		same_string(cases[i], strlen(cases[i]));
}

Test(jsonw, one_escape_at_every_offset_of_long_text)
{
	/* the scan skips 16 and 8 bytes at a time: a byte to escape must be
	 * found at any offset of a block, and UTF-8 (bytes from 0x80 up) and
	 * DEL never are escaped */
	static const char *const specials[] = {
		"\"", "\\", "\n", "\x01", "\x1f", "\x7f", " ", "\xc3\xa9", "\xf0\x9f\x98\x80",
	};
	char text[72];
	for (size_t k = 0; k < sizeof specials / sizeof specials[0]; k++) {
		const size_t sl = strlen(specials[k]);
		for (size_t len = sl; len <= 68; len += 3) {
			for (size_t at = 0; at + sl <= len; at++) {
				for (size_t j = 0; j < len; j++)
					text[j] = (char)('a' + j % 26);
				memcpy(text + at, specials[k], sl);
				same_string(text, len);
			}
		}
	}
}

Test(jsonw, random_strings)
{
	/* random mixes of ASCII and valid UTF-8 sequences */
	static const char *const pieces[] = {
		"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f", "\xc3\xa9",
		"\xe2\x82\xac", "\xf0\x9f\x98\x80", "0", "{", "}", ":", ",",
	};
	uint64_t r = 0x2545f4914f6cdd1dull;
	char buf[512];
	for (int round = 0; round < 2000; round++) {
		size_t n = 0;
		int len = (int)(r % 40);
		for (int k = 0; k < len; k++) {
			r ^= r << 13, r ^= r >> 7, r ^= r << 17;
			const char *p = pieces[r % (sizeof pieces / sizeof pieces[0])];
			size_t pl = strlen(p);
			memcpy(buf + n, p, pl);
			n += pl;
		}
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		same_string(buf, n);
	}
}

/* What runtime.c wrote with jansson before jsonw. */
static char *jansson_assignment(const struct wf_article *a)
{
	json_t *o;
	if (a->rejected) {
		o = json_pack("{s:I,s:n,s:s}", "line", (json_int_t)a->line_no, "id",
		              "rejected", a->reason);
	} else {
		char story[24];
		snprintf(story, sizeof story, "s-%016" PRIx64, a->story);
		const char *kind = a->kind == WF_KIND_DUP      ? "dup"
		                   : a->kind == WF_KIND_UPDATE ? "update"
		                                               : "new";
		o = json_pack("{s:s,s:s,s:s,s:s}", "id", a->id, "story", story,
		              "canonical", a->canonical, "kind", kind);
	}
	cr_assert_not_null(o);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	size_t n = strlen(s);
	char *line = malloc(n + 2);
	memcpy(line, s, n);
	memcpy(line + n, "\n", 2);
	free(s);
	return line;
}

static void same_assignment(const struct wf_article *a)
{
	char *want = jansson_assignment(a);
	size_t max = wf_json_assignment_max(a);
	char *got = malloc(max + 1);
	size_t n = wf_json_assignment(got, a);
	cr_assert_leq(n, max);
	got[n] = '\0';
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
}

Test(jsonw, assignment_lines)
{
	struct wf_article a;
	memset(&a, 0, sizeof a);
	static const uint64_t stories[] = {0, 1, 0xc494ca058ee816daull, UINT64_MAX,
	                                   0x00000000deadbeefull};
	static const enum wf_kind kinds[] = {WF_KIND_NEW, WF_KIND_DUP, WF_KIND_UPDATE};
	static const char *const ids[] = {
		"reuters-1", "urn:newsml:x:2023:a@2", "id \"with\" quotes\\", "caf\xc3\xa9\n\x01",
		"",
	};
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		for (size_t s = 0; s < sizeof stories / sizeof stories[0]; s++) {
			for (size_t k = 0; k < 3; k++) {
				a.id = ids[i];
				a.canonical = ids[(i + k) % (sizeof ids / sizeof ids[0])];
				a.story = stories[s];
				a.kind = kinds[k];
				same_assignment(&a);
			}
		}
	}
	a.rejected = true;
	static const uint64_t lines[] = {1, 42, 12345678901234ull, INT64_MAX};
	static const char *const reasons[] = {
		"empty line", "invalid JSON: '\"' expected near end of file (column 9)",
		"time \"a\\\"b\\nc\\x01\" is not RFC 3339", "tab\tand \xe2\x80\x94",
	};
	for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
		for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++) {
			a.line_no = lines[l];
			a.reason = reasons[r];
			same_assignment(&a);
		}
	}
}

Test(jsonw, long_ids_fit_the_bound)
{
	size_t n = 100000;
	char *id = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		id[i] = i % 7 ? 'x' : '\x01'; /* the longest escapes */
	id[n] = '\0';
	struct wf_article a;
	memset(&a, 0, sizeof a);
	a.id = id;
	a.canonical = id;
	same_assignment(&a);
	free(id);
}

/* wf_json_real against jansson's own dump of the same real, at the
 * precision the bundles use and at others, over values with and without
 * exponents, whole numbers and the containment range the bundles hold. */
Test(jsonw, reals_as_jansson_writes_them)
{
	static const double fixed[] = {0.0,    -0.0,   1.0,     0.5,      0.12345, 0.99995,
	                               1e-5,   1.5e-7, 123456.0, 1e21,    -2.5e-10, 3.0e100,
	                               0.0001, 0.00012, 12345.678, 1e+16, 7.0, 100.0};
	static const int precisions[] = {1, 4, 6, 17};
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t pi = 0; pi < sizeof precisions / sizeof *precisions; pi++) {
		const int prec = precisions[pi];
		for (size_t i = 0; i < sizeof fixed / sizeof *fixed + 2000; i++) {
			double v;
			if (i < sizeof fixed / sizeof *fixed) {
				v = fixed[i];
			} else {
				x ^= x << 13, x ^= x >> 7, x ^= x << 17;
				/* containments, then anything of any magnitude */
				v = i % 2 ? (double)(x % 100001) / 100000.0
				          : ldexp((double)(x >> 11) / 9007199254740992.0, (int)(x % 200) - 100);
			}
			json_t *j = json_real(v);
			char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(prec));
			char got[WF_JSON_REAL_MAX + 1];
			size_t n = wf_json_real(got, v, prec);
			got[n] = 0;
			cr_assert_str_eq(got, want, "%.17g at precision %d", v, prec);
			free(want);
			json_decref(j);
		}
	}
}

/* wf_json_int against jansson's dump of the same integer, at the ends of
 * the range and at every power of ten and its neighbours. */
Test(jsonw, integers_as_jansson_writes_them)
{
	long long fixed[64] = {0, 1, -1, 9, 10, -10, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
	size_t n = 9;
	for (long long p = 10; p <= LLONG_MAX / 10; p *= 10) {
		fixed[n++] = p - 1;
		fixed[n++] = -p;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *j = json_integer(fixed[i]);
		char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		char got[WF_JSON_INT_MAX + 1];
		size_t len = wf_json_int(got, fixed[i]);
		cr_assert_leq(len, WF_JSON_INT_MAX);
		got[len] = 0;
		cr_assert_str_eq(got, want);
		free(want);
		json_decref(j);
	}
}

/* wf_json_time is wf_time_format quoted, whatever the memo holds: times
 * in one day and across days (both ways), whole seconds and not, before
 * 1970, at the ends of years 0000-9999 and outside them. */
static void same_time(struct wf_json_time_memo *memo, int64_t ms)
{
	char t[WF_TIME_FORMAT_MAX], want[WF_TIME_FORMAT_MAX + 2], got[WF_JSON_TIME_MAX + 1];
	wf_time_format(ms, t);
	snprintf(want, sizeof want, "\"%s\"", t);
	size_t len = wf_json_time(got, memo, ms);
	cr_assert_leq(len, WF_JSON_TIME_MAX);
	got[len] = 0;
	cr_assert_str_eq(got, want, "%" PRId64 " ms", ms);
}

Test(jsonw, times_as_wf_time_format_writes_them)
{
	static const int64_t fixed[] = {0, 1, -1, 999, 1000, -1000, 86399999, 86400000, -86400000,
	                                -86400001, 1767225600000, 1767311999999, 951782400000,
	                                WF_TIME_MIN_MS, WF_TIME_MIN_MS - 1, WF_TIME_MAX_MS,
	                                WF_TIME_MAX_MS + 1, INT64_MIN, INT64_MAX};
	struct wf_json_time_memo memo = {0};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		same_time(&memo, fixed[i]);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int64_t ms = 1767225600000; /* 2026-01-01 */
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* mostly steps within a day or two, some whole-second, some far */
		if (x % 97 == 0)
			ms = (int64_t)(x >> 20) % (WF_TIME_MAX_MS - WF_TIME_MIN_MS) + WF_TIME_MIN_MS;
		else
			ms += (int64_t)(x % 172800000) - 86400000;
		same_time(&memo, x % 3 ? ms : ms - ms % 1000);
	}
}
