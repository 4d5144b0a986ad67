/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Composing libyaml events into yaml_node_t's by hand (core/yamlcompose.c),
 * for the manifest loader (core/yamlstream.c): the whole file's tree, and
 * one `entries:` item at a time in a reused scratch tree.
 */
#ifndef BPFAPPLY_YAMLCOMPOSE_H
#define BPFAPPLY_YAMLCOMPOSE_H

#include "core/yamltree.h"

#define BLOCK_MAX_DEPTH 64

struct ykids {
	size_t first, n; /* in items (sequence) or pairs (mapping) */
};

struct yanchor {
	char *name;
	int node;
	yaml_mark_t mark;
};

/* A document under construction: nodes as yaml_document_t holds them, children aside. */
struct ybuild {
	yaml_node_t *nodes;
	struct ykids *kids; /* per node */
	size_t n_nodes, cap_nodes;
	yaml_node_item_t *items;
	size_t n_items, cap_items;
	yaml_node_pair_t *pairs;
	size_t n_pairs, cap_pairs;
	int *work; /* children of the open collections, innermost last */
	size_t n_work, cap_work;
	int open[BLOCK_MAX_DEPTH + 2];
	size_t base[BLOCK_MAX_DEPTH + 2]; /* where each open collection's children start */
	unsigned depth;
	struct yanchor *anchors;
	size_t n_anchors;
	bool borrowed; /* texts point into a tape: not freed here */
};

/* Room for need elements of size bytes in p (capacity *cap, doubled). */
void *ybuild_grow(void *p, size_t *cap, size_t need, size_t size);
/* A new node for ev (not attached to a collection); its id. */
int ybuild_node(struct ybuild *b, yaml_node_type_t type, const yaml_event_t *ev);
/* Close the innermost open collection: its children become its items or pairs. */
void ybuild_close(struct ybuild *b);
/* The nodes as a yaml_document_t (valid until b changes). */
void ybuild_finish(struct ybuild *b, yaml_document_t *doc);
/* Empty b for the next document, keeping its arrays. */
void ybuild_reset(struct ybuild *b);
void ybuild_free(struct ybuild *b);
/*
 * One node event into b (the caller checked depth and limits); false after
 * reporting an alias that cannot be resolved or a duplicate anchor.  outer:
 * the anchors of the whole file when b holds one entry alone, or NULL.
 * Takes ev's text and anchor (b->borrowed: b points to them instead).
 */
bool ybuild_event(struct ytree *t, struct ybuild *b, yaml_event_t *ev, const struct ybuild *outer);

#endif
