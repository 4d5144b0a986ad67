// SPDX-License-Identifier: GPL-2.0-only
/* The dependency graph: built from the kinds' edges, ordered depth first. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "kind.h"

int graph_add_edge(struct graph *g, enum kind fk, size_t i, enum kind tk, size_t j,
		   const char *label, bool late)
{
	struct graph_node *from = &g->nodes[graph_node_of(g, fk, i)];
	struct graph_edge *out = realloc(from->out, (from->n_out + 1) * sizeof(*out));

	if (!out)
		return -ENOMEM;
	from->out = out;
	out[from->n_out++] = (struct graph_edge){
		.to = graph_node_of(g, tk, j), .label = label, .late = late
	};
	return 0;
}

void graph_free(struct graph *g)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		free(g->nodes[i].out);
	free(g->nodes);
	memset(g, 0, sizeof(*g));
}

/* The nodes, kind by kind, each kind's in declaration order. */
static int add_nodes(struct graph *g, const struct manifest *m)
{
	size_t total = 0, i;
	unsigned int k;

	for_each_kind(k) {
		g->first[k] = total;
		total += kind_count(k, m);
	}
	g->nodes = calloc(total ? total : 1, sizeof(*g->nodes));
	if (!g->nodes)
		return -ENOMEM;
	g->n = total;
	for_each_kind(k) {
		size_t n = kind_count(k, m);

		for (i = 0; i < n; i++) {
			struct graph_node *nd = &g->nodes[g->first[k] + i];

			nd->kind = k;
			nd->index = i;
			nd->name = kind_spec_name(k, m, i);
		}
	}
	return 0;
}

int graph_build(struct graph *g, const struct manifest *m)
{
	unsigned int k;
	int err;

	memset(g, 0, sizeof(*g));
	err = add_nodes(g, m);
	for_each_kind(k) {
		const struct kind_ops *ops = kind_ops_get(k);

		if (!err && ops->deps)
			err = ops->deps(m, g);
	}
	if (err)
		graph_free(g);
	return err;
}

enum { UNSEEN = 0, ON_PATH, DONE };

/* Iterative, so that a long chain of maps cannot run the stack out. */
static int visit(const struct graph *g, size_t start, unsigned char *mark, size_t *next,
		 size_t *stack, size_t *order, size_t *n)
{
	size_t depth = 0;

	if (mark[start] == DONE)
		return 0;
	stack[depth++] = start;
	mark[start] = ON_PATH;
	next[start] = 0;
	while (depth) {
		size_t v = stack[depth - 1];
		const struct graph_node *nd = &g->nodes[v];

		if (next[v] < nd->n_out) {
			const struct graph_edge *e = &nd->out[next[v]++];

			if (e->late || mark[e->to] == DONE)
				continue;
			if (mark[e->to] == ON_PATH)
				return -ELOOP;
			mark[e->to] = ON_PATH;
			next[e->to] = 0;
			stack[depth++] = e->to;
			continue;
		}
		mark[v] = DONE;
		order[(*n)++] = v;
		depth--;
	}
	return 0;
}

int graph_order(const struct graph *g, size_t *order)
{
	unsigned char *mark = calloc(g->n ? g->n : 1, 1);
	size_t *next = calloc(g->n ? g->n : 1, sizeof(*next));
	size_t *stack = calloc(g->n ? g->n : 1, sizeof(*stack));
	size_t i, n = 0;
	int err = mark && next && stack ? 0 : -ENOMEM;

	for (i = 0; i < g->n && !err; i++)
		err = visit(g, i, mark, next, stack, order, &n);
	free(mark);
	free(next);
	free(stack);
	return err;
}
