// SPDX-License-Identifier: GPL-2.0-only
/* Links, the pure table: manifest section, dependencies, diff, show. */
#include <stddef.h>
#include <stdlib.h>

#include "graph.h"
#include "kinds/link/link.h"

/* The manifest's list of links is described by KIND_SPECS below. */
static void link_clear(void *spec)
{
	link_spec_clear(spec);
}

/* Built from: the program it attaches (the edge is named for the hook). */
static int link_deps(const struct manifest *m, struct graph *g)
{
	size_t i;
	int err = 0;

	for (i = 0; i < m->n_links && !err; i++) {
		const struct link_spec *ls = &m->links[i];

		if (ls->prog_entry >= 0)
			err = graph_add_edge(g, KIND_LINK, i, KIND_PROGRAM, (size_t)ls->prog_entry,
					     link_hook_name(ls->hook), false);
	}
	return err;
}

/* A link is ok while it is pinned, attached, and on the hook it was put on. */
static const char *link_status(const struct live *lv, const struct state_res *r,
			       uint32_t *live_id)
{
	const struct live_link *ll = live_find_link(lv, r->name);
	uint64_t on;

	if (!ll || ll->pin_state == PIN_ABSENT)
		return "missing";
	if (ll->pin_state != PIN_MAP || ll->link_id != r->id)
		return "replaced";
	*live_id = ll->link_id;
	on = ll->link_type == BPF_LINK_TYPE_CGROUP ? ll->cgroup_id : ll->ifindex;
	if (!on)
		return "detached";
	return on == r->hook_id ? "ok" : "moved";
}

const struct kind_ops kind_link_ops = {
	.kind = KIND_LINK,
	.name = "link",
	.section = "links",
	.dir = "links",
	.layout = LAYOUT_PINS,
	.shape = "cds",
	.parse = parse_links,
	.resolve = resolve_links,
	.check_objects = link_check_objects,
	KIND_SPECS(struct link_spec, links, n_links),
	.spec_clear = link_clear,
	.deps = link_deps,
	.diff = link_diff,
	.diff_late = link_diff_late,
	.describe = link_describe,
	.json_attrs = link_json_attrs,
	.free_live = live_free_links,
	.status = link_status,
};
