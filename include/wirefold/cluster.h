/* cluster.h — the story-clustering stage (ordered).
 *
 * Online, single pass, in input order; each distinct article is assigned
 * once, on arrival (docs/CLUSTERING.md has the model and its numbers):
 *
 *   - its title, body and entity terms (features.h) are weighed by TF-IDF,
 *     (1 + ln tf) * ln((N + prior_docs) / (df + 1)), with document
 *     frequencies counted over the stream so far, each field apart; every
 *     df_horizon documents the counts are halved, so they follow the news
 *     and stay bounded;
 *   - candidate stories come from an inverted index over the heaviest
 *     terms of the open stories' centroids (running sums of their items'
 *     vectors, each field cut to its centroid_terms heaviest terms);
 *   - the similarity to a story is the weighted mean of the cosines of the
 *     article's title, body and entity vectors to the story's centroid, over
 *     the fields both have; when both name entities and the entity cosine
 *     is below entity_gate, the similarity shrinks in proportion (other
 *     actors: another company's results, another bank's operations); then
 *     it is multiplied by the time decay 2^(-gap / half_life), floored at
 *     decay_floor, where gap is the time since the story's last item;
 *   - the article joins the most similar story if that clears `threshold`
 *     (ties: the older story), else it opens a story whose id is
 *     wf_story_id(its id);
 *   - a story whose last item is more than idle_ms older than the stream's
 *     event time (the largest time seen) closes and leaves the index.
 *
 * Duplicates and updates (kind != WF_KIND_NEW) join the story of their
 * canonical item while that story is open and are not clustered again.
 * The headline is the title of the story's most central item: the one most
 * similar to the centroid, re-checked against the current headline item at
 * each new item.  Results depend on the input alone. */
#ifndef WF_CLUSTER_H
#define WF_CLUSTER_H

#include <stdint.h>

#include "wirefold/features.h"

struct wf_cluster_params {
	int64_t idle_ms;         /* --story-idle: a story closes after this long quiet */
	double threshold;        /* --story-threshold: least similarity to join */
	int64_t half_life_ms;    /* --story-half-life: the time decay halves a
	                          * similarity per this much gap */
	double decay_floor;      /* the time decay never goes below this (0: off) */
	double weight[WF_NFIELDS]; /* weights of the title, body, entity cosines */
	double entity_gate;      /* below this entity cosine the similarity
	                          * shrinks in proportion (0: off) */
	double prior_docs;       /* IDF prior: documents assumed seen before the
	                          * stream, in none of which a term appeared */
	uint32_t df_horizon;     /* halve document frequencies every this many
	                          * documents */
	unsigned body_tokens;    /* body tokens a vector takes (the lead) */
	unsigned centroid_terms; /* terms a story keeps per field, >= 1 */
	unsigned index_terms;    /* terms a story is indexed under, >= 1 */
	unsigned query_terms;    /* heaviest terms of an article looked up, >= 1 */
	unsigned posting_max;    /* most recently active stories kept per index
	                          * term, >= 1 */
};

/* wf_story_id: the id of a story founded by the article with this id.
 * Pure; thread-safe. */
uint64_t wf_story_id(const char *founding_id);

#endif
