#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "wirefold/arena.h"
#include "wirefold/article.h"
#include "wirefold/batch.h"
#include "wirefold/error.h"
#include "wirefold/parse.h"
#include "wirefold/stage.h"

#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

/* True when s is valid UTF-8 with no control characters: one printable line. */
static bool printable_line(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		size_t n = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		if (*p >= 0x80 && *p < 0xc2)
			return false;
		for (size_t i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return false;
		p += n;
	}
	return true;
}

/* The 1-based line lineno of a fixture file, without its newline. */
static char *fixture_line(const char *file, int lineno)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", WF_FIXTURES, file);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "cannot open %s", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = -1;
	for (int i = 0; i < lineno; i++) {
		n = getline(&line, &cap, f);
		cr_assert_geq(n, 0, "%s has no line %d", path, lineno);
	}
	fclose(f);
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

/* ---- accepted lines ------------------------------------------------------ */

struct ok_case {
	const char *name;
	const char *line;
	const char *id;
	int64_t time_ms;
	const char *source;
	const char *lang;
	const char *title;
	const char *body;
};

static const struct ok_case accepts_cases[] = {
	/* flat */
	{"flat, all fields",
	 "{\"id\": \"wire-1\", \"time\": \"1987-02-26T15:01:01Z\", \"source\": \"Reuters\", "
	 "\"lang\": \"en\", \"title\": \"COCOA REVIEW\", \"dateline\": \"SALVADOR, Feb 26 -\", "
	 "\"body\": \"Rain fell in the cocoa zone this week.\\n    Arrivals rose.\"}",
	 "wire-1", 541350061000, "Reuters", "en", "COCOA REVIEW",
	 "Rain fell in the cocoa zone this week.\n    Arrivals rose."},
	{"flat, title only",
	 "{\"id\": \"gn-1\", \"time\": \"2014-01-01T00:00:00Z\", \"title\": \"latvian pm resigns\", \"body\": \"\"}",
	 "gn-1", 1388534400000, "", "", "latvian pm resigns", ""},
	{"flat, body only",
	 "{\"id\": \"b\", \"time\": \"2023-11-21\", \"body\": \"Only a body.\"}",
	 "b", 1700524800000, "", "", "", "Only a body."},
	{"flat, null fields are absent",
	 "{\"id\": \"n\", \"time\": \"2023-11-21\", \"source\": null, \"lang\": null, "
	 "\"title\": null, \"headline\": \"From headline\", \"body\": null}",
	 "n", 1700524800000, "", "", "From headline", ""},
	{"flat, lang lower-cased",
	 "{\"id\": \"l\", \"time\": \"2023-11-21\", \"lang\": \"EN_gb\", \"title\": \"t\"}",
	 "l", 1700524800000, "", "en-gb", "t", ""},
	{"flat, epoch seconds",
	 "{\"id\": \"e1\", \"time\": 1700000000, \"title\": \"t\"}",
	 "e1", 1700000000000, "", "", "t", ""},
	{"flat, epoch milliseconds",
	 "{\"id\": \"e2\", \"time\": 1700000000123, \"title\": \"t\"}",
	 "e2", 1700000000123, "", "", "t", ""},
	{"flat, epoch seconds with fraction",
	 "{\"id\": \"e3\", \"time\": 1700000000.25, \"title\": \"t\"}",
	 "e3", 1700000000250, "", "", "t", ""},
	{"flat, epoch as a string",
	 "{\"id\": \"e4\", \"time\": \"1700000000\", \"title\": \"t\"}",
	 "e4", 1700000000000, "", "", "t", ""},
	{"flat, space-separated time",
	 "{\"id\": \"s\", \"time\": \"2023-11-21 10:15:30\", \"title\": \"t\"}",
	 "s", 1700561730000, "", "", "t", ""},
	{"flat, offset time",
	 "{\"id\": \"o\", \"time\": \"2023-11-21T11:15:30.5+01:00\", \"title\": \"t\"}",
	 "o", 1700561730500, "", "", "t", ""},
	{"flat, title wins over headline",
	 "{\"id\": \"tw\", \"time\": \"2023-11-21\", \"title\": \"Title\", \"headline\": \"Headline\"}",
	 "tw", 1700524800000, "", "", "Title", ""},
	{"flat, unknown fields ignored",
	 "{\"id\": \"u\", \"x\": {\"id\": 1, \"a\": [1, 2, {\"b\": null}]}, \"time\": \"2023-11-21\", "
	 "\"dateline\": \"MOSCOW, November 21. /TASS/.\", \"title\": \"t\", \"extra\": true}",
	 "u", 1700524800000, "", "", "t", ""},
	{"flat, unicode and escapes",
	 "{\"id\": \"\xe6\x9d\xb1\xe4\xba\xac-1\", \"time\": \"2023-11-21\", \"title\": \"caf\\u00e9 \xe2\x80\x9cq\xe2\x80\x9d\", "
	 "\"body\": \"tab\\there\"}",
	 "\xe6\x9d\xb1\xe4\xba\xac-1", 1700524800000, "", "", "caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d", "tab\there"},
	{"flat, blanks and CR around the object",
	 "  {\"id\": \"ws\", \"time\": \"2023-11-21\", \"title\": \"t\"} \r",
	 "ws", 1700524800000, "", "", "t", ""},
	{"flat, time wins over versioncreated",
	 "{\"id\": \"tv\", \"time\": \"2023-11-21\", \"versioncreated\": \"2000-01-01\", \"title\": \"t\"}",
	 "tv", 1700524800000, "", "", "t", ""},

	/* ninjs 1.x */
	{"ninjs 1, headline and body_text",
	 "{\"uri\": \"urn:a:1\", \"version\": \"1\", \"versioncreated\": \"2023-11-21T06:42:00Z\", "
	 "\"copyrightholder\": \"Meridian Press\", \"byline\": \"By A. Writer\", \"language\": \"en\", "
	 "\"headline\": \"Dockworkers strike\", \"body_text\": \"Dockworkers walked out.\"}",
	 "urn:a:1@1", 1700548920000, "Meridian Press", "en", "Dockworkers strike",
	 "Dockworkers walked out."},
	{"ninjs 1, body_html",
	 "{\"uri\": \"urn:a:2\", \"versioncreated\": \"2023-11-21T14:20:00+02:00\", "
	 "\"headline\": \"Snow\", \"body_html\": \"<p>Snow &amp; ice.</p><p>Roads shut.</p><script>x()</script>\"}",
	 "urn:a:2", 1700569200000, "", "", "Snow", "Snow & ice.\nRoads shut."},
	{"ninjs 1, body_text wins over body_html",
	 "{\"uri\": \"urn:a:3\", \"versioncreated\": \"2023-11-21\", \"headline\": \"h\", "
	 "\"body_html\": \"<p>html</p>\", \"body_text\": \"text\"}",
	 "urn:a:3", 1700524800000, "", "", "h", "text"},
	{"ninjs 1, firstcreated when no versioncreated",
	 "{\"uri\": \"urn:a:4\", \"firstcreated\": \"2023-11-22T07:30:00Z\", \"headline\": \"h\"}",
	 "urn:a:4", 1700638200000, "", "", "h", ""},
	{"ninjs 1, byline as source",
	 "{\"uri\": \"urn:a:5\", \"versioncreated\": \"2023-11-21\", \"byline\": \"By A. Writer\", \"headline\": \"h\"}",
	 "urn:a:5", 1700524800000, "By A. Writer", "", "h", ""},
	{"ninjs, integer version",
	 "{\"uri\": \"urn:a:6\", \"version\": 3, \"versioncreated\": \"2023-11-21\", \"headline\": \"h\"}",
	 "urn:a:6@3", 1700524800000, "", "", "h", ""},
	{"ninjs, empty version",
	 "{\"uri\": \"urn:a:7\", \"version\": \"\", \"versioncreated\": \"2023-11-21\", \"headline\": \"h\"}",
	 "urn:a:7", 1700524800000, "", "", "h", ""},
	{"ninjs, provider string",
	 "{\"uri\": \"urn:a:8\", \"versioncreated\": \"2023-11-21\", \"provider\": \"Wire Co\", \"headline\": \"h\"}",
	 "urn:a:8", 1700524800000, "Wire Co", "", "h", ""},
	{"ninjs, provider object",
	 "{\"uri\": \"urn:a:9\", \"versioncreated\": \"2023-11-21\", \"provider\": {\"name\": \"Wire Co\", \"uri\": \"x\"}, \"headline\": \"h\"}",
	 "urn:a:9", 1700524800000, "Wire Co", "", "h", ""},
	{"ninjs, copyrightholder wins over by",
	 "{\"uri\": \"urn:a:10\", \"versioncreated\": \"2023-11-21\", \"by\": \"Writer\", \"copyrightholder\": \"Agency\", \"headline\": \"h\"}",
	 "urn:a:10", 1700524800000, "Agency", "", "h", ""},

	/* ninjs 2.x */
	{"ninjs 2, headlines and bodies",
	 "{\"uri\": \"urn:b:1\", \"version\": \"1\", \"versioncreated\": \"2023-11-21T11:05:00+01:00\", "
	 "\"copyrightholder\": \"Pacific Wire\", \"by\": \"Staff\", \"language\": \"en\", "
	 "\"headlines\": [{\"role\": \"main\", \"value\": \"Strike halts port\"}], "
	 "\"bodies\": [{\"role\": \"main\", \"contenttype\": \"text/plain\", \"value\": \"Handling stopped.\"}]}",
	 "urn:b:1@1", 1700561100000, "Pacific Wire", "en", "Strike halts port", "Handling stopped."},
	{"ninjs 2, main headline not first",
	 "{\"uri\": \"urn:b:2\", \"versioncreated\": \"2023-11-21\", "
	 "\"headlines\": [{\"role\": \"sub\", \"value\": \"Sub\"}, {\"role\": \"main\", \"value\": \"Main\"}]}",
	 "urn:b:2", 1700524800000, "", "", "Main", ""},
	{"ninjs 2, first headline when none is main",
	 "{\"uri\": \"urn:b:3\", \"versioncreated\": \"2023-11-21\", "
	 "\"headlines\": [{\"value\": \"First\"}, {\"role\": \"sub\", \"value\": \"Second\"}]}",
	 "urn:b:3", 1700524800000, "", "", "First", ""},
	{"ninjs 2, main plain body over html and other roles",
	 "{\"uri\": \"urn:b:4\", \"versioncreated\": \"2023-11-21\", \"headlines\": [{\"value\": \"h\"}], "
	 "\"bodies\": [{\"role\": \"richtext\", \"contenttype\": \"text/html\", \"value\": \"<p>rich</p>\"}, "
	 "{\"role\": \"summary\", \"contenttype\": \"text/plain\", \"value\": \"summary\"}, "
	 "{\"role\": \"main\", \"contenttype\": \"text/html\", \"value\": \"<p>main html</p>\"}, "
	 "{\"role\": \"main\", \"contenttype\": \"text/plain\", \"value\": \"main plain\"}]}",
	 "urn:b:4", 1700524800000, "", "", "h", "main plain"},
	{"ninjs 2, main html over a plain body of another role",
	 "{\"uri\": \"urn:b:5\", \"versioncreated\": \"2023-11-21\", \"headlines\": [{\"value\": \"h\"}], "
	 "\"bodies\": [{\"role\": \"summary\", \"contenttype\": \"text/plain\", \"value\": \"summary\"}, "
	 "{\"role\": \"main\", \"contenttype\": \"text/html\", \"value\": \"<p>main &amp; html</p>\"}]}",
	 "urn:b:5", 1700524800000, "", "", "h", "main & html"},
	{"ninjs 2, plain over html among other roles",
	 "{\"uri\": \"urn:b:6\", \"versioncreated\": \"2023-11-21\", \"headlines\": [{\"value\": \"h\"}], "
	 "\"bodies\": [{\"role\": \"xhtml\", \"contenttype\": \"text/html\", \"value\": \"<p>html</p>\"}, "
	 "{\"role\": \"text\", \"contenttype\": \"text/plain\", \"value\": \"plain\"}]}",
	 "urn:b:6", 1700524800000, "", "", "h", "plain"},
	{"ninjs 2, html-only body stripped",
	 "{\"uri\": \"urn:b:7\", \"versioncreated\": \"2023-11-21\", \"headlines\": [{\"value\": \"h\"}], "
	 "\"bodies\": [{\"role\": \"html\", \"contenttype\": \"text/html; charset=utf-8\", "
	 "\"value\": \"<section><p>One.</p><p>Two &ndash; three.</p></section>\"}]}",
	 "urn:b:7", 1700524800000, "", "", "h", "One.\nTwo \xe2\x80\x93 three."},
	{"ninjs 2, xhtml content type is markup",
	 "{\"uri\": \"urn:b:8\", \"versioncreated\": \"2023-11-21\", \"headlines\": [{\"value\": \"h\"}], "
	 "\"bodies\": [{\"role\": \"richtext\", \"contenttype\": \"application/xhtml+xml\", \"value\": \"<div><p>x</p></div>\"}]}",
	 "urn:b:8", 1700524800000, "", "", "h", "x"},
	{"ninjs 2, body without role or type",
	 "{\"uri\": \"urn:b:9\", \"versioncreated\": \"2023-11-21\", \"headlines\": [{\"value\": \"h\"}], "
	 "\"bodies\": [{\"value\": \"plain <b>as is</b>\"}]}",
	 "urn:b:9", 1700524800000, "", "", "h", "plain <b>as is</b>"},
	{"ninjs 2, html headline stripped",
	 "{\"uri\": \"urn:b:10\", \"versioncreated\": \"2023-11-21\", "
	 "\"headlines\": [{\"role\": \"main\", \"contenttype\": \"text/html\", \"value\": \"<b>Bold</b> &amp; more\"}]}",
	 "urn:b:10", 1700524800000, "", "", "Bold & more", ""},
	{"ninjs 2, empty headlines still come first",
	 "{\"uri\": \"urn:b:11\", \"versioncreated\": \"2023-11-21\", \"headlines\": [], "
	 "\"bodies\": [{\"value\": \"text\"}], \"title\": \"slug\"}",
	 "urn:b:11", 1700524800000, "", "", "", "text"},

	/* ninjs 3.x */
	{"ninjs 3, camelCase",
	 "{\"uri\": \"urn:c:1\", \"version\": \"2\", \"versionCreated\": \"2023-11-22T09:02:00+01:00\", "
	 "\"firstCreated\": \"2023-11-22T08:00:00+01:00\", \"copyrightHolder\": \"Meridian Press\", "
	 "\"by\": \"By A. Writer\", \"language\": \"en\", "
	 "\"headlines\": [{\"role\": \"main\", \"value\": \"Strike ends\"}], "
	 "\"bodies\": [{\"role\": \"main\", \"contentType\": \"text/plain\", \"value\": \"Cranes restarted.\"}]}",
	 "urn:c:1@2", 1700640120000, "Meridian Press", "en", "Strike ends", "Cranes restarted."},
	{"ninjs 3, firstCreated",
	 "{\"uri\": \"urn:c:2\", \"firstCreated\": \"2023-11-22T10:10:00Z\", \"headlines\": [{\"value\": \"h\"}]}",
	 "urn:c:2", 1700647800000, "", "", "h", ""},
	{"ninjs 3, html contentType",
	 "{\"uri\": \"urn:c:3\", \"versionCreated\": \"2023-11-22\", \"headlines\": [{\"value\": \"h\"}], "
	 "\"bodies\": [{\"contentType\": \"text/html\", \"value\": \"<p>a</p><p>b</p>\"}]}",
	 "urn:c:3", 1700611200000, "", "", "h", "a\nb"},
	{"ninjs 3, headlines win over title",
	 "{\"uri\": \"urn:c:4\", \"versionCreated\": \"2023-11-22\", \"title\": \"US-SLUG (CR)\", "
	 "\"headlines\": [{\"role\": \"main\", \"value\": \"Published headline\"}]}",
	 "urn:c:4", 1700611200000, "", "", "Published headline", ""},
	{"ninjs 3, title when no headlines",
	 "{\"uri\": \"urn:c:5\", \"versionCreated\": \"2023-11-22\", \"title\": \"Conference on sport\"}",
	 "urn:c:5", 1700611200000, "", "", "Conference on sport", ""},
};

ParameterizedTestParameters(parse, accepts)
{
	return cr_make_param_array(size_t, indices(COUNT(accepts_cases)),
	                           COUNT(accepts_cases));
}

ParameterizedTest(size_t *i, parse, accepts)
{
	const struct ok_case *c = &accepts_cases[*i];
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	size_t n = strlen(c->line);
	struct guarded g = guard(c->line, n);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	char reason[WF_PARSE_REASON_MAX] = "stale";
	int rc = wf_parse_line(&arena, g.s, n, &a, reason, sizeof reason);
	cr_assert_eq(rc, 0, "%s: rc %d: %s", c->name, rc, reason);
	cr_assert_str_eq(reason, "", "%s", c->name);
	cr_assert_str_eq(a.id, c->id, "%s", c->name);
	cr_assert_eq(a.time_ms, c->time_ms, "%s: time %lld", c->name, (long long)a.time_ms);
	cr_assert_str_eq(a.source, c->source, "%s", c->name);
	cr_assert_str_eq(a.lang, c->lang, "%s", c->name);
	cr_assert_str_eq(a.title, c->title, "%s", c->name);
	cr_assert_str_eq(a.body, c->body, "%s", c->name);
	cr_assert_not(a.rejected);
	unguard(&g);
	wf_arena_close(&arena);
}

/* ---- rejected lines ------------------------------------------------------ */

struct bad_case {
	const char *name;
	const char *line;
	size_t len; /* 0: strlen(line) */
	int code;
	const char *reason; /* exact when exact, else a part of it */
	bool exact;
};

#define OK_REST "\"time\": \"2023-11-21\", \"title\": \"t\""
#define NUL_LINE "{\"id\": \"a\0b\", " OK_REST "}"

static const struct bad_case rejects_cases[] = {
	{"empty line", "", 0, WF_EJSON, "empty line", true},
	{"blank line", "  \t ", 0, WF_EJSON, "empty line", true},
	{"not JSON", "foo", 0, WF_EJSON, "invalid JSON: invalid token near 'foo' (column 3)", true},
	{"truncated", "{\"id\": \"x\", \"time\": ", 0, WF_EJSON, "invalid JSON: ", false},
	{"trailing garbage", "{\"id\": \"x\", " OK_REST "} x", 0, WF_EJSON, "end of file expected", false},
	{"two objects", "{\"id\": \"x\", " OK_REST "}{}", 0, WF_EJSON, "invalid JSON", false},
	{"array", "[\"not\", \"an\", \"object\"]", 0, WF_ENOTOBJ,
	 "not a JSON object: the line is an array", true},
	{"string", "\"just text\"", 0, WF_ENOTOBJ, "not a JSON object: the line is a string", true},
	{"number", "42", 0, WF_ENOTOBJ, "not a JSON object: the line is a number", true},
	{"null", "null", 0, WF_ENOTOBJ, "not a JSON object: the line is null", true},
	{"duplicate key", "{\"id\": \"a\", \"id\": \"b\", " OK_REST "}", 0, WF_EJSON,
	 "duplicate object key", false},
	{"duplicate unknown key", "{\"id\": \"a\", \"x\": 1, \"x\": 2, " OK_REST "}", 0, WF_EJSON,
	 "duplicate object key", false},
	{"invalid UTF-8", "{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"caf\xff\"}", 0,
	 WF_EUTF8, "invalid UTF-8: unable to decode byte 0xff", false},
	{"overlong UTF-8", "{\"id\": \"\xc0\xaf\", " OK_REST "}", 0, WF_EUTF8, "invalid UTF-8", false},
	{"truncated UTF-8", "{\"id\": \"a\", " OK_REST ", \"body\": \"\xe2\x82\"}", 0, WF_EUTF8,
	 "invalid UTF-8", false},
	{"lone surrogate escape", "{\"id\": \"\\ud800\", " OK_REST "}", 0, WF_EJSON,
	 "invalid Unicode", false},
	{"raw NUL byte", NUL_LINE, sizeof NUL_LINE - 1, WF_EJSON, "NUL byte at offset 9", true},
	{"escaped NUL", "{\"id\": \"a\\u0000b\", " OK_REST "}", 0, WF_EJSON,
	 "invalid JSON: a string contains \\u0000", false},
	{"no id", "{" OK_REST "}", 0, WF_ENOID, "no id: expected \"id\" or \"uri\"", true},
	{"null id", "{\"id\": null, " OK_REST "}", 0, WF_ENOID, "no id: expected \"id\" or \"uri\"", true},
	{"empty id", "{\"id\": \"\", " OK_REST "}", 0, WF_ENOID, "no id: field \"id\" is empty", true},
	{"numeric id", "{\"id\": 17, " OK_REST "}", 0, WF_ETYPE, "field \"id\" must be a string", true},
	{"numeric uri", "{\"uri\": 17, " OK_REST "}", 0, WF_ETYPE, "field \"uri\" must be a string", true},
	{"boolean version", "{\"uri\": \"u\", \"version\": true, " OK_REST "}", 0, WF_ETYPE,
	 "field \"version\" must be a string or an integer", true},
	{"no time", "{\"id\": \"a\", \"title\": \"t\"}", 0, WF_ENOTIME, "no time: expected \"time\"", false},
	{"time words", "{\"id\": \"a\", \"time\": \"yesterday\", \"title\": \"t\"}", 0, WF_EBADTIME,
	 "time \"yesterday\" is not RFC 3339, \"YYYY-MM-DD HH:MM:SS\" or epoch seconds/milliseconds", true},
	{"Feb 30", "{\"id\": \"a\", \"time\": \"2023-02-30\", \"title\": \"t\"}", 0, WF_EBADTIME,
	 "time \"2023-02-30\" has a day out of range for its month", true},
	{"hour 25", "{\"uri\": \"a\", \"versionCreated\": \"2023-11-21T25:00:00Z\", \"title\": \"t\"}", 0,
	 WF_EBADTIME, "versionCreated \"2023-11-21T25:00:00Z\" has an hour out of range (00-23)", true},
	{"garbage suffix", "{\"id\": \"a\", \"time\": \"2023-11-21T10:00:00Z junk\", \"title\": \"t\"}", 0,
	 WF_EBADTIME, "time \"2023-11-21T10:00:00Z junk\" is not RFC 3339", false},
	{"time needing escapes", "{\"id\": \"a\", \"time\": \"a\\\"b\\nc\\u0001\", \"title\": \"t\"}", 0,
	 WF_EBADTIME, "time \"a\\\"b\\nc\\x01\" is not RFC 3339", false},
	{"long time clipped", "{\"id\": \"a\", \"time\": \"" "Tuesday, twenty-first of November, in the "
	 "year two thousand and twenty-three\", \"title\": \"t\"}", 0, WF_EBADTIME, "...\" is not", false},
	{"time out of range", "{\"id\": \"a\", \"time\": 1e300, \"title\": \"t\"}", 0, WF_EBADTIME,
	 "time 1e+300 is out of range (years 0000-9999)", true},
	{"integer time out of range", "{\"id\": \"a\", \"time\": 99999999999999999, \"title\": \"t\"}", 0,
	 WF_EBADTIME, "time 99999999999999999 is out of range (years 0000-9999)", true},
	{"boolean time", "{\"id\": \"a\", \"time\": true, \"title\": \"t\"}", 0, WF_ETYPE,
	 "field \"time\" must be a string or a number", true},
	{"numeric title", "{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": 5}", 0, WF_ETYPE,
	 "field \"title\" must be a string", true},
	{"array body", "{\"id\": \"a\", " OK_REST ", \"body\": [\"x\"]}", 0, WF_ETYPE,
	 "field \"body\" must be a string", true},
	{"object body_html", "{\"uri\": \"a\", " OK_REST ", \"body_html\": {}}", 0, WF_ETYPE,
	 "field \"body_html\" must be a string", true},
	{"object source", "{\"id\": \"a\", " OK_REST ", \"source\": {\"name\": \"x\"}}", 0, WF_ETYPE,
	 "field \"source\" must be a string", true},
	{"provider without name", "{\"uri\": \"a\", " OK_REST ", \"provider\": {\"uri\": \"x\"}}", 0,
	 WF_ETYPE, "field \"provider\" must be a string or an object with a string \"name\"", true},
	{"numeric language", "{\"uri\": \"a\", " OK_REST ", \"language\": 1}", 0, WF_ETYPE,
	 "field \"language\" must be a string", true},
	{"headlines not an array", "{\"uri\": \"a\", \"versioncreated\": \"2023-11-21\", \"headlines\": \"h\"}", 0,
	 WF_ETYPE, "field \"headlines\" must be an array of objects with a string \"value\"", true},
	{"headline without value", "{\"uri\": \"a\", \"versioncreated\": \"2023-11-21\", "
	 "\"headlines\": [{\"role\": \"main\"}]}", 0,
	 WF_ETYPE, "field \"headlines\" must be an array of objects with a string \"value\"", true},
	{"body value not a string", "{\"uri\": \"a\", " OK_REST ", \"bodies\": [{\"value\": 1}]}", 0,
	 WF_ETYPE, "field \"bodies\" must be an array of objects with a string \"value\"", true},
	{"bodies element not an object", "{\"uri\": \"a\", " OK_REST ", \"bodies\": [\"x\"]}", 0,
	 WF_ETYPE, "field \"bodies\" must be an array of objects with a string \"value\"", true},
	{"no text", "{\"id\": \"a\", \"time\": \"2023-11-21\"}", 0, WF_ENOTEXT, "no title and no body", true},
	{"empty text", "{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\", \"body\": \"\"}", 0,
	 WF_ENOTEXT, "no title and no body", true},
	{"blank text", "{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"  \", \"body\": \"\\n\\t\"}", 0,
	 WF_ENOTEXT, "no title and no body", true},
	{"markup without text", "{\"uri\": \"a\", \"versioncreated\": \"2023-11-21\", "
	 "\"body_html\": \"<p> </p><script>x()</script>\"}", 0, WF_ENOTEXT, "no title and no body", true},
};

ParameterizedTestParameters(parse, rejects)
{
	return cr_make_param_array(size_t, indices(COUNT(rejects_cases)),
	                           COUNT(rejects_cases));
}

ParameterizedTest(size_t *i, parse, rejects)
{
	const struct bad_case *c = &rejects_cases[*i];
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	size_t n = c->len ? c->len : strlen(c->line);
	struct guarded g = guard(c->line, n);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	a.id = "untouched";
	char reason[WF_PARSE_REASON_MAX];
	int rc = wf_parse_line(&arena, g.s, n, &a, reason, sizeof reason);
	cr_assert_eq(rc, c->code, "%s: rc %d (%s), want %d", c->name, rc, reason, c->code);
	if (c->exact)
		cr_assert_str_eq(reason, c->reason, "%s", c->name);
	else
		cr_assert_not_null(strstr(reason, c->reason), "%s: reason '%s' lacks '%s'",
		                   c->name, reason, c->reason);
	cr_assert(printable_line(reason), "%s: reason not one printable line: %s", c->name,
	          reason);
	cr_assert_str_eq(a.id, "untouched", "%s: article touched on failure", c->name);
	cr_assert_eq(a.time_ms, 0);
	unguard(&g);
	wf_arena_close(&arena);
}

Test(parse, reason_buffer_optional_and_truncated)
{
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	const char *line = "{\"id\": \"a\", \"time\": \"yesterday\", \"title\": \"t\"}";
	cr_assert_eq(wf_parse_line(&arena, line, strlen(line), &a, NULL, 0), WF_EBADTIME);
	char small[8];
	cr_assert_eq(wf_parse_line(&arena, line, strlen(line), &a, small, sizeof small),
	             WF_EBADTIME);
	cr_assert_str_eq(small, "time \"y");
	cr_assert_eq(wf_parse_line(NULL, line, strlen(line), &a, NULL, 0), WF_EINVAL);
	cr_assert_eq(wf_parse_line(&arena, NULL, 3, &a, NULL, 0), WF_EINVAL);
	cr_assert_eq(wf_parse_line(&arena, line, strlen(line), NULL, NULL, 0), WF_EINVAL);
	wf_arena_close(&arena);
}

Test(parse, every_prefix_is_read_within_its_slice)
{
	const char *line =
		"{\"uri\": \"urn:x\", \"version\": 2, \"versionCreated\": \"2023-11-22T09:02:00+01:00\", "
		"\"headlines\": [{\"role\": \"main\", \"value\": \"H\"}], "
		"\"bodies\": [{\"contentType\": \"text/html\", \"value\": \"<p>a &amp; b</p>\"}]}";
	size_t n = strlen(line);
	for (size_t k = 0; k <= n; k++) {
		struct wf_arena arena;
		wf_arena_init(&arena, 0);
		struct guarded g = guard(line, k);
		struct wf_article a;
		memset(&a, 0, sizeof a);
		char reason[WF_PARSE_REASON_MAX];
		int rc = wf_parse_line(&arena, g.s, k, &a, reason, sizeof reason);
		cr_assert_eq(rc == 0, k == n, "prefix %zu: rc %d %s", k, rc, reason);
		if (rc == 0) {
			cr_assert_str_eq(a.id, "urn:x@2");
			cr_assert_str_eq(a.body, "a & b");
		} else {
			cr_assert(printable_line(reason));
		}
		unguard(&g);
		wf_arena_close(&arena);
	}
}

/* ---- fixtures ------------------------------------------------------------- */

struct fixture_case {
	const char *file;
	int line;
	const char *id;
	int64_t time_ms;
	const char *source;
	const char *lang;
	const char *title;
	const char *body_start;
	const char *body_has; /* a part of the body */
};

static const struct fixture_case fixtures_cases[] = {
	{"ninjs-1.jsonl", 1, "urn:newsml:meridianpress.example:20231121:rotterdam-strike@1",
	 1700548920000, "Meridian Press", "en",
	 "Rotterdam dockworkers begin 48-hour strike over pay",
	 "ROTTERDAM, Nov 21 (Meridian Press) - Dockworkers", "ends on Thursday morning."},
	{"ninjs-1.jsonl", 2, "urn:newsml:meridianpress.example:20231121:rotterdam-strike@2",
	 1700557500000, "Meridian Press", "en",
	 "UPDATE 1-Rotterdam dockworkers begin 48-hour strike over pay",
	 "ROTTERDAM, Nov 21 (Meridian Press) - Dockworkers", "(Reporting by Anna de Vries"},
	{"ninjs-1.jsonl", 3, "urn:newsml:atlasnews.example:20231121:lapland-snow@1",
	 1700569200000, "Atlas News Agency", "en-gb",
	 "Snowstorm shuts roads and schools across Finnish Lapland",
	 "HELSINKI, 21 November (ANA) \xe2\x80\x93 A snowstorm",
	 "Rovaniemi & Kemij\xc3\xa4rvi, regional authorities said.\nUp to 45 cm of snow"},
	{"ninjs-1.jsonl", 4, "urn:newsml:nordicnewswire.example:20231122:ferry@1",
	 1700638200000, "Nordic Newswire", "en", "Helsinki-Tallinn ferries resume after storm",
	 "HELSINKI, Nov 22 (NNW) - Ferry services", "1,200 passengers"},
	{"ninjs-2.jsonl", 1, "urn:newsml:pacificwire.example:20231121:nl-port-strike@1",
	 1700561100000, "Pacific Wire Service", "en",
	 "Strike halts container handling at Rotterdam, Europe's largest port",
	 "AMSTERDAM, Nov. 21 (PWS) -- Container handling", "9% pay rise"},
	{"ninjs-2.jsonl", 2, "urn:newsml:balticpress.example:20231121:lapland-weather@3",
	 1700572200000, "Baltic Press", "en", "Heavy snow paralyses northern Finland",
	 "ROVANIEMI (Baltic Press) - Heavy snow", "since 2010."},
	{"ninjs-2.jsonl", 3, "urn:newsml:rheinnachrichten.example:20231121:hafenstreik@1",
	 1700581200000, "Rheinische Nachrichtenagentur", "de",
	 "Hafenstreik in Rotterdam legt Containerverkehr lahm",
	 "Rotterdam (RNA) \xe2\x80\x93 Ein Streik der Hafenarbeiter",
	 "weitgehend lahmgelegt.\nDie Gewerkschaft fordert 9 Prozent"},
	{"ninjs-2.jsonl", 4, "urn:newsml:pacificwire.example:20231122:nl-port-deal@1",
	 1700640900000, "Pacific Wire Service", "en",
	 "Rotterdam dockers end strike early after overnight pay deal",
	 "AMSTERDAM, Nov. 22 (PWS) -- Dockworkers", "7.5% pay rise"},
	{"ninjs-3.jsonl", 1, "urn:newsml:meridianpress.example:20231122:rotterdam-deal@1",
	 1700640120000, "Meridian Press", "en",
	 "Rotterdam strike ends a day early as union accepts 7.5 percent raise",
	 "ROTTERDAM, Nov 22 (Meridian Press) - Dockworkers", "queue of ships at anchor."},
	{"ninjs-3.jsonl", 2, "urn:newsml:atlasnews.example:20231122:lapland-snow@1",
	 1700646300000, "Atlas News Agency", "en-gb", "Lapland digs out as snowfall eases",
	 "HELSINKI, 22 November (ANA) \xe2\x80\x93 Road crews",
	 "second day.\nRail operator VR said"},
	{"ninjs-3.jsonl", 3, "urn:newsml:nordicnewswire.example:20231122:lyon-museum@1",
	 1700658000000, "Nordic Newswire", "en",
	 "Lyon textile museum reopens after four-year renovation",
	 "LYON, Nov 22 (NNW) - Lyon's textile museum", "4,000 years."},
	{"ninjs-3.jsonl", 4, "urn:newsml:nordicnewswire.example:20231122:ferry@2",
	 1700647800000, "Nordic Newswire", "en",
	 "Helsinki-Tallinn ferries back on schedule after storm",
	 "HELSINKI, Nov 22 (NNW) - Ferry services", "normal timetables."},
};

ParameterizedTestParameters(parse, fixtures)
{
	return cr_make_param_array(size_t, indices(COUNT(fixtures_cases)),
	                           COUNT(fixtures_cases));
}

ParameterizedTest(size_t *i, parse, fixtures)
{
	const struct fixture_case *c = &fixtures_cases[*i];
	char *line = fixture_line(c->file, c->line);
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct wf_article a;
	memset(&a, 0, sizeof a);
	char reason[WF_PARSE_REASON_MAX];
	int rc = wf_parse_line(&arena, line, strlen(line), &a, reason, sizeof reason);
	cr_assert_eq(rc, 0, "%s:%d: %s", c->file, c->line, reason);
	cr_assert_str_eq(a.id, c->id);
	cr_assert_eq(a.time_ms, c->time_ms, "%s:%d: time %lld", c->file, c->line,
	             (long long)a.time_ms);
	cr_assert_str_eq(a.source, c->source);
	cr_assert_str_eq(a.lang, c->lang);
	cr_assert_str_eq(a.title, c->title);
	cr_assert_eq(strncmp(a.body, c->body_start, strlen(c->body_start)), 0,
	             "%s:%d: body starts '%.60s'", c->file, c->line, a.body);
	cr_assert_not_null(strstr(a.body, c->body_has), "%s:%d: body lacks '%s'", c->file,
	                   c->line, c->body_has);
	cr_assert_null(strchr(a.body, '<'), "%s:%d: markup left in body", c->file, c->line);
	cr_assert_null(strstr(a.body, "trackView"), "%s:%d: script left in body", c->file,
	               c->line);
	wf_arena_close(&arena);
	free(line);
}

/* Every line of every ninjs fixture parses; ids are distinct. */
Test(parse, fixture_files_parse_whole)
{
	static const char *const files[] = {"ninjs-1.jsonl", "ninjs-2.jsonl", "ninjs-3.jsonl"};
	const char *ids[64];
	size_t n_ids = 0;
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", WF_FIXTURES, files[i]);
		FILE *f = fopen(path, "r");
		cr_assert_not_null(f, "cannot open %s", path);
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		int lineno = 0;
		while ((len = getline(&line, &cap, f)) > 0) {
			lineno++;
			if (line[len - 1] == '\n')
				line[--len] = '\0';
			struct wf_article a;
			memset(&a, 0, sizeof a);
			char reason[WF_PARSE_REASON_MAX];
			int rc = wf_parse_line(&arena, line, (size_t)len, &a, reason,
			                       sizeof reason);
			cr_assert_eq(rc, 0, "%s:%d: %s", files[i], lineno, reason);
			for (size_t k = 0; k < n_ids; k++)
				cr_assert_str_neq(ids[k], a.id, "%s:%d: id repeated", files[i],
				                  lineno);
			cr_assert_lt(n_ids, sizeof ids / sizeof ids[0]);
			ids[n_ids++] = a.id;
		}
		cr_assert_geq(lineno, 3, "%s: fewer than 3 articles", files[i]);
		cr_assert_leq(lineno, 5, "%s: more than 5 articles", files[i]);
		free(line);
		fclose(f);
	}
	wf_arena_close(&arena);
}

/* ---- the stage ------------------------------------------------------------ */

Test(parse, stage_fills_and_rejects)
{
	const struct wf_stage_ops *ops = &wf_parse_stage;
	cr_assert_str_eq(ops->name, "parse");
	cr_assert(ops->parallel);
	void *self = (void *)1;
	cr_assert_eq(ops->init(&self, NULL), 0);
	cr_assert_null(self);

	static const char *const lines[] = {
		"{\"id\": \"ok-1\", \"time\": \"2023-11-21T10:15:30Z\", \"source\": \"Wire\", \"title\": \"One\", \"body\": \"Body one.\"}",
		"{\"id\": \"bad-json\", \"time\": ",
		"{\"uri\": \"urn:x\", \"version\": \"2\", \"versioncreated\": \"2023-11-21\", \"headline\": \"Two\", \"body_html\": \"<p>Body &amp; two</p>\"}",
		"{\"id\": \"pre-rejected\", \"time\": \"2023-11-21\", \"title\": \"Three\"}",
		"{\"id\": \"bad-time\", \"time\": \"yesterday\", \"title\": \"t\"}",
	};
	const size_t n = sizeof lines / sizeof lines[0];
	struct wf_batch *b = wf_batch_new(n);
	cr_assert_not_null(b);
	for (size_t i = 0; i < n; i++)
		cr_assert_not_null(wf_batch_add_line(b, i + 1, lines[i], strlen(lines[i])));
	wf_batch_reject(b, &b->items[3], WF_ETOOLONG, "line too long");

	cr_assert_eq(ops->process(self, b), WF_FLOW_OK);

	struct wf_article *a = b->items;
	cr_assert_not(a[0].rejected);
	cr_assert_str_eq(a[0].id, "ok-1");
	cr_assert_str_eq(a[0].source, "Wire");
	cr_assert_str_eq(a[0].lang, "");
	cr_assert_eq(a[0].time_ms, 1700561730000);
	cr_assert_eq(a[0].line_no, 1);

	cr_assert(a[1].rejected);
	cr_assert_eq(a[1].error, WF_EJSON);
	cr_assert_not_null(strstr(a[1].reason, "invalid JSON"));

	cr_assert_not(a[2].rejected);
	cr_assert_str_eq(a[2].id, "urn:x@2");
	cr_assert_str_eq(a[2].title, "Two");
	cr_assert_str_eq(a[2].body, "Body & two");

	cr_assert(a[3].rejected); /* left as the runtime marked it */
	cr_assert_eq(a[3].error, WF_ETOOLONG);
	cr_assert_str_eq(a[3].reason, "line too long");
	cr_assert_null(a[3].id);

	cr_assert(a[4].rejected);
	cr_assert_eq(a[4].error, WF_EBADTIME);
	cr_assert_str_eq(a[4].reason, "time \"yesterday\" is not RFC 3339, \"YYYY-MM-DD "
	                              "HH:MM:SS\" or epoch seconds/milliseconds");

	ops->free(self);
	ops->free(NULL);
	wf_batch_free(b);
}

/* Workers parse different batches at once. */
static void *parse_many(void *arg)
{
	long *failures = arg;
	const char *line =
		"{\"uri\": \"urn:t\", \"versionCreated\": \"2023-11-22T11:45:00+02:00\", "
		"\"headlines\": [{\"value\": \"Snow\"}], "
		"\"bodies\": [{\"contentType\": \"text/html\", \"value\": \"<p>a</p><p>b &amp; c</p>\"}]}";
	for (int i = 0; i < 300; i++) {
		struct wf_batch *b = wf_batch_new(4);
		for (int k = 0; k < 4; k++)
			wf_batch_add_line(b, (uint64_t)k + 1, line, strlen(line));
		if (wf_parse_stage.process(NULL, b) != WF_FLOW_OK)
			(*failures)++;
		for (size_t k = 0; k < b->n; k++)
			if (b->items[k].rejected || strcmp(b->items[k].body, "a\nb & c") != 0 ||
			    b->items[k].time_ms != 1700646300000)
				(*failures)++;
		wf_batch_free(b);
	}
	return NULL;
}

Test(parse, stage_runs_concurrently)
{
	enum { N = 8 };
	void *self;
	cr_assert_eq(wf_parse_stage.init(&self, NULL), 0);
	pthread_t t[N];
	long failures[N] = {0};
	for (int i = 0; i < N; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, parse_many, &failures[i]), 0);
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(failures[i], 0, "thread %d", i);
	}
	wf_parse_stage.free(self);
}

/* ---- the fast path agrees with jansson ----------------------------------- */

/* Parse line[0..n) both ways and require the same result: code, reason and
 * every field.  Returns the code. */
static int agree(const char *what, const char *line, size_t n)
{
	struct wf_arena arena;
	wf_arena_init(&arena, 0);
	struct guarded g = guard(line, n);
	struct wf_article fast, slow;
	memset(&fast, 0, sizeof fast);
	memset(&slow, 0, sizeof slow);
	char rf[WF_PARSE_REASON_MAX], rs[WF_PARSE_REASON_MAX];
	int cf = wf_parse_line_flags(&arena, g.s, n, &fast, rf, sizeof rf, 0);
	int cs = wf_parse_line_flags(&arena, g.s, n, &slow, rs, sizeof rs,
	                             WF_PARSE_NO_FASTPATH);
	cr_assert_eq(cf, cs, "%s: fast %d (%s), jansson %d (%s)", what, cf, rf, cs, rs);
	cr_assert_str_eq(rf, rs, "%s", what);
	if (cf == 0) {
		cr_assert_str_eq(fast.id, slow.id, "%s", what);
		cr_assert_eq(fast.time_ms, slow.time_ms, "%s", what);
		cr_assert_str_eq(fast.source, slow.source, "%s", what);
		cr_assert_str_eq(fast.lang, slow.lang, "%s", what);
		cr_assert_str_eq(fast.title, slow.title, "%s", what);
		cr_assert_str_eq(fast.body, slow.body, "%s", what);
	}
	unguard(&g);
	wf_arena_close(&arena);
	return cf;
}

/* Lines where the parsers could part: what yajl or simdjson take and
 * jansson does not (form feeds, surrogates, overflow, bad UTF-8), escapes,
 * nesting. */
static const char *const tricky_lines[] = {
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\"}\x0b",
	"\x0c{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\\ud800x\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\\udc00\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\\ud83d\\ude00 \\u00e9\\u4e2d\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\\u0000\"}",
	"{\"id\": \"a\", \"time\": 1e400, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": -1e400, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 1e-400, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 123456789012345678901234, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 9223372036854775807, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": -9223372036854775808, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 1700561730.5, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 17005617305E2, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": -0, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 0.00000000000000000000000000000000000000000000000000000000000000000001, \"title\": \"t\"}",
	"{\"uri\": \"u\", \"version\": 12, \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"uri\": \"u\", \"version\": 1.5, \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"id\": \"a\", \"\\u0069d\": \"b\", \"time\": \"2023-11-21\", \"title\": \"t\"}",
	"{\"\\u0069d\": \"esc\\\"aped\\\\\", \"time\": \"2023-11-21\", \"title\": \"t\\/\\b\\f\\n\\r\\t\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": {\"k\": 1, \"k\": 2}}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": [{\"k\": 1}, {\"k\": 2}]}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\xed\xa0\x80\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\xf4\x90\x80\x80\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\xe0\x80\xaf\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\x7f\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"tab\there\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\"} \r\n\t ",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\"}{}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\",}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\"} // c",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": 01}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\\x\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\\u12\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\\",
	"{\"provider\": {\"name\": \"P\", \"name\": \"Q\"}, \"uri\": \"u\", \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"uri\": \"u\", \"versioncreated\": \"2023-11-21\", \"headlines\": [{\"value\": \"a\", \"role\": \"sub\"}, "
	"{\"value\": \"<b>b</b>\", \"role\": \"main\", \"contentType\": \"text/html\"}], "
	"\"bodies\": [{\"value\": \"x\", \"role\": \"abstract\"}, {\"value\": \"y\", \"contenttype\": \"application/nitf+xml\"}, "
	"{\"value\": \"z\", \"contentType\": \"text/plain; charset=utf-8\"}]}",
	"{\"uri\": \"u\", \"versioncreated\": \"2023-11-21\", \"headlines\": [], \"bodies\": [], \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"deep\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	"[1, 2]", "\"s\"", "42", "null", "true", "{}", "{\"id\": {\"deep\": [1]}}",
	/* simdjson's traps: what its DOM takes and jansson does not, or reads
	 * otherwise */
	"{\"id\": \"a\", \"time\": 18446744073709551616, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 18446744073709551615, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 9223372036854775808, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": -9223372036854775809, \"title\": \"t\"}",
	"{\"uri\": \"u\", \"version\": 18446744073709551615, \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"uri\": \"u\", \"version\": -0, \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"uri\": \"u\", \"version\": -0.0, \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"uri\": \"u\", \"version\": -0e3, \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"uri\": \"u\", \"version\": 0, \"versioncreated\": \"2023-11-21\", \"headline\": \"t\"}",
	"{\"id\": \"a\", \"time\": 1.7976931348623157e308, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 1.7976931348623159e308, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 4.9e-324, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 2.4703282292062327e-324, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": 1700561730.12345678901234567890123456789012345678901234567890123456789, \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": [[{\"a\": {\"b\": {\"c\": {\"k\": 1, \"k\": 1}}}}]]}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": {\"\\u006b\": 1, \"k\": 2}}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": {\"k\\u0000\": 1, \"k\": 2}}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": [[[[[[\"\\u0000\"]]]]]]}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": \"\\\\u0000\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": \"\\ud800\\u0041\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": \"\\udbff\\udfff\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"\\ud800\"}",
	"\xef\xbb\xbf{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": [1, 2, 3, -0.5e-3, true, false, null, {}, []]}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": \"\xf4\x8f\xbf\xbf \xef\xbf\xbf \xc2\x80\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": \"\xc0\x80\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": \"\x1f\"}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": tru}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": 1.}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": .5}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": +1}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": NaN}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": 1e}",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": 1}   \n",
	"{\"id\": \"a\", \"time\": \"2023-11-21\", \"title\": \"t\", \"x\": 1}\x00",
};

Test(parse, fast_path_agrees_with_jansson)
{
	for (size_t i = 0; i < COUNT(accepts_cases); i++)
		agree(accepts_cases[i].name, accepts_cases[i].line, strlen(accepts_cases[i].line));
	for (size_t i = 0; i < COUNT(rejects_cases); i++) {
		const struct bad_case *c = &rejects_cases[i];
		agree(c->name, c->line, c->len ? c->len : strlen(c->line));
	}
	for (size_t i = 0; i < COUNT(tricky_lines); i++) {
		char what[32];
		snprintf(what, sizeof what, "tricky line %zu", i);
		agree(what, tricky_lines[i], strlen(tricky_lines[i]));
	}
	/* an object wider than the fast path takes, with a repeat at the end */
	char wide[4096];
	size_t o = (size_t)snprintf(wide, sizeof wide, "{\"id\": \"w\", \"time\": \"2023-11-21\", \"title\": \"t\"");
	for (int k = 0; k < 80; k++)
		o += (size_t)snprintf(wide + o, sizeof wide - o, ", \"k%d\": %d", k, k);
	agree("wide object", wide, o + (size_t)snprintf(wide + o, sizeof wide - o, "}"));
	agree("wide object, repeat", wide,
	      o + (size_t)snprintf(wide + o, sizeof wide - o, ", \"k3\": 0}"));
	/* objects of 64 and 65 members, arrays of 32 and 33 nested containers
	 * (the fast path's limits) */
	for (int members = 63; members <= 66; members++) {
		o = (size_t)snprintf(wide, sizeof wide, "{\"id\": \"w\", \"time\": 1700561730, \"title\": \"t\"");
		for (int k = 3; k < members; k++)
			o += (size_t)snprintf(wide + o, sizeof wide - o, ", \"k%d\": %d", k, k);
		o += (size_t)snprintf(wide + o, sizeof wide - o, "}");
		agree("object at the width limit", wide, o);
	}
	for (int depth = 30; depth <= 34; depth++) {
		o = (size_t)snprintf(wide, sizeof wide, "{\"id\": \"w\", \"time\": 1700561730, \"title\": \"t\", \"x\": ");
		for (int k = 1; k < depth; k++)
			o += (size_t)snprintf(wide + o, sizeof wide - o, "%s", k % 2 ? "[" : "{\"k\": ");
		for (int k = depth - 1; k >= 1; k--)
			wide[o++] = k % 2 ? ']' : '}';
		wide[o++] = '}';
		agree("containers at the depth limit", wide, o);
	}
}

/* A line of every length from 1 to 300 bytes whose last byte is the last
 * one before a guard page (agree's guard): simdjson reads SIMDJSON_PADDING
 * bytes past the end of what it parses, which must not be the caller's. */
Test(parse, fast_path_reads_nothing_past_the_line)
{
	char line[400];
	for (size_t n = 1; n <= 300; n++) {
		const int head = snprintf(line, sizeof line, "{\"id\": \"a\", \"time\": 1700561730, \"title\": \"");
		size_t o = (size_t)head;
		for (; o + 2 < n; o++)
			line[o] = (char)('a' + o % 26);
		memcpy(line + o, "\"}", 2);
		o += 2;
		agree("line ending at a guard page", line, n < o ? n : o);
		/* a number last: read to its end */
		o = (size_t)snprintf(line, sizeof line, "{\"id\": \"a\", \"title\": \"t\", \"time\": ");
		while (o + 1 < n)
			line[o++] = '1';
		line[o++] = '}';
		agree("number ending at a guard page", line, n < o ? n : o);
	}
}

/* Every line of the fixtures, and every one-byte change and every cut of
 * some of them, parse the same both ways. */
Test(parse, fast_path_agrees_on_fixtures_and_mutants, .timeout = 120)
{
	static const char *const files[] = {
		"sample-feed.jsonl", "mixed-bad.jsonl", "ninjs-1.jsonl", "ninjs-2.jsonl",
		"ninjs-3.jsonl", "xss-feed.jsonl", "hostile.jsonl",
	};
	static const char swaps[] = "\"\\{}[],:0u.e-E \x0b\xff\xc3\xed";
	size_t mutated = 0;
	for (size_t i = 0; i < COUNT(files); i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/%s", WF_FIXTURES, files[i]);
		FILE *f = fopen(path, "r");
		if (!f && strcmp(files[i], "hostile.jsonl") == 0)
			continue; /* written by another test suite; optional here */
		cr_assert_not_null(f, "cannot open %s", path);
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		int lineno = 0;
		while ((len = getline(&line, &cap, f)) >= 0) {
			lineno++;
			if (len > 0 && line[len - 1] == '\n')
				len--;
			char what[600];
			snprintf(what, sizeof what, "%s:%d", files[i], lineno);
			agree(what, line, (size_t)len);
			/* mutants of the first lines of each file, bounded in time */
			if (lineno > 2 || len > 2000)
				continue;
			char *m = malloc((size_t)len + 1);
			cr_assert_not_null(m);
			for (ssize_t at = 0; at < len; at++) {
				agree(what, line, (size_t)at); /* cut */
				memcpy(m, line, (size_t)len);
				for (const char *sw = swaps; *sw; sw++) {
					m[at] = *sw;
					snprintf(what, sizeof what, "%s:%d byte %zd = 0x%02x", files[i],
					         lineno, at, (unsigned char)*sw);
					agree(what, m, (size_t)len);
					mutated++;
				}
			}
			free(m);
		}
		free(line);
		fclose(f);
	}
	cr_assert_gt(mutated, 1000);
}
