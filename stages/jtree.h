/* jtree.h — the tree of one JSON line that parse.c reads an article from.
 *
 * Internal to the parse stage: parse.c builds it from jansson's values (the
 * reference), parse_simdjson.cc from simdjson's DOM (the fast path); both
 * build the same nodes in the same order (the values in document order,
 * each container before its members or elements).  C and C++. */
#ifndef WF_JTREE_H
#define WF_JTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wf_arena;

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_REAL, J_STRING, J_ARRAY, J_OBJECT };

/* A JSON value; members and elements are linked by index, 0 meaning none. */
struct jv {
	const char *key;  /* member name when the parent is an object (not
	                   * NUL-terminated: key_len bytes) */
	uint32_t key_len;
	uint8_t type;     /* enum jtype */
	bool owned;       /* str.s is an arena copy, the article may keep it */
	uint32_t next;    /* next member or element */
	uint32_t child;   /* first member or element */
	uint32_t last;    /* last member or element (while building) */
	uint32_t count;   /* members or elements */
	union {
		struct {
			const char *s; /* NUL-terminated, no NUL inside */
			size_t len;
		} str;
		int64_t i;
		double d;
	} u;
};

enum {
	DOC_INLINE = 64, /* nodes before spilling to the heap */
	DEPTH_MAX = 32,  /* lines with deeper containers go to jansson */
	MEMBERS_MAX = 64, /* wider objects go to jansson (its duplicate check
	                   * hashes; ours compares with every earlier key) */
};

/* The nodes of one line: v[0] is unused so that index 0 can mean none,
 * v[1] is the root. */
struct jdoc {
	struct jv *v;
	uint32_t n, cap;
	struct jv v0[DOC_INLINE];
};

static inline void doc_init(struct jdoc *d)
{
	d->v = d->v0;
	d->n = 1;
	d->cap = DOC_INLINE;
}

static inline void doc_close(struct jdoc *d)
{
	if (d->v != d->v0)
		free(d->v);
}

/* A new zeroed node; its index, or 0 when out of memory. */
static inline uint32_t doc_new(struct jdoc *d)
{
	if (d->n == d->cap) {
		if (d->cap > UINT32_MAX / 2)
			return 0;
		uint32_t cap = d->cap * 2;
		struct jv *v = (struct jv *)(d->v == d->v0 ? malloc(cap * sizeof *v)
		                                           : realloc(d->v, cap * sizeof *v));
		if (!v)
			return 0;
		if (d->v == d->v0)
			memcpy(v, d->v0, d->n * sizeof *v);
		d->v = v;
		d->cap = cap;
	}
	memset(&d->v[d->n], 0, sizeof d->v[0]);
	return d->n++;
}

/* Append node i to container p. */
static inline void doc_link(struct jdoc *d, uint32_t p, uint32_t i)
{
	struct jv *pv = &d->v[p];
	if (pv->last)
		d->v[pv->last].next = i;
	else
		pv->child = i;
	pv->last = i;
	pv->count++;
}

/* wf_parse_simdjson: build d (initialised, empty) from line[0..len) with
 * simdjson's DOM parser when sure that jansson would take the line as it
 * is and its root is an object.  String values are arena copies (owned);
 * member names point into the parser's buffer, which the calling thread's
 * next wf_parse_simdjson reuses: d must be read before then.  The caller
 * has checked that the line has no raw NUL and no \u escape of NUL or of a
 * surrogate.
 * Returns 0 (built), 1 (not sure: leave the line to jansson; d may hold
 * nodes) or WF_ENOMEM (an arena copy failed).
 * Thread-safe: each thread has its own parser, kept between lines. */
int wf_parse_simdjson(struct wf_arena *arena, const char *line, size_t len,
                      struct jdoc *d);

#ifdef __cplusplus
}
#endif

#endif
