// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dependency graph as a value: the kinds' edges, its order (what a
 * resource is built from first, kind and declaration order otherwise),
 * late edges that show but do not order, and a cycle refused.
 */
#include <errno.h>
#include <string.h>

#include "graph.h"
#include "kind.h"
#include "unit.h"
#include "fixture.h"

/* Maps only: no ELF object needed.  a is built on c (a value), d on b (template). */
static const char *const maps_body =
	"  a: {type: array_of_maps, key_size: 4, value_size: 4, max_entries: 2,\n"
	"      inner_map: c, entries: [{key: 0, value: {map: c}}]}\n"
	"  b: {type: hash, key_size: 4, value_size: 4, max_entries: 2}\n"
	"  c: {type: hash, key_size: 4, value_size: 4, max_entries: 2}\n"
	"  d: {type: hash_of_maps, key_size: 4, value_size: 4, max_entries: 2, inner_map: b}\n";

static const char *node_name(const struct graph *g, size_t i)
{
	return g->nodes[i].name;
}

static void test_order_and_edges(void **state)
{
	struct manifest *m = fx_parse(MAPS_HEADER, maps_body);
	size_t order[4];
	struct graph g;

	(void)state;
	assert_non_null(m);
	assert_int_equal(graph_build(&g, m), 0);
	assert_int_equal(g.n, 4);
	/* nodes in declaration order, kind by kind */
	assert_string_equal(node_name(&g, 0), "a");
	assert_int_equal(g.first[KIND_MAP], 0);
	/* a: inner_map c, then its value c, in the order the kind added them */
	assert_int_equal(g.nodes[0].n_out, 2);
	assert_string_equal(g.nodes[0].out[0].label, "inner_map");
	assert_string_equal(node_name(&g, g.nodes[0].out[1].to), "c");
	assert_string_equal(g.nodes[0].out[1].label, "value");
	assert_false(g.nodes[0].out[1].late);
	assert_int_equal(graph_order(&g, order), 0);
	/* depth first from each node in order: c before a, b before d */
	assert_string_equal(node_name(&g, order[0]), "c");
	assert_string_equal(node_name(&g, order[1]), "a");
	assert_string_equal(node_name(&g, order[2]), "b");
	assert_string_equal(node_name(&g, order[3]), "d");
	graph_free(&g);
	manifest_free(m);
}

/* A late edge (a program in a prog_array slot) does not order, a cycle of ordering edges is refused. */
static void test_late_edges_and_cycles(void **state)
{
	struct manifest *m = fx_parse(MAPS_HEADER, "  x: {type: hash, key_size: 4, value_size: 4, "
						   "max_entries: 1}\n"
						   "  y: {type: hash, key_size: 4, value_size: 4, "
						   "max_entries: 1}\n");
	size_t order[2];
	struct graph g;

	(void)state;
	assert_non_null(m);
	assert_int_equal(graph_build(&g, m), 0);
	assert_int_equal(graph_add_edge(&g, KIND_MAP, 0, KIND_MAP, 1, "late", true), 0);
	assert_int_equal(graph_order(&g, order), 0);
	assert_string_equal(node_name(&g, order[0]), "x"); /* the late edge changed nothing */
	assert_int_equal(graph_add_edge(&g, KIND_MAP, 1, KIND_MAP, 0, "y uses x", false), 0);
	assert_int_equal(graph_order(&g, order), 0);
	assert_string_equal(node_name(&g, order[0]), "x");
	assert_int_equal(graph_add_edge(&g, KIND_MAP, 0, KIND_MAP, 1, "x uses y", false), 0);
	assert_int_equal(graph_order(&g, order), -ELOOP);
	graph_free(&g);
	manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_edges),
		cmocka_unit_test(test_late_edges_and_cycles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
