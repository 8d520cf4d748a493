/* map.h — open-addressing hash map from 64-bit keys to non-NULL pointers.
 *
 * Keys should already be well mixed (hashes, ids); they are spread once more
 * with a multiply.  Removal shifts later entries back (no tombstones), so the
 * map never degrades on an endless stream.  Not thread-safe. */
#ifndef WF_MAP_H
#define WF_MAP_H

#include <stddef.h>
#include <stdint.h>

struct wf_map_slot {
	uint64_t key;
	void *val; /* NULL marks an empty slot */
};

struct wf_map {
	struct wf_map_slot *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t n;
};

/* wf_map_init: an empty map.  Returns 0 or WF_ENOMEM. */
int wf_map_init(struct wf_map *m);

/* wf_map_close: free the table (not the values). */
void wf_map_close(struct wf_map *m);

/* wf_map_get: the value stored under key, or NULL. */
void *wf_map_get(const struct wf_map *m, uint64_t key);

/* wf_map_ref: where the value stored under key is, or NULL when absent;
 * a non-NULL value stored there replaces it without changing the table
 * (unlike wf_map_put, which may grow it first), until the next put or
 * delete. */
void **wf_map_ref(const struct wf_map *m, uint64_t key);

/* wf_map_prefetch: start loading the slot where a look-up of key begins,
 * so that several look-ups' cache misses overlap.  Changes nothing. */
void wf_map_prefetch(const struct wf_map *m, uint64_t key);

/* wf_map_put: store val (not NULL) under key, replacing any old value.
 * Returns 0 or WF_ENOMEM (the map is then unchanged). */
int wf_map_put(struct wf_map *m, uint64_t key, void *val);

/* wf_map_del: remove key; returns its value, or NULL when absent. */
void *wf_map_del(struct wf_map *m, uint64_t key);

#endif
