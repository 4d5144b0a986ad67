// SPDX-License-Identifier: GPL-2.0-only
/* The `iterators:` section: iterator links and their parameter. */
#include <stdlib.h>
#include <string.h>

#include "kinds/iterator/iterator.h"
#include "parse.h"

enum iter_key { IK_PROGRAM, IK_MAP, IK_TASK, IK_CGROUP, IK_N };

static const char *const iter_keys[IK_N] = {
	[IK_PROGRAM] = "program",
	[IK_MAP] = "map",
	[IK_TASK] = "task",
	[IK_CGROUP] = "cgroup",
};

static const char *const cgroup_orders[] = {
	"descendants_pre",
	"descendants_post",
	"ancestors_up",
	"self_only",
};

static void parse_task(struct ytree *t, struct iterator_spec *it, const yaml_node_t *v)
{
	static const char *const task_keys[] = { "pid", "tid" };
	yaml_node_t *k[2], *val[2];
	uint64_t id;
	int which;

	if (!yfields(t, v, "task", "task", task_keys, 2, k, val))
		return;
	if (!val[0] == !val[1]) {
		yerr(t, v, "task: expected exactly one of pid or tid");
		return;
	}
	which = val[0] ? 0 : 1;
	if (!yget_uint(t, val[which], task_keys[which], 1, INT32_MAX, &id))
		return;
	it->param = ITER_PARAM_TASK;
	it->task_id = (uint32_t)id;
	it->task_is_tid = which == 1;
}

static void parse_cgroup(struct ytree *t, struct iterator_spec *it, const yaml_node_t *v)
{
	static const char *const cg_keys[] = { "path", "order" };
	yaml_node_t *k[2], *val[2];
	const char *path;
	char buf[128];
	int order = -1;

	if (!yfields(t, v, "cgroup", "cgroup", cg_keys, 2, k, val))
		return;
	if (!yrequire(t, v, val[0], "path", "cgroup") || !yget_str(t, val[0], "path", &path))
		return;
	if (path[0] != '/') {
		yerr(t, val[0], "path: expected an absolute path, got %s",
		     ydescribe(val[0], buf, sizeof(buf)));
		return;
	}
	if (val[1] && !yget_enum(t, val[1], "order", cgroup_orders, 4, &order))
		return;
	it->param = ITER_PARAM_CGROUP;
	it->cgroup_path = xstrdup(path);
	it->cgroup_order = order >= 0 ? xstrdup(cgroup_orders[order]) : NULL;
}

/* At most one parameter block; the first in the file wins, the others are errors. */
static void parse_param(struct ytree *t, struct iterator_spec *it, yaml_node_t **keys,
			yaml_node_t **vals, const char *ctx)
{
	int first = -1, i;

	for (i = IK_MAP; i < IK_N; i++) {
		if (!keys[i])
			continue;
		if (first < 0 || keys[i]->start_mark.index < keys[first]->start_mark.index)
			first = i;
	}
	if (first < 0)
		return;
	for (i = IK_MAP; i < IK_N; i++)
		if (keys[i] && i != first)
			yerr(t, keys[i], "%s: only one of map, task or cgroup is allowed, got %s and %s",
			     ctx, iter_keys[first], iter_keys[i]);
	it->param_loc = ytree_loc(t, keys[first]);
	if (first == IK_MAP && parse_map_ref(t, vals[IK_MAP], "map", &it->map))
		it->param = ITER_PARAM_MAP;
	else if (first == IK_TASK)
		parse_task(t, it, vals[IK_TASK]);
	else if (first == IK_CGROUP)
		parse_cgroup(t, it, vals[IK_CGROUP]);
}

static void parse_iterator_body(struct ytree *t, struct iterator_spec *it, const yaml_node_t *body)
{
	yaml_node_t *keys[IK_N], *vals[IK_N];
	char q[128], *ctx;
	const char *s;

	ctx = xasprintf("iterator %s", yquote(it->name, q, sizeof(q)));
	if (!yfields(t, body, ctx, ctx, iter_keys, IK_N, keys, vals) && !yis_map(body))
		goto free_ctx;
	if (yrequire(t, body, vals[IK_PROGRAM], "program", ctx) &&
	    yget_str(t, vals[IK_PROGRAM], "program", &s) &&
	    check_prog_ref(t, vals[IK_PROGRAM], "program", s)) {
		it->program = xstrdup(s);
		it->program_loc = ytree_loc(t, vals[IK_PROGRAM]);
	}
	parse_param(t, it, keys, vals, ctx);
free_ctx:
	free(ctx);
}

void parse_iterators(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section)
{
	struct manifest *m = pc->m;
	size_t i, j;

	if (yis_null(section) || !yexpect_map(t, section, "iterators"))
		return;
	for (i = 0; i < ymap_len(section); i++) {
		const char *name = ymap_key_text(t, section, i);
		yaml_node_t *key = ymap_key(t, section, i);
		struct iterator_spec it = { .prog_entry = -1, .prog_index = -1 };
		const struct loc *prev = NULL;
		bool keep;

		if (!name)
			continue;
		it.map.index = -1;
		for (j = 0; j < m->n_iterators && !prev; j++)
			if (!strcmp(m->iterators[j].name, name))
				prev = &m->iterators[j].loc;
		keep = check_resource_name(t, key, "iterator", prev);
		it.name = xstrdup(name);
		it.loc = ytree_loc(t, key);
		parse_iterator_body(t, &it, ymap_value(t, section, i));
		if (!keep) {
			iterator_spec_clear(&it);
			continue;
		}
		m->iterators = xgrow(m->iterators, m->n_iterators, sizeof(*m->iterators));
		m->iterators[m->n_iterators++] = it;
	}
}

void iterator_spec_clear(struct iterator_spec *it)
{
	free(it->name);
	free(it->program);
	map_ref_clear(&it->map);
	free(it->cgroup_path);
	free(it->cgroup_order);
	memset(it, 0, sizeof(*it));
}
