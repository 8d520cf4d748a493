/* ring.h — growing a FIFO ring buffer.
 *
 * A ring is cap elements of a given size, n of them held from index head on,
 * wrapping past the end.  The duplicate index's entries, the clustering's
 * recent items and the bundle writer's queue are such rings; they share how
 * one grows. */
#ifndef WF_RING_H
#define WF_RING_H

#include <stddef.h>

/* wf_ring_grow: give the ring *buf twice its *cap elements (first when it has
 * none), its n elements of elem bytes moved, in order, to the start (*head
 * becomes 0).  Returns 0, or WF_ENOMEM with the ring unchanged. */
int wf_ring_grow(void **buf, size_t *cap, size_t *head, size_t n, size_t elem, size_t first);

#endif
