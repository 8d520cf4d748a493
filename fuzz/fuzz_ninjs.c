/* fuzz_ninjs.c — the field mapping (flat and ninjs 1.x–3.x), structured.
 *
 * Random bytes rarely make a JSON object with the right keys, so this
 * target builds one from them: keys drawn from every name the mapping
 * knows (and a few it does not), values of every JSON type, ninjs-shaped
 * arrays of headlines and bodies with roles and content types (HTML
 * included), strings drawn from a table of times and markup or made from
 * the input.  The object is serialised and parsed like an input line; the
 * properties are those of fuzz_parse.c, plus: a line that was accepted is
 * accepted again, with the same fields, when its keys come in another
 * order. */
#include <jansson.h>
#include <string.h>

#include "fuzz.h"
#include "wirefold/arena.h"
#include "wirefold/article.h"
#include "wirefold/error.h"
#include "wirefold/parse.h"
#include "wirefold/timeparse.h"

static const char *const keys[] = {
	"id", "uri", "version", "time", "versioncreated", "versionCreated",
	"firstcreated", "firstCreated", "source", "copyrightholder",
	"copyrightHolder", "by", "byline", "provider", "lang", "language",
	"title", "headline", "headlines", "body", "body_text", "body_html",
	"bodies", "type", "subjects", "dateline", "", "ID", "Uri",
};
enum { NKEYS = sizeof keys / sizeof keys[0] };

static const char *const words[] = {
	"2026-11-20T08:00:00Z", "2026-11-20T08:00:00.123+05:30", "1987-03-06",
	"2026-11-20 08:00:00", "1700000000", "1700000000000", "2026-02-29T00:00:00Z",
	"2024-02-29T23:59:60Z", "9999-12-31T23:59:59.999-23:59", "0000-01-01T00:00:00+00:01",
	"-1", "1e11", "yesterday", "", " ", "\t\n", "main", "alt", "summary",
	"text/plain", "text/html", "TEXT/PLAIN; charset=utf-8", "application/nitf+xml",
	"application/xhtml+xml", "image/png", "<p>Hello <b>world</b></p>",
	"<script>alert(1)</script>x", "<![CDATA[a]]><!-- c --><br/>&amp;&lt;&#x1F600;&#0;",
	"<p>unclosed <i>tags", "&nosuch; &#xD800; &#1114112;", "MOSCOW, November 21. /TASS/.",
	"By Jane Doe, Reuters", "(Reporting by X; Editing by Y)", "Ünïcödé ß ǅ ﬁ 東京都",
	"en_GB", "EN-us", "de", "zh-Hans", "urn:newsml:x:2026:1", "1", "2",
};
enum { NWORDS = sizeof words / sizeof words[0] };

static json_t *gen_string(struct fuzz_src *s)
{
	if (fuzz_take(s, 2))
		return json_string(words[fuzz_take(s, NWORDS)]);
	size_t len = fuzz_take(s, 48);
	char buf[64];
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned c = fuzz_take(s, 256);
		if (c < 0x80) {
			buf[o++] = (char)c; /* NUL included: json_stringn keeps it */
		} else {
			/* a two-byte character keeps the string valid UTF-8 */
			unsigned cp = 0x80 + c * 7;
			buf[o++] = (char)(0xc0 | cp >> 6);
			buf[o++] = (char)(0x80 | (cp & 0x3f));
		}
		if (o > sizeof buf - 2)
			break;
	}
	return json_stringn(buf, o);
}

static json_t *gen_value(struct fuzz_src *s, int depth);

/* an array shaped like ninjs headlines/bodies, with flaws now and then */
static json_t *gen_texts(struct fuzz_src *s, int depth)
{
	json_t *a = json_array();
	unsigned n = fuzz_take(s, 5);
	for (unsigned i = 0; i < n; i++) {
		if (fuzz_take(s, 8) == 0) {
			json_array_append_new(a, gen_value(s, depth + 1));
			continue;
		}
		json_t *e = json_object();
		static const char *const fields[] = {"value", "role", "contentType", "contenttype"};
		for (unsigned f = 0; f < 4; f++)
			if (f == 0 ? fuzz_take(s, 8) != 0 : fuzz_take(s, 2))
				json_object_set_new(e, fields[f],
				                    fuzz_take(s, 10) ? gen_string(s) : gen_value(s, depth + 1));
		json_array_append_new(a, e);
	}
	return a;
}

static json_t *gen_value(struct fuzz_src *s, int depth)
{
	switch (depth > 3 ? fuzz_take(s, 4) : fuzz_take(s, 10)) {
	case 0:
	case 1:
		return gen_string(s);
	case 2:
		return json_integer((json_int_t)fuzz_take_u64(s) >> fuzz_take(s, 64));
	case 3: {
		uint64_t bits = fuzz_take_u64(s);
		double d;
		memcpy(&d, &bits, sizeof d);
		/* JSON has no NaN or infinity: jansson refuses them */
		return json_real(d == d && d - d == 0 ? d : 1e300);
	}
	case 4:
		return json_null();
	case 5:
		return json_boolean(fuzz_take(s, 2));
	case 6:
	case 7:
		return gen_texts(s, depth);
	case 8: {
		json_t *o = json_object();
		json_object_set_new(o, fuzz_take(s, 2) ? "name" : "uri", gen_value(s, depth + 1));
		return o;
	}
	default: {
		json_t *a = json_array();
		unsigned n = fuzz_take(s, 4);
		for (unsigned i = 0; i < n; i++)
			json_array_append_new(a, gen_value(s, depth + 1));
		return a;
	}
	}
}

static void check_field(const char *v)
{
	CHECK(v != NULL);
	CHECK(fuzz_utf8_valid(v, strlen(v)));
}

static int parse(struct wf_arena *arena, const char *line, struct wf_article *a,
                 char *reason)
{
	memset(a, 0, sizeof *a);
	int rc = wf_parse_line(arena, line, strlen(line), a, reason, WF_PARSE_REASON_MAX);
	if (rc == 0) {
		check_field(a->id);
		CHECK(*a->id);
		check_field(a->source);
		check_field(a->lang);
		check_field(a->title);
		check_field(a->body);
		CHECK(a->time_ms >= WF_TIME_MIN_MS && a->time_ms <= WF_TIME_MAX_MS);
	} else {
		CHECK(rc > WF__EFIRST && rc < WF__ELAST);
		CHECK(*reason && fuzz_utf8_valid(reason, strlen(reason)));
		CHECK(!strchr(reason, '\n'));
	}
	return rc;
}

static bool same(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_src s = {data, size};
	json_t *root = json_object();
	bool used[NKEYS] = {0};
	const char *order[NKEYS];
	unsigned nkeys = 0, want = fuzz_take(&s, 12) + 1;
	for (unsigned i = 0; i < want; i++) {
		unsigned k = fuzz_take(&s, NKEYS);
		if (used[k])
			continue;
		used[k] = true;
		order[nkeys++] = keys[k];
		/* the usual shapes most of the time, anything now and then */
		json_t *v;
		if (fuzz_take(&s, 4) == 0)
			v = gen_value(&s, 0);
		else if (strcmp(keys[k], "headlines") == 0 || strcmp(keys[k], "bodies") == 0)
			v = gen_texts(&s, 0);
		else if (strcmp(keys[k], "provider") == 0 && fuzz_take(&s, 2)) {
			v = json_object();
			json_object_set_new(v, "name", gen_string(&s));
		} else
			v = gen_string(&s);
		json_object_set_new(root, keys[k], v);
	}
	char *line = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	/* the same object with its keys in reverse order */
	json_t *rev = json_object();
	for (unsigned i = nkeys; i-- > 0;)
		json_object_set(rev, order[i], json_object_get(root, order[i]));
	char *line2 = json_dumps(rev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (line && line2) {
		struct wf_arena arena;
		wf_arena_init(&arena, 0);
		struct wf_article a, b;
		char r1[WF_PARSE_REASON_MAX], r2[WF_PARSE_REASON_MAX];
		int rc1 = parse(&arena, line, &a, r1);
		int rc2 = parse(&arena, line2, &b, r2);
		CHECK(rc1 == rc2);
		if (rc1 == 0) {
			CHECK(same(a.id, b.id) && same(a.source, b.source) && same(a.lang, b.lang));
			CHECK(same(a.title, b.title) && same(a.body, b.body));
			CHECK(a.time_ms == b.time_ms);
		}
		wf_arena_close(&arena);
	}
	free(line);
	free(line2);
	json_decref(root);
	json_decref(rev);
	return 0;
}
