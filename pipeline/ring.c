/* ring.c — growing a FIFO ring buffer. */
#include "wirefold/ring.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wirefold/error.h"

int wf_ring_grow(void **buf, size_t *cap, size_t *head, size_t n, size_t elem, size_t first)
{
	const size_t c = *cap ? *cap * 2 : first;
	if (c < *cap || c > SIZE_MAX / elem)
		return WF_ENOMEM;
	unsigned char *to = malloc(c * elem);
	if (!to)
		return WF_ENOMEM;
	if (n) {
		/* the run from head to the end of the buffer, then the wrapped one */
		const size_t run = *cap - *head < n ? *cap - *head : n;
		const unsigned char *from = *buf;
		memcpy(to, from + *head * elem, run * elem);
		memcpy(to + run * elem, from, (n - run) * elem);
	}
	free(*buf);
	*buf = to;
	*cap = c;
	*head = 0;
	return 0;
}
