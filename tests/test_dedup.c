#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "wirefold/batch.h"
#include "wirefold/config.h"
#include "wirefold/dedup.h"
#include "wirefold/stage.h"

static struct wf_article *add(struct wf_batch *b, const char *id, int64_t ms, uint64_t h)
{
	struct wf_article *a = wf_batch_add_line(b, b->n + 1, "{}", 2);
	a->id = id;
	a->time_ms = ms;
	a->fp.text_hash[0] = h;
	a->fp.text_hash[1] = ~h;
	return a;
}

Test(dedup_exact, same_text_is_a_dup_of_the_first_until_the_window_passes)
{
	struct wf_config cfg;
	wf_config_defaults(&cfg);
	cfg.dedup.window_ms = 1000;
	void *st;
	cr_assert_eq(wf_dedup_stage.init(&st, &cfg), 0);
	struct wf_batch *b = wf_batch_new(8);
	struct wf_article *a = add(b, "a", 0, 7);
	struct wf_article *c = add(b, "c", 10, 8);
	struct wf_article *a2 = add(b, "a2", 500, 7);
	struct wf_article *rej = add(b, "r", 600, 7);
	rej->rejected = true;
	struct wf_article *a3 = add(b, "a3", 5000, 7); /* a has left the window */
	struct wf_article *a4 = add(b, "a4", 5001, 7);
	cr_assert_eq(wf_dedup_stage.process(st, b), WF_FLOW_OK);
	cr_assert_eq(a->kind, WF_KIND_NEW);
	cr_assert_str_eq(a->canonical, "a");
	cr_assert_eq(c->kind, WF_KIND_NEW);
	cr_assert_eq(a2->kind, WF_KIND_DUP);
	cr_assert_str_eq(a2->canonical, "a");
	cr_assert_null(rej->canonical);
	cr_assert_eq(a3->kind, WF_KIND_NEW);
	cr_assert_eq(a4->kind, WF_KIND_DUP);
	cr_assert_str_eq(a4->canonical, "a3");
	wf_dedup_stage.free(st);
	wf_batch_free(b);
}

Test(dedup_exact, survives_many_entries_and_evictions)
{
	struct wf_config cfg;
	wf_config_defaults(&cfg);
	cfg.dedup.window_ms = 50;
	void *st;
	cr_assert_eq(wf_dedup_stage.init(&st, &cfg), 0);
	static char ids[20000][12];
	for (int round = 0; round < 10; round++) {
		struct wf_batch *b = wf_batch_new(2000);
		for (int i = 0; i < 2000; i++) {
			int k = round * 2000 + i;
			snprintf(ids[k], sizeof ids[k], "%d", k);
			/* every text repeats once 30 articles later */
			add(b, ids[k], k, (uint64_t)(k / 60 * 60 + k % 30) + 1);
		}
		cr_assert_eq(wf_dedup_stage.process(st, b), WF_FLOW_OK);
		for (int i = 0; i < 2000; i++) {
			int k = round * 2000 + i;
			enum wf_kind want = (k % 60) >= 30 ? WF_KIND_DUP : WF_KIND_NEW;
			cr_assert_eq(b->items[i].kind, want, "article %d", k);
		}
		wf_batch_free(b);
	}
	wf_dedup_stage.free(st);
}
