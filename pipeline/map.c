#include "wirefold/map.h"

#include <stdlib.h>

#include "wirefold/error.h"

static size_t home(const struct wf_map *m, uint64_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 17) & m->mask;
}

int wf_map_init(struct wf_map *m)
{
	m->slots = calloc(16, sizeof *m->slots);
	m->mask = 15;
	m->n = 0;
	return m->slots ? 0 : WF_ENOMEM;
}

void wf_map_close(struct wf_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->n = 0;
}

void *wf_map_get(const struct wf_map *m, uint64_t key)
{
	for (size_t i = home(m, key);; i = (i + 1) & m->mask) {
		if (!m->slots[i].val)
			return NULL;
		if (m->slots[i].key == key)
			return m->slots[i].val;
	}
}

void **wf_map_ref(const struct wf_map *m, uint64_t key)
{
	for (size_t i = home(m, key);; i = (i + 1) & m->mask) {
		if (!m->slots[i].val)
			return NULL;
		if (m->slots[i].key == key)
			return &m->slots[i].val;
	}
}

void wf_map_prefetch(const struct wf_map *m, uint64_t key)
{
	__builtin_prefetch(&m->slots[home(m, key)]);
}

static int grow(struct wf_map *m)
{
	size_t cap = (m->mask + 1) * 2;
	struct wf_map_slot *old = m->slots, *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return WF_ENOMEM;
	size_t oldcap = m->mask + 1;
	m->slots = slots;
	m->mask = cap - 1;
	for (size_t j = 0; j < oldcap; j++) {
		if (!old[j].val)
			continue;
		size_t i = home(m, old[j].key);
		while (slots[i].val)
			i = (i + 1) & m->mask;
		slots[i] = old[j];
	}
	free(old);
	return 0;
}

int wf_map_put(struct wf_map *m, uint64_t key, void *val)
{
	if ((m->n + 1) * 2 > m->mask + 1 && grow(m) < 0)
		return WF_ENOMEM;
	size_t i = home(m, key);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & m->mask;
	if (!m->slots[i].val)
		m->n++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	return 0;
}

void *wf_map_del(struct wf_map *m, uint64_t key)
{
	size_t i = home(m, key);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & m->mask;
	void *val = m->slots[i].val;
	if (!val)
		return NULL;
	for (size_t j = (i + 1) & m->mask; m->slots[j].val; j = (j + 1) & m->mask) {
		size_t h = home(m, m->slots[j].key);
		if (((j - h) & m->mask) >= ((j - i) & m->mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].val = NULL;
	m->n--;
	return val;
}
