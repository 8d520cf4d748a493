/* dedup.c — exact-duplicate detection over a time window (ordered stage).
 *
 * Entries live in a FIFO in arrival order; an open-addressing table maps the
 * normalized-text hash to an entry.  An entry leaves both once the stream's
 * event time (the largest time seen) is more than window_ms past its time;
 * arrival order is close to time order on a wire, so the FIFO head is the
 * oldest entry, and an out-of-order old entry just waits behind it. */
#include "wirefold/dedup.h"

#include <stdlib.h>
#include <string.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/error.h"
#include "wirefold/stage.h"

struct entry {
	uint64_t h[2];
	int64_t time_ms;
	char *id;
};

struct dedup {
	int64_t window_ms;
	int64_t now_ms; /* largest event time seen */
	struct entry *fifo; /* ring of cap entries, head..head+n */
	size_t cap, head, n;
	uint64_t *slots; /* table: 0 empty, else 1 + absolute FIFO position */
	size_t nslots;   /* power of two, >= 2 * cap */
	uint64_t base;   /* absolute position of fifo[head] */
};

static size_t slot_of(const struct dedup *d, const uint64_t h[2])
{
	return (size_t)(h[0] ^ (h[1] >> 7)) & (d->nslots - 1);
}

static struct entry *at(struct dedup *d, uint64_t pos)
{
	return &d->fifo[(d->head + (pos - d->base)) % d->cap];
}

static struct entry *lookup(struct dedup *d, const uint64_t h[2])
{
	for (size_t i = slot_of(d, h);; i = (i + 1) & (d->nslots - 1)) {
		if (!d->slots[i])
			return NULL;
		struct entry *e = at(d, d->slots[i] - 1);
		if (e->h[0] == h[0] && e->h[1] == h[1])
			return e;
	}
}

/* Remove the table slot holding pos, shifting later probes back so no
 * tombstones are needed. */
static void unlink_slot(struct dedup *d, uint64_t pos)
{
	const uint64_t *h = at(d, pos)->h;
	size_t mask = d->nslots - 1, i = slot_of(d, h);
	while (d->slots[i] != pos + 1)
		i = (i + 1) & mask;
	for (size_t j = (i + 1) & mask; d->slots[j]; j = (j + 1) & mask) {
		size_t home = slot_of(d, at(d, d->slots[j] - 1)->h);
		/* move j into the hole at i when its home is not in (i, j] */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			d->slots[i] = d->slots[j];
			i = j;
		}
	}
	d->slots[i] = 0;
}

static void pop_oldest(struct dedup *d)
{
	unlink_slot(d, d->base);
	free(at(d, d->base)->id);
	d->head = (d->head + 1) % d->cap;
	d->base++;
	d->n--;
}

static int rebuild(struct dedup *d, size_t cap)
{
	struct entry *fifo = malloc(cap * sizeof *fifo);
	uint64_t *slots = calloc(cap * 2, sizeof *slots);
	if (!fifo || !slots) {
		free(fifo);
		free(slots);
		return WF_ENOMEM;
	}
	for (size_t k = 0; k < d->n; k++)
		fifo[k] = d->fifo[(d->head + k) % d->cap];
	free(d->fifo);
	free(d->slots);
	d->fifo = fifo;
	d->slots = slots;
	d->cap = cap;
	d->nslots = cap * 2;
	d->head = 0;
	for (size_t k = 0; k < d->n; k++) {
		size_t i = slot_of(d, fifo[k].h);
		while (slots[i])
			i = (i + 1) & (d->nslots - 1);
		slots[i] = d->base + k + 1;
	}
	return 0;
}

static int push(struct dedup *d, const struct wf_article *a)
{
	if (d->n == d->cap && rebuild(d, d->cap * 2) < 0)
		return WF_ENOMEM;
	char *id = strdup(a->id);
	if (!id)
		return WF_ENOMEM;
	uint64_t pos = d->base + d->n;
	struct entry *e = at(d, pos);
	e->h[0] = a->fp.text_hash[0];
	e->h[1] = a->fp.text_hash[1];
	e->time_ms = a->time_ms;
	e->id = id;
	d->n++;
	size_t i = slot_of(d, e->h);
	while (d->slots[i])
		i = (i + 1) & (d->nslots - 1);
	d->slots[i] = pos + 1;
	return 0;
}

static int dedup_init(void **self, const struct wf_config *cfg)
{
	struct dedup *d = calloc(1, sizeof *d);
	if (!d)
		return WF_ENOMEM;
	d->window_ms = cfg->dedup.window_ms;
	d->now_ms = INT64_MIN;
	d->cap = 1024;
	if (rebuild(d, d->cap) < 0) {
		free(d);
		return WF_ENOMEM;
	}
	*self = d;
	return 0;
}

static int dedup_process(void *self, struct wf_batch *b)
{
	struct dedup *d = self;
	for (size_t i = 0; i < b->n; i++) {
		struct wf_article *a = &b->items[i];
		if (a->rejected)
			continue;
		if (a->time_ms > d->now_ms)
			d->now_ms = a->time_ms;
		while (d->n && at(d, d->base)->time_ms < d->now_ms - d->window_ms)
			pop_oldest(d);
		const struct entry *e = lookup(d, a->fp.text_hash);
		if (e) {
			a->kind = WF_KIND_DUP;
			a->canonical = wf_arena_strndup(&b->arena, e->id, strlen(e->id));
			a->similarity = 1.0f;
			if (!a->canonical)
				return WF_FLOW_ERROR;
			continue;
		}
		a->kind = WF_KIND_NEW;
		a->canonical = a->id;
		a->similarity = 1.0f;
		if (push(d, a) < 0)
			return WF_FLOW_ERROR;
	}
	return WF_FLOW_OK;
}

static void dedup_free(void *self)
{
	struct dedup *d = self;
	if (!d)
		return;
	while (d->n)
		pop_oldest(d);
	free(d->fifo);
	free(d->slots);
	free(d);
}

const struct wf_stage_ops wf_dedup_stage = {
	.name = "dedup",
	.parallel = false,
	.init = dedup_init,
	.process = dedup_process,
	.flush = NULL,
	.free = dedup_free,
};
