/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dependency graph of a manifest, as one value: a node per declared
 * resource, an edge from a resource to each thing it is built from.  Each
 * kind adds its own edges (kind_ops.deps); the diff and the executor work in
 * its order, `graph` prints it.
 *
 * An edge is "late" when what it points to is only needed after both exist
 * (a prog_array slot holds a program loaded after the map): late edges are
 * shown but do not order, and the kinds' diff_late/stage_late fill them in.
 */
#ifndef BPFAPPLY_GRAPH_H
#define BPFAPPLY_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "kinds.h"
#include "model.h"

struct graph_edge {
	size_t to;         /* node index */
	const char *label; /* points into the manifest */
	bool late;
};

struct graph_node {
	enum kind kind;
	size_t index;      /* into the manifest's list of that kind */
	const char *name;  /* points into the manifest */
	struct graph_edge *out;
	size_t n_out;
};

struct graph {
	struct graph_node *nodes; /* kind by kind, each in declaration order */
	size_t n;
	size_t first[KIND__COUNT]; /* the nodes of kind k start at first[k] */
};

/* 0 or -errno; g is empty after a failure. */
int graph_build(struct graph *g, const struct manifest *m);
void graph_free(struct graph *g);
/* For the kinds' deps(): an edge from resource i of kind fk to j of kind tk. */
int graph_add_edge(struct graph *g, enum kind fk, size_t i, enum kind tk, size_t j,
		   const char *label, bool late);
static inline size_t graph_node_of(const struct graph *g, enum kind k, size_t i)
{
	return g->first[k] + i;
}

/*
 * Every node after the nodes its ordering edges point to: depth first from
 * each node in node order, so where nothing forces otherwise resources keep
 * kind order and declaration order.  order has room for g->n node indexes.
 * -ELOOP when the ordering edges have a cycle (resolve refuses those first).
 */
int graph_order(const struct graph *g, size_t *order);

#endif
