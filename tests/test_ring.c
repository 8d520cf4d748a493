#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "wirefold/ring.h"

/* A ring that has wrapped, grown: the elements come out in order from the
 * start of a buffer twice as large; an empty ring gets the first size. */
Test(ring, grows_keeping_the_order_of_a_wrapped_ring)
{
	size_t cap = 0, head = 0, n = 0;
	uint64_t *r = NULL;
	cr_assert_eq(wf_ring_grow((void **)&r, &cap, &head, n, sizeof *r, 4), 0);
	cr_assert_eq(cap, 4);
	uint64_t next = 0, first = 0;
	/* push 3, pop 2, push 3: the ring now wraps (head 2, n 4) */
	for (int i = 0; i < 3; i++)
		r[(head + n++) % cap] = next++;
	for (int i = 0; i < 2; i++, n--, first++)
		head = (head + 1) % cap;
	for (int i = 0; i < 3; i++)
		r[(head + n++) % cap] = next++;
	cr_assert_eq(n, cap);
	cr_assert_eq(wf_ring_grow((void **)&r, &cap, &head, n, sizeof *r, 4), 0);
	cr_assert_eq(cap, 8);
	cr_assert_eq(head, 0);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(r[i], first + i, "element %zu", i);
	free(r);
}

/* Elements larger than a pointer, and a ring that has not wrapped. */
Test(ring, grows_a_ring_of_structs)
{
	struct rec {
		uint32_t a;
		char pad[20];
	};
	size_t cap = 0, head = 0, n = 0;
	struct rec *r = NULL;
	cr_assert_eq(wf_ring_grow((void **)&r, &cap, &head, n, sizeof *r, 2), 0);
	r[n++].a = 7;
	r[n++].a = 8;
	cr_assert_eq(wf_ring_grow((void **)&r, &cap, &head, n, sizeof *r, 2), 0);
	cr_assert_eq(cap, 4);
	cr_assert_eq(r[0].a, 7);
	cr_assert_eq(r[1].a, 8);
	free(r);
}
