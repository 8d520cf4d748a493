/* parse.c — one JSON line to an article's fields (parallel stage).
 *
 * Two parsers, one result.  The fast path runs simdjson's DOM parser over
 * the line (parse_simdjson.cc) and builds a small tree of `struct jv` nodes
 * from it (jtree.h: no hash tables, one arena copy of each string, which
 * the article then keeps).  It takes only lines it is sure jansson would
 * accept as they are: strict UTF-8, no control bytes but tab, CR and LF, no
 * \u0000 or surrogate escape, no duplicate key, no number that overflows, a
 * modest depth and width.  Every other line — any line simdjson rejects,
 * any doubt — goes to jansson (the reference), which gives the reason for a
 * reject, and an accepted one is copied into the same tree.  So the two
 * agree by construction on what is rejected and why; tests/test_parse.c
 * checks that they agree on everything (WF_PARSE_NO_FASTPATH).  simdjson
 * was measured against jansson, json-c and yajl on the benchmark feed:
 * docs/PERFORMANCE.md. */
#include "wirefold/parse.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "wirefold/arena.h"
#include "wirefold/article.h"
#include "wirefold/batch.h"
#include "wirefold/error.h"
#include "wirefold/html.h"
#include "wirefold/scan16.h"
#include "wirefold/stage.h"
#include "wirefold/timeparse.h"

#include "jtree.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* ---- the tree both parsers build (jtree.h) ------------------------------ */

static const struct jv *jfirst(const struct jdoc *d, const struct jv *v)
{
	return v && v->child ? &d->v[v->child] : NULL;
}

static const struct jv *jnext(const struct jdoc *d, const struct jv *v)
{
	return v->next ? &d->v[v->next] : NULL;
}

/* The member key of obj, or NULL (also when obj is not an object). */
static const struct jv *jget(const struct jdoc *d, const struct jv *obj, const char *key)
{
	if (!obj || obj->type != J_OBJECT)
		return NULL;
	const size_t n = strlen(key);
	for (const struct jv *m = jfirst(d, obj); m; m = jnext(d, m))
		if (m->key_len == n && memcmp(m->key, key, n) == 0)
			return m;
	return NULL;
}

static bool is_string(const struct jv *v)
{
	return v && v->type == J_STRING;
}

static bool is_number(const struct jv *v)
{
	return v && (v->type == J_INT || v->type == J_REAL);
}

static bool is_null(const struct jv *v)
{
	return v && v->type == J_NULL;
}

static double number_value(const struct jv *v)
{
	return v->type == J_INT ? (double)v->u.i : v->u.d;
}

/* Where a reject reason goes; reason may be NULL when reason_len is 0. */
struct ctx {
	struct wf_arena *arena;
	char *reason;
	size_t reason_len;
	const struct jdoc *doc;
};

/* The fields of one line, committed to the article only on success. */
struct fields {
	const char *id;
	const char *source;
	const char *lang;
	const char *title;
	const char *body;
	int64_t time_ms;
};

static int fail(struct ctx *c, int code, const char *fmt, ...) PRINTF_LIKE(3, 4);

static int fail(struct ctx *c, int code, const char *fmt, ...)
{
	if (c->reason_len > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->reason, c->reason_len, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int fail_nomem(struct ctx *c)
{
	return fail(c, WF_ENOMEM, "out of memory");
}

/* Length of the valid UTF-8 sequence at s[0..n) (n > 0), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1fu, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, cp = c & 0x0fu, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A printable, one-line copy of s[0..n) in dst[0..cap) for a reason: valid
 * UTF-8 is kept, control characters and invalid bytes become \n, \t, \r or
 * \xHH, '"' and '\\' are escaped when quoted (the copy goes between double
 * quotes), and a copy that does not fit ends in "...".  Never cuts a
 * character in two. */
static void clip(char *dst, size_t cap, const char *src, size_t n, bool quoted)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;
	assert(cap >= 8);
	for (size_t i = 0; i < n;) {
		char esc[4];
		size_t el = 1, adv = utf8_seq(s + i, n - i);
		unsigned char ch = s[i];
		if (adv > 1) {
			memcpy(esc, s + i, adv);
			el = adv;
		} else if (adv == 1 && ch >= 0x20 && ch != 0x7f) {
			esc[0] = (char)ch;
			if (quoted && (ch == '"' || ch == '\\')) {
				esc[0] = '\\';
				esc[1] = (char)ch;
				el = 2;
			}
		} else if (ch == '\n' || ch == '\t' || ch == '\r') {
			esc[0] = '\\';
			esc[1] = ch == '\n' ? 'n' : ch == '\t' ? 't' : 'r';
			el = 2;
			adv = 1;
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[ch >> 4];
			esc[3] = hex[ch & 15];
			el = 4;
			adv = 1;
		}
		/* keep room for "..." and the NUL */
		if (o + el + 4 > cap) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(dst + o, esc, el);
		o += el;
		i += adv;
	}
	dst[o] = '\0';
}

/* The value of the first key of keys (a NULL-terminated list) that obj has
 * with a non-null value, and that key in *key; NULL when none. */
static const struct jv *first(const struct ctx *c, const struct jv *obj,
                              const char *const *keys, const char **key)
{
	for (; *keys; keys++) {
		const struct jv *v = jget(c->doc, obj, *keys);
		if (v && !is_null(v)) {
			*key = *keys;
			return v;
		}
	}
	return NULL;
}

static int store(struct ctx *c, const char *s, size_t n, const char **out)
{
	char *copy = wf_arena_strndup(c->arena, s, n);
	if (!copy)
		return fail_nomem(c);
	*out = copy;
	return 0;
}

/* The string's text for the article: the arena copy the fast path made,
 * or a new copy of jansson's. */
static int store_string(struct ctx *c, const struct jv *v, const char **out)
{
	if (v->owned) {
		*out = v->u.str.s;
		return 0;
	}
	return store(c, v->u.str.s, v->u.str.len, out);
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' &&
		    *s != '\f' && *s != '\v')
			return false;
	return true;
}

static bool contains_nocase(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (; *s; s++)
		if (strncasecmp(s, word, n) == 0)
			return true;
	return false;
}

/* How a headline or body element's content type reads, best first. */
enum text_kind {
	KIND_PLAIN = 0,  /* none, or text/plain */
	KIND_MARKUP = 1, /* names html, xml or nitf: made text by html.h */
	KIND_OTHER = 2,  /* anything else: used as it is */
	KIND_COUNT
};

static enum text_kind kind_of(const struct ctx *c, const struct jv *elem)
{
	const struct jv *ct = jget(c->doc, elem, "contentType");
	if (!is_string(ct))
		ct = jget(c->doc, elem, "contenttype");
	if (!is_string(ct))
		return KIND_PLAIN;
	static const char plain[] = "text/plain";
	const size_t n = sizeof plain - 1;
	const char *t = ct->u.str.s;
	if (strncasecmp(t, plain, n) == 0 && (t[n] == '\0' || t[n] == ';' || t[n] == ' '))
		return KIND_PLAIN;
	if (contains_nocase(t, "html") || contains_nocase(t, "xml") ||
	    contains_nocase(t, "nitf"))
		return KIND_MARKUP;
	return KIND_OTHER;
}

static bool role_is_main(const struct ctx *c, const struct jv *elem)
{
	const struct jv *role = jget(c->doc, elem, "role");
	return !role || is_null(role) ||
	       (is_string(role) && strcmp(role->u.str.s, "main") == 0);
}

/* The text of a string value that holds HTML. */
static int store_html(struct ctx *c, const struct jv *v, const char **out)
{
	int rc = wf_html_to_text(c->arena, v->u.str.s, v->u.str.len, out, NULL);
	return rc == 0 ? 0 : fail_nomem(c);
}

/* Check that v is an array of objects each with a string "value" (what ninjs
 * "headlines" and "bodies" are). */
static int check_text_array(struct ctx *c, const struct jv *v, const char *key)
{
	if (v->type != J_ARRAY)
		goto err_type;
	for (const struct jv *e = jfirst(c->doc, v); e; e = jnext(c->doc, e))
		if (e->type != J_OBJECT || !is_string(jget(c->doc, e, "value")))
			goto err_type;
	return 0;
err_type:
	return fail(c, WF_ETYPE,
	            "field \"%s\" must be an array of objects with a string \"value\"",
	            key);
}

/* The chosen element's value, made text according to its content type. */
static int store_element(struct ctx *c, const struct jv *elem, const char **out)
{
	const struct jv *v = jget(c->doc, elem, "value");
	if (kind_of(c, elem) == KIND_MARKUP)
		return store_html(c, v, out);
	return store_string(c, v, out);
}

static int read_headlines(struct ctx *c, const struct jv *v, const char *key,
                          const char **out)
{
	int rc = check_text_array(c, v, key);
	if (rc)
		return rc;
	if (v->count == 0) {
		*out = "";
		return 0;
	}
	const struct jv *pick = jfirst(c->doc, v);
	for (const struct jv *e = pick; e; e = jnext(c->doc, e)) {
		const struct jv *role = jget(c->doc, e, "role");
		if (is_string(role) && strcmp(role->u.str.s, "main") == 0) {
			pick = e;
			break;
		}
	}
	return store_element(c, pick, out);
}

static int read_bodies(struct ctx *c, const struct jv *v, const char *key,
                       const char **out)
{
	int rc = check_text_array(c, v, key);
	if (rc)
		return rc;
	const struct jv *pick = NULL;
	int best = 0;
	for (const struct jv *e = jfirst(c->doc, v); e; e = jnext(c->doc, e)) {
		/* the role outranks the content type */
		int rank = (role_is_main(c, e) ? 0 : KIND_COUNT) + (int)kind_of(c, e);
		if (!pick || rank < best) {
			pick = e;
			best = rank;
		}
	}
	if (!pick) {
		*out = "";
		return 0;
	}
	return store_element(c, pick, out);
}

static int type_error(struct ctx *c, const char *key, const char *what)
{
	return fail(c, WF_ETYPE, "field \"%s\" must be %s", key, what);
}

static int read_id(struct ctx *c, const struct jv *root, struct fields *f,
                   bool *ninjs)
{
	static const char *const keys[] = {"id", "uri", NULL};
	const char *key = NULL;
	const struct jv *v = first(c, root, keys, &key);
	if (!v)
		return fail(c, WF_ENOID, "no id: expected \"id\" or \"uri\"");
	*ninjs = strcmp(key, "uri") == 0;

	if (!is_string(v))
		return type_error(c, key, "a string");
	const char *id = v->u.str.s;
	size_t id_len = v->u.str.len;
	if (id_len == 0)
		return fail(c, WF_ENOID, "no id: field \"%s\" is empty", key);
	if (!*ninjs)
		return store_string(c, v, &f->id);

	/* ninjs: the uri names the item, the version this revision of it. */
	const struct jv *ver = jget(c->doc, root, "version");
	char vnum[32];
	const char *vs = NULL;
	size_t vs_len = 0;
	if (is_string(ver)) {
		vs = ver->u.str.s;
		vs_len = ver->u.str.len;
	} else if (ver && ver->type == J_INT) {
		vs_len = (size_t)snprintf(vnum, sizeof vnum, "%" PRId64, ver->u.i);
		vs = vnum;
	} else if (ver && !is_null(ver)) {
		return type_error(c, "version", "a string or an integer");
	}
	if (vs_len == 0)
		return store_string(c, v, &f->id);
	char *out = wf_arena_alloc(c->arena, id_len + 1 + vs_len + 1);
	if (!out)
		return fail_nomem(c);
	memcpy(out, id, id_len);
	out[id_len] = '@';
	memcpy(out + id_len + 1, vs, vs_len);
	out[id_len + 1 + vs_len] = '\0';
	f->id = out;
	return 0;
}

static int read_time(struct ctx *c, const struct jv *root, struct fields *f)
{
	static const char *const keys[] = {"time", "versioncreated", "versionCreated",
	                                   "firstcreated", "firstCreated", NULL};
	const char *key = NULL;
	const struct jv *v = first(c, root, keys, &key);
	if (!v)
		return fail(c, WF_ENOTIME,
		            "no time: expected \"time\", \"versioncreated\" or "
		            "\"firstcreated\" (3.x: \"versionCreated\", \"firstCreated\")");
	if (is_string(v)) {
		const char *s = v->u.str.s;
		size_t n = v->u.str.len;
		if (wf_time_parse(s, n, &f->time_ms) == 0)
			return 0;
		char shown[64];
		clip(shown, sizeof shown, s, n, true);
		return fail(c, WF_EBADTIME, "%s \"%s\" %s", key, shown, wf_time_why(s, n));
	}
	if (is_number(v)) {
		if (wf_time_from_epoch(number_value(v), &f->time_ms) == 0)
			return 0;
		if (v->type == J_INT)
			return fail(c, WF_EBADTIME,
			            "%s %" PRId64 " is out of range (years 0000-9999)", key,
			            v->u.i);
		return fail(c, WF_EBADTIME, "%s %.15g is out of range (years 0000-9999)",
		            key, v->u.d);
	}
	return type_error(c, key, "a string or a number");
}

static int read_source(struct ctx *c, const struct jv *root, struct fields *f)
{
	static const char *const keys[] = {"source", "copyrightholder",
	                                   "copyrightHolder", "by", "byline",
	                                   "provider", NULL};
	const char *key = NULL;
	const struct jv *v = first(c, root, keys, &key);
	if (!v) {
		f->source = "";
		return 0;
	}
	if (is_string(v))
		return store_string(c, v, &f->source);
	if (strcmp(key, "provider") == 0 && v->type == J_OBJECT) {
		const struct jv *name = jget(c->doc, v, "name");
		if (is_string(name))
			return store_string(c, name, &f->source);
	}
	return type_error(c, key,
	                  strcmp(key, "provider") == 0
	                          ? "a string or an object with a string \"name\""
	                          : "a string");
}

static int read_lang(struct ctx *c, const struct jv *root, struct fields *f)
{
	static const char *const keys[] = {"lang", "language", NULL};
	const char *key = NULL;
	const struct jv *v = first(c, root, keys, &key);
	if (!v) {
		f->lang = "";
		return 0;
	}
	if (!is_string(v))
		return type_error(c, key, "a string");
	const char *s = v->u.str.s;
	size_t n = v->u.str.len;
	char *out = wf_arena_alloc(c->arena, n + 1);
	if (!out)
		return fail_nomem(c);
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		out[i] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a')
		         : ch == '_'            ? '-'
		                                : ch;
	}
	out[n] = '\0';
	f->lang = out;
	return 0;
}

static int read_title(struct ctx *c, const struct jv *root, bool ninjs,
                      struct fields *f)
{
	static const char *const flat_keys[] = {"title", "headline", "headlines", NULL};
	static const char *const ninjs_keys[] = {"headline", "headlines", "title", NULL};
	const char *key = NULL;
	const struct jv *v = first(c, root, ninjs ? ninjs_keys : flat_keys, &key);
	if (!v) {
		f->title = "";
		return 0;
	}
	if (strcmp(key, "headlines") == 0)
		return read_headlines(c, v, key, &f->title);
	if (!is_string(v))
		return type_error(c, key, "a string");
	return store_string(c, v, &f->title);
}

static int read_body(struct ctx *c, const struct jv *root, struct fields *f)
{
	static const char *const keys[] = {"body", "body_text", "body_html",
	                                   "bodies", NULL};
	const char *key = NULL;
	const struct jv *v = first(c, root, keys, &key);
	if (!v) {
		f->body = "";
		return 0;
	}
	if (strcmp(key, "bodies") == 0)
		return read_bodies(c, v, key, &f->body);
	if (!is_string(v))
		return type_error(c, key, "a string");
	if (strcmp(key, "body_html") == 0)
		return store_html(c, v, &f->body);
	return store_string(c, v, &f->body);
}

static int read_fields(struct ctx *c, struct fields *f)
{
	const struct jv *root = &c->doc->v[1];
	bool ninjs = false;
	int rc;
	if ((rc = read_id(c, root, f, &ninjs)) || (rc = read_time(c, root, f)) ||
	    (rc = read_source(c, root, f)) || (rc = read_lang(c, root, f)) ||
	    (rc = read_title(c, root, ninjs, f)) || (rc = read_body(c, root, f)))
		return rc;
	if (blank(f->title) && blank(f->body))
		return fail(c, WF_ENOTEXT, "no title and no body");
	return 0;
}

/* ---- the fast path: simdjson (parse_simdjson.cc) ------------------------ */

/* True when no \u escape in s[0..n) is of NUL or of a surrogate: simdjson
 * would put a NUL inside a string (jansson rejects \u0000), and the lines
 * with a surrogate escape, paired or not, are few enough to leave to
 * jansson.  Everything else jansson checks (UTF-8, control bytes, numbers)
 * simdjson checks as strictly, or wf_parse_simdjson does. */
static bool plain_escapes(const char *s, size_t n)
{
	const char *end = s + n;
	const char *p = s;
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (end - p < 2)
			return false;
		if (p[1] != 'u') {
			p += 2; /* the escaped byte, whatever it is */
			continue;
		}
		if (end - p < 6)
			return false;
		unsigned cp = 0;
		for (int k = 2; k < 6; k++) {
			const unsigned char h = (unsigned char)p[k];
			const unsigned d = h >= '0' && h <= '9'   ? h - '0'
			                   : h >= 'a' && h <= 'f' ? h - 'a' + 10
			                   : h >= 'A' && h <= 'F' ? h - 'A' + 10
			                                          : 16;
			if (d == 16)
				return false;
			cp = cp << 4 | d;
		}
		if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += 6;
	}
	return true;
}

/* Build d from the line when sure jansson would take it as it is: 0, the
 * root is an object; 1, not sure (use jansson); WF_ENOMEM. */
static int fast_parse(struct wf_arena *arena, const char *line, size_t len,
                      struct jdoc *d)
{
	if (!plain_escapes(line, len))
		return 1;
	return wf_parse_simdjson(arena, line, len, d);
}

/* ---- the reference: jansson --------------------------------------------- */

/* Copy jansson's v (member key[0..key_len) of its parent) into d below
 * parent p (0: v is the root).  Only what the fields are read from is
 * copied: containers deeper than COPY_DEPTH keep their type but no
 * content.  jansson's strings are borrowed: the root must outlive d.
 * Returns false when out of memory. */
enum { COPY_DEPTH = 4 };

static bool copy_value(struct jdoc *d, uint32_t p, const char *key, const json_t *v,
                       unsigned depth)
{
	uint32_t i = doc_new(d);
	if (!i)
		return false;
	struct jv *n = &d->v[i];
	if (key) {
		n->key = key;
		n->key_len = (uint32_t)strlen(key);
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT: n->type = J_OBJECT; break;
	case JSON_ARRAY: n->type = J_ARRAY; break;
	case JSON_STRING:
		n->type = J_STRING;
		n->u.str.s = json_string_value(v);
		n->u.str.len = json_string_length(v);
		break;
	case JSON_INTEGER:
		n->type = J_INT;
		n->u.i = json_integer_value(v);
		break;
	case JSON_REAL:
		n->type = J_REAL;
		n->u.d = json_real_value(v);
		break;
	case JSON_TRUE: n->type = J_TRUE; break;
	case JSON_FALSE: n->type = J_FALSE; break;
	default: n->type = J_NULL; break;
	}
	if (p)
		doc_link(d, p, i);
	if (depth >= COPY_DEPTH)
		return true;
	if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach((json_t *)v, k, m)
		{
			if (!copy_value(d, i, k, m, depth + 1))
				return false;
		}
	} else if (json_is_array(v)) {
		size_t x;
		json_t *e;
		json_array_foreach(v, x, e)
		{
			if (!copy_value(d, i, NULL, e, depth + 1))
				return false;
		}
	}
	return true;
}

/* Translate a jansson error into a wf_error and a reason. */
static int json_fail(struct ctx *c, const json_error_t *err)
{
	char text[160];
	clip(text, sizeof text, err->text, strnlen(err->text, sizeof err->text), false);
	switch (json_error_code(err)) {
	case json_error_out_of_memory:
		return fail_nomem(c);
	case json_error_invalid_utf8:
		return fail(c, WF_EUTF8, "invalid UTF-8: %s (column %d)", text,
		            err->column);
	case json_error_null_character:
		return fail(c, WF_EJSON,
		            "invalid JSON: a string contains \\u0000 (column %d)",
		            err->column);
	default:
		return fail(c, WF_EJSON, "invalid JSON: %s (column %d)", text,
		            err->column);
	}
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	default:
		return "an object";
	}
}

/* The tree of a line jansson reads: 0, WF_ENOMEM, or a reject.  *root is
 * jansson's, which d borrows strings from, to be released by the caller. */
static int slow_parse(struct ctx *c, const char *line, size_t len, struct jdoc *d,
                      json_t **root)
{
	json_error_t err;
	*root = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
	if (!*root)
		return json_fail(c, &err);
	if (!json_is_object(*root))
		return fail(c, WF_ENOTOBJ, "not a JSON object: the line is %s",
		            json_type_name(*root));
	d->n = 1;
	if (!copy_value(d, 0, NULL, *root, 0))
		return fail_nomem(c);
	return 0;
}

int wf_parse_line_flags(struct wf_arena *arena, const char *line, size_t len,
                        struct wf_article *out, char *reason, size_t reason_len,
                        unsigned flags)
{
	struct ctx c = {arena, reason, reason ? reason_len : 0, NULL};
	if (c.reason_len > 0)
		reason[0] = '\0';
	if (!arena || !out || (!line && len))
		return fail(&c, WF_EINVAL, "invalid argument");

	size_t lead = 0;
	while (lead < len && (line[lead] == ' ' || line[lead] == '\t' ||
	                      line[lead] == '\r' || line[lead] == '\n'))
		lead++;
	if (lead == len)
		return fail(&c, WF_EJSON, "empty line");
	const char *nul = memchr(line, '\0', len);
	if (nul)
		return fail(&c, WF_EJSON, "NUL byte at offset %zu", (size_t)(nul - line));

	struct jdoc doc;
	doc_init(&doc);
	c.doc = &doc;
	json_t *root = NULL;
	int rc = flags & WF_PARSE_NO_FASTPATH ? 1 : fast_parse(arena, line, len, &doc);
	if (rc == WF_ENOMEM)
		rc = fail_nomem(&c);
	else if (rc == 1)
		rc = slow_parse(&c, line, len, &doc, &root);
	struct fields f = {0};
	if (rc == 0)
		rc = read_fields(&c, &f);
	json_decref(root);
	doc_close(&doc);
	if (rc)
		return rc;

	out->id = f.id;
	out->source = f.source;
	out->lang = f.lang;
	out->title = f.title;
	out->body = f.body;
	out->time_ms = f.time_ms;
	return 0;
}

int wf_parse_line(struct wf_arena *arena, const char *line, size_t len,
                  struct wf_article *out, char *reason, size_t reason_len)
{
	return wf_parse_line_flags(arena, line, len, out, reason, reason_len, 0);
}

/* The stage: stateless, so any number of workers share it. */

static int parse_init(void **self, const struct wf_config *cfg)
{
	(void)cfg;
	wf_html_init();
	*self = NULL;
	return 0;
}

static int parse_process(void *self, struct wf_batch *b)
{
	(void)self;
	char reason[WF_PARSE_REASON_MAX];
	for (size_t i = 0; i < b->n; i++) {
		struct wf_article *a = &b->items[i];
		if (a->rejected)
			continue;
		int rc = wf_parse_line(&b->arena, a->line, a->line_len, a, reason,
		                       sizeof reason);
		if (rc)
			wf_batch_reject(b, a, rc, reason);
	}
	return WF_FLOW_OK;
}

static void parse_free(void *self)
{
	(void)self;
}

const struct wf_stage_ops wf_parse_stage = {
	.name = "parse",
	.parallel = true,
	.init = parse_init,
	.process = parse_process,
	.flush = NULL,
	.free = parse_free,
};
