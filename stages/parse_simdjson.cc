// parse_simdjson.cc — the parse stage's fast path: simdjson's DOM parser
// builds the tree of a line (jtree.h) when sure jansson would take the line
// as it is.
//
// The DOM parser validates the whole line as jansson does: strict UTF-8, no
// unescaped control byte, no bad escape, no number that does not fit (an
// integer beyond 64 bits, a real beyond the double range).  What it allows
// and jansson does not is left to jansson here: a duplicate key (compared
// while walking), an integer above INT64_MAX (simdjson's uint64; beyond 64
// bits, and 1e400, simdjson fails).  "-0" is jansson's integer 0, as it is
// simdjson 3.0.1's; some simdjson versions make it the double -0.0, so any
// -0.0 goes to jansson.  parse.c has checked for \u0000 and surrogate
// escapes (simdjson would put a NUL inside a string).  Depth
// and width are bounded as before: a container deeper than DEPTH_MAX or an
// object with more than MEMBERS_MAX members goes to jansson.
//
// One parser per thread, kept for the thread's life: it grows to the
// longest line seen (up to LINE_MAX_BYTES) and then parses without
// allocating.  parse() copies the
// line into the parser's own padded buffer (SIMDJSON_PADDING bytes after
// it), so the caller's line needs no padding.  No exception crosses into C:
// only simdjson's error-code API is used, and the file is built with
// -fno-exceptions.
#include <simdjson.h>

#include <cmath>
#include <cstring>

extern "C" {
#include "wirefold/arena.h"
#include "wirefold/error.h"
}

#include "jtree.h"

namespace {

namespace dom = simdjson::dom;

enum { SURE = 0, UNSURE = 1 };

struct walk {
	jdoc *doc;
	wf_arena *arena;
	bool nomem;
};

// The parser keeps buffers of about 15 bytes per byte of the longest line
// it has parsed (tape, structural indexes, strings, the padded copy) for
// its thread's life; longer lines, rare, go to jansson, which frees.
constexpr size_t LINE_MAX_BYTES = 256 * 1024;

thread_local dom::parser parser;

// Whether an earlier member of object p is named key.
bool repeated(const jdoc *d, const jv *p, std::string_view key)
{
	for (uint32_t m = p->child; m; m = d->v[m].next)
		if (d->v[m].key_len == key.size() &&
		    std::memcmp(d->v[m].key, key.data(), key.size()) == 0)
			return true;
	return false;
}

// Add v below container p (0: v is the root), as member key when p is an
// object, and what it contains; depth counts the containers v is in.
// SURE, or UNSURE (w.nomem when out of memory).
int add(walk &w, uint32_t p, std::string_view key, dom::element v, unsigned depth)
{
	jdoc *d = w.doc;
	const uint32_t i = doc_new(d);
	if (!i) {
		w.nomem = true;
		return UNSURE;
	}
	if (p && d->v[p].type == J_OBJECT) {
		d->v[i].key = key.data();
		d->v[i].key_len = static_cast<uint32_t>(key.size());
	}
	switch (v.type()) {
	case dom::element_type::NULL_VALUE: d->v[i].type = J_NULL; break;
	case dom::element_type::BOOL:
		d->v[i].type = v.get_bool().value_unsafe() ? J_TRUE : J_FALSE;
		break;
	case dom::element_type::INT64:
		d->v[i].type = J_INT;
		d->v[i].u.i = v.get_int64().value_unsafe();
		break;
	case dom::element_type::UINT64: // above INT64_MAX: jansson's overflow
		return UNSURE;
	case dom::element_type::DOUBLE: {
		const double x = v.get_double().value_unsafe();
		if (x == 0 && std::signbit(x)) // maybe "-0", jansson's integer
			return UNSURE;
		d->v[i].type = J_REAL;
		d->v[i].u.d = x;
		break;
	}
	case dom::element_type::STRING: {
		const std::string_view s = v.get_string().value_unsafe();
		char *copy = wf_arena_strndup(w.arena, s.data(), s.size());
		if (!copy) {
			w.nomem = true;
			return UNSURE;
		}
		d->v[i].type = J_STRING;
		d->v[i].owned = true;
		d->v[i].u.str.s = copy;
		d->v[i].u.str.len = s.size();
		break;
	}
	case dom::element_type::ARRAY: {
		if (depth == DEPTH_MAX)
			return UNSURE;
		const dom::array a = v.get_array().value_unsafe();
		d->v[i].type = J_ARRAY;
		if (p)
			doc_link(d, p, i);
		for (dom::element e : a)
			if (add(w, i, {}, e, depth + 1) != SURE)
				return UNSURE;
		return SURE;
	}
	case dom::element_type::OBJECT: {
		if (depth == DEPTH_MAX)
			return UNSURE;
		const dom::object o = v.get_object().value_unsafe();
		if (o.size() > MEMBERS_MAX)
			return UNSURE;
		d->v[i].type = J_OBJECT;
		if (p)
			doc_link(d, p, i);
		for (dom::key_value_pair m : o) {
			// d->v may move while the members are added
			if (repeated(d, &d->v[i], m.key))
				return UNSURE;
			if (add(w, i, m.key, m.value, depth + 1) != SURE)
				return UNSURE;
		}
		return SURE;
	}
	}
	if (p)
		doc_link(d, p, i);
	return SURE;
}

} // namespace

extern "C" int wf_parse_simdjson(wf_arena *arena, const char *line, size_t len,
                                 jdoc *d)
{
	if (len > LINE_MAX_BYTES)
		return UNSURE;
	dom::element root;
	if (parser.parse(line, len).get(root) != simdjson::SUCCESS ||
	    root.type() != dom::element_type::OBJECT)
		return UNSURE;
	walk w = {d, arena, false};
	if (add(w, 0, {}, root, 0) != SURE)
		return w.nomem ? static_cast<int>(WF_ENOMEM) : UNSURE;
	return SURE;
}
