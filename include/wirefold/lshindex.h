/* lshindex.h — a compact multimap from LSH keys to entries, by generations.
 *
 * Each (key, value) pair takes one 4-byte slot: 12 bits of the key as its
 * tag over the value's offset from its table's first value; 32 other bits of
 * the key place it.  Pairs go into the current generation, an
 * open-addressing table covering span_ms of event time (or less, when it
 * fills up: tables never grow); a generation is dropped whole once its
 * newest pair is older than what the caller expires, so nothing is deleted
 * pair by pair and entries need not remember their keys.  Tags are short: a
 * query may return a value whose key differed (about one in ten queries at
 * 36 keys), which the caller's verification rejects.  Values are 32-bit and
 * increasing by at most 2^20 per generation.
 * Not thread-safe. */
#ifndef WF_LSHINDEX_H
#define WF_LSHINDEX_H

#include <stddef.h>
#include <stdint.h>

struct wf_lsh_index;

/* wf_lsh_index_new: an empty index whose generations span span_ms (> 0).
 * Returns NULL when out of memory. */
struct wf_lsh_index *wf_lsh_index_new(int64_t span_ms);

/* wf_lsh_index_free: release the index.  NULL is a no-op. */
void wf_lsh_index_free(struct wf_lsh_index *ix);

/* wf_lsh_index_add: file value under each of keys[0..n), at event time
 * time_ms.  Returns 0 or WF_ENOMEM (then some keys may be filed: harmless,
 * the caller treats the article as failed). */
int wf_lsh_index_add(struct wf_lsh_index *ix, int64_t time_ms, const uint64_t *keys,
                     unsigned n, uint32_t value);

/* wf_lsh_index_query: the values filed under any of keys[0..n), newest
 * generation first, at most max of them (with repeats) into out.
 * Returns the count. */
size_t wf_lsh_index_query(const struct wf_lsh_index *ix, const uint64_t *keys,
                          unsigned n, uint32_t *out, size_t max);

/* wf_lsh_index_expire: drop the generations whose newest pair is older than
 * before_ms (never the current one). */
void wf_lsh_index_expire(struct wf_lsh_index *ix, int64_t before_ms);

/* wf_lsh_index_bytes: memory held by the tables, in bytes. */
size_t wf_lsh_index_bytes(const struct wf_lsh_index *ix);

struct wf_state_in;
struct wf_state_out;

/* wf_lsh_index_save: append the whole index, table by table and slot by
 * slot, to out (state.h); errors are out's. */
void wf_lsh_index_save(const struct wf_lsh_index *ix, struct wf_state_out *out);

/* wf_lsh_index_load: make the empty index ix what wf_lsh_index_save wrote,
 * so that queries answer as they did, in the same order.  Returns 0, or
 * WF_ENOMEM / WF_ESTATE (also set in in->error; ix then holds part). */
int wf_lsh_index_load(struct wf_lsh_index *ix, struct wf_state_in *in);

#endif
