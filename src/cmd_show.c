// SPDX-License-Identifier: GPL-2.0-only
/* show (managed objects, live ids, drift) and graph (Graphviz DOT). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kinds/program/program.h"
#include "kinds/link/link.h"
#include "core/json.h"
#include "core/paths.h"

static const char *kind_word(uint8_t kind)
{
	switch (kind) {
	case STATE_MAP: return res_kind_name(KIND_MAP);
	case STATE_PROGRAM: return res_kind_name(KIND_PROGRAM);
	case STATE_ITERATOR: return res_kind_name(KIND_ITERATOR);
	case STATE_LINK: return res_kind_name(KIND_LINK);
	}
	return "unknown";
}

static const char *map_status(const struct live *lv, const struct state_res *r, uint32_t *live_id)
{
	const struct live_map *lm = live_find_map(lv, r->name);

	if (!lm || lm->pin_state == PIN_ABSENT)
		return "missing";
	if (lm->pin_state == PIN_OTHER) {
		*live_id = lm->other_id; /* the program or link pinned in its place */
		return "replaced";
	}
	*live_id = lm->info.id;
	return lm->info.id == r->id ? "ok" : "replaced";
}

/* A program entry is ok when every pin the record names holds the recorded object. */
static const char *program_status(const struct live *lv, const struct state_res *r,
				  uint32_t *live_id)
{
	const struct live_program *lp = live_find_program(lv, r->name);
	const struct live_pin *first;
	bool removed = false;
	size_t i;

	if (!lp || !lp->dir_exists)
		return "missing";
	if (program_drifted_pin(lp, r, &removed))
		return removed ? "missing" : "replaced";
	for (i = 0; i < r->n_subs; i++) {
		if (r->subs[i].kind != SUB_PROG)
			continue;
		first = live_pin_find(lp->progs, lp->n_progs, r->subs[i].name);
		*live_id = first ? first->id : 0;
		break;
	}
	return "ok";
}

static const char *iterator_status(const struct live *lv, const struct state_res *r,
				   uint32_t *live_id)
{
	const struct live_iterator *li = live_find_iterator(lv, r->name);

	if (!li || li->pin_state == PIN_ABSENT)
		return "missing";
	if (li->pin_state != PIN_MAP)
		return "replaced";
	*live_id = li->link_id;
	return li->link_id == r->id ? "ok" : "replaced";
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

/*
 * Drift as show sees it without a manifest: is every recorded object still
 * pinned where bpfapply put it?  live_id: the map id, the first program's
 * id, or the link id.
 */
static const char *status_of(const struct live *lv, const struct state_res *r, uint32_t *live_id)
{
	*live_id = 0;
	switch (r->kind) {
	case STATE_MAP: return map_status(lv, r, live_id);
	case STATE_PROGRAM: return program_status(lv, r, live_id);
	case STATE_ITERATOR: return iterator_status(lv, r, live_id);
	case STATE_LINK: return link_status(lv, r, live_id);
	}
	return "unknown";
}

/* The recorded id to show: programs have one per program, show the first. */
static uint32_t recorded_id(const struct state_res *r)
{
	size_t i;

	if (r->kind != STATE_PROGRAM)
		return r->id;
	for (i = 0; i < r->n_subs; i++)
		if (r->subs[i].kind == SUB_PROG)
			return r->subs[i].id;
	return 0;
}

static void show_scope_text(const struct live *lv)
{
	size_t i;

	printf("scope %s (state serial %llu, %zu objects)\n", lv->state.scope ? lv->state.scope : "?",
	       (unsigned long long)lv->state.serial, lv->state.n);
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		uint32_t live_id;
		const char *st = status_of(lv, r, &live_id);
		char addr[96];

		snprintf(addr, sizeof(addr), "%s.%s", kind_word(r->kind), r->name);
		printf("  %-28s id %-6u %s%s\n", addr, recorded_id(r), st,
		       r->flags & STATE_F_PREVENT_DESTROY ? " prevent_destroy" : "");
	}
}

static void show_scope_json(const struct live *lv, struct json *j)
{
	size_t i;

	json_obj_begin(j);
	json_kv_str(j, "scope", lv->state.scope);
	json_kv_uint(j, "serial", lv->state.serial);
	json_kv_uint(j, "updated_at", lv->state.updated_at);
	json_kv_str(j, "written_by", lv->state.tool_version);
	json_key(j, "resources");
	json_arr_begin(j);
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		uint32_t live_id;
		const char *st = status_of(lv, r, &live_id);
		char addr[96];

		snprintf(addr, sizeof(addr), "%s.%s", kind_word(r->kind), r->name);
		json_obj_begin(j);
		json_kv_str(j, "address", addr);
		json_kv_str(j, "kind", kind_word(r->kind));
		json_kv_str(j, "name", r->name);
		json_kv_uint(j, "id", recorded_id(r));
		json_kv_uint(j, "live_id", live_id);
		json_kv_str(j, "status", st);
		json_kv_bool(j, "prevent_destroy", r->flags & STATE_F_PREVENT_DESTROY);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static int show_one(const struct opts *o, const char *scope, struct json *j)
{
	struct run r = { .lock_fd = -1 };
	bool json = g_json;
	int err;

	/* one scope that cannot be read must not break the JSON document:
	 * its messages go to stderr and it is listed with an error */
	g_json = false;
	err = run_open(&r, o, scope, false);
	g_json = json;
	if (err && j) {
		json_obj_begin(j);
		json_kv_str(j, "scope", scope);
		json_kv_str(j, "error", strerror(-err));
		json_obj_end(j);
		run_close(&r);
		return err;
	}
	if (!err && !r.lv.have_state) {
		if (!j)
			printf("scope %s: nothing managed\n", scope);
	} else if (!err) {
		if (j)
			show_scope_json(&r.lv, j);
		else
			show_scope_text(&r.lv);
	}
	run_close(&r);
	return err;
}

/* Every directory under root that holds a state record. */
static int list_scopes(const char *root, char ***out, size_t *n)
{
	struct dirent *de;
	DIR *d = opendir(root);

	*out = NULL;
	*n = 0;
	if (!d) {
		int err = -errno;

		if (err == -ENOENT)
			return 0;
		err_msg("cannot read %s: %s%s", root, strerror(-err), access_hint(err));
		return err;
	}
	while ((de = readdir(d))) {
		char *st;
		char **v;
		bool skip;

		if (de->d_name[0] == '.' || !valid_scope_name(de->d_name))
			continue;
		st = path_join3(root, de->d_name, "state");
		/* a scope that cannot be looked into is listed: show_one says why */
		skip = !st || (access(st, F_OK) && errno == ENOENT);
		free(st);
		if (skip)
			continue;
		v = realloc(*out, (*n + 1) * sizeof(*v));
		if (!v)
			break;
		*out = v;
		v[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	return 0;
}

int cmd_show(const struct opts *o)
{
	struct json j, *jp = NULL;
	char **scopes = NULL;
	size_t n = 0, i;
	bool on_bpffs;
	int err = 0;

	if (o->scope && !valid_scope_name(o->scope)) {
		err_msg("--scope: \"%s\" is not a scope name ([a-z0-9_-]{1,64})", o->scope);
		return EXIT_ERR;
	}
	if (root_probe(o->root, o->nomount, &on_bpffs))
		return EXIT_ERR;
	if (!o->scope && on_bpffs && list_scopes(o->root, &scopes, &n))
		return EXIT_ERR;
	if (g_json) {
		json_init(&j, stdout, o->pretty);
		jp = &j;
		json_obj_begin(jp);
		json_kv_str(jp, "root", o->root);
		json_key(jp, "scopes");
		json_arr_begin(jp);
	} else if (!o->scope && !n) {
		printf("No scopes managed under %s.\n", o->root);
	}
	if (o->scope)
		err = show_one(o, o->scope, jp);
	/* every scope is shown; one that cannot be read makes the exit status 1 */
	for (i = 0; i < n; i++) {
		int e = show_one(o, scopes[i], jp);

		if (e)
			err = e;
		free(scopes[i]);
	}
	free(scopes);
	if (jp) {
		json_arr_end(jp);
		json_obj_end(jp);
		json_finish(jp);
	}
	return err ? EXIT_ERR : EXIT_OK;
}

static void dot_edge(enum res_kind from_kind, const char *from, enum res_kind to_kind,
		     const char *to, const char *label)
{
	printf("  \"%s.%s\" -> \"%s.%s\" [label=\"%s\"];\n", res_kind_name(from_kind), from,
	       res_kind_name(to_kind), to, label);
}

/* Edges point from a resource to what it is built from. */
int cmd_graph(const struct opts *o)
{
	struct manifest *m = load_manifest(o, true);
	size_t i, k;

	if (!m)
		return EXIT_ERR;
	printf("digraph \"%s\" {\n  rankdir=LR;\n", m->scope);
	for (i = 0; i < m->n_maps; i++) {
		const struct map_spec *ms = &m->maps[i];

		printf("  \"%s.%s\" [shape=box];\n", res_kind_name(KIND_MAP), ms->name);
		if (ms->inner_map)
			dot_edge(KIND_MAP, ms->name, KIND_MAP, ms->inner_map, "inner_map");
		for (k = 0; k < ms->n_entries; k++) {
			const struct map_entry *e = &ms->entries[k];

			if (e->vkind == VAL_MAP)
				dot_edge(KIND_MAP, ms->name, KIND_MAP, e->ref, "value");
			else if (e->vkind == VAL_PROGRAM)
				dot_edge(KIND_MAP, ms->name, KIND_PROGRAM,
					 m->programs[e->ref_index].name, "tail call");
		}
	}
	for (i = 0; i < m->n_programs; i++) {
		const struct program_spec *ps = &m->programs[i];

		printf("  \"%s.%s\" [shape=ellipse];\n", res_kind_name(KIND_PROGRAM), ps->name);
		for (k = 0; k < ps->n_maps; k++)
			if (ps->maps[k].target.name)
				dot_edge(KIND_PROGRAM, ps->name, KIND_MAP, ps->maps[k].target.name,
					 ps->maps[k].elf_name);
	}
	for (i = 0; i < m->n_iterators; i++) {
		const struct iterator_spec *it = &m->iterators[i];

		printf("  \"%s.%s\" [shape=hexagon];\n", res_kind_name(KIND_ITERATOR), it->name);
		if (it->prog_entry >= 0)
			dot_edge(KIND_ITERATOR, it->name, KIND_PROGRAM, m->programs[it->prog_entry].name,
				 "program");
		if (it->param == ITER_PARAM_MAP && it->map.name)
			dot_edge(KIND_ITERATOR, it->name, KIND_MAP, it->map.name, "map");
	}
	for (i = 0; i < m->n_links; i++) {
		const struct link_spec *ls = &m->links[i];

		printf("  \"%s.%s\" [shape=cds];\n", res_kind_name(KIND_LINK), ls->name);
		if (ls->prog_entry >= 0)
			dot_edge(KIND_LINK, ls->name, KIND_PROGRAM, m->programs[ls->prog_entry].name,
				 link_hook_name(ls->hook));
	}
	printf("}\n");
	manifest_free(m);
	return EXIT_OK;
}
