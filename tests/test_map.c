#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "wirefold/map.h"

/* A model check: random puts and deletes against a plain array. */
Test(map, agrees_with_a_model_under_random_put_and_delete)
{
	enum { KEYS = 2000, OPS = 200000 };
	static uintptr_t model[KEYS];
	struct wf_map m;
	cr_assert_eq(wf_map_init(&m), 0);
	uint64_t x = 88172645463325252ull;
	size_t live = 0;
	for (int op = 0; op < OPS; op++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* keys that collide in the low bits stress the probing */
		uint64_t k = (x % KEYS) << 20;
		size_t i = (size_t)(x % KEYS);
		k = (uint64_t)i << 20;
		if ((x >> 32) % 3 == 0) {
			void *v = wf_map_del(&m, k);
			cr_assert_eq((uintptr_t)v, model[i]);
			live -= model[i] != 0;
			model[i] = 0;
		} else {
			uintptr_t v = (uintptr_t)(op + 1);
			cr_assert_eq(wf_map_put(&m, k, (void *)v), 0);
			live += model[i] == 0;
			model[i] = v;
		}
		if (op % 1000 == 0)
			for (size_t j = 0; j < KEYS; j++)
				cr_assert_eq((uintptr_t)wf_map_get(&m, (uint64_t)j << 20), model[j]);
	}
	cr_assert_eq(m.n, live);
	wf_map_close(&m);
}

/* wf_map_ref finds what wf_map_get finds; a value stored through it is
 * what later look-ups get, and the table is not rebuilt, even at the load
 * where a put would grow it. */
Test(map, a_value_replaced_through_its_ref_leaves_the_table_as_it_is)
{
	struct wf_map m;
	cr_assert_eq(wf_map_init(&m), 0);
	cr_assert_null(wf_map_ref(&m, 7));
	/* 8 keys in 16 slots: the next put would double the table */
	for (uintptr_t k = 1; k <= 8; k++)
		cr_assert_eq(wf_map_put(&m, k << 40, (void *)k), 0);
	const struct wf_map_slot *slots = m.slots;
	cr_assert_eq(m.mask, 15);
	for (uintptr_t k = 1; k <= 8; k++) {
		void **r = wf_map_ref(&m, k << 40);
		cr_assert_not_null(r);
		cr_assert_eq((uintptr_t)*r, k);
		*r = (void *)(k + 100);
	}
	cr_assert_null(wf_map_ref(&m, 9ull << 40));
	cr_assert_eq(m.slots, slots);
	cr_assert_eq(m.mask, 15);
	cr_assert_eq(m.n, 8);
	for (uintptr_t k = 1; k <= 8; k++)
		cr_assert_eq((uintptr_t)wf_map_get(&m, k << 40), k + 100);
	/* a put of a present key would have grown it */
	cr_assert_eq(wf_map_put(&m, 1ull << 40, (void *)1), 0);
	cr_assert_eq(m.mask, 31);
	wf_map_close(&m);
}
