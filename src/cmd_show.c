// SPDX-License-Identifier: GPL-2.0-only
/* show (managed objects, live ids, drift) and graph (Graphviz DOT). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/json.h"
#include "graph.h"
#include "kind.h"
#include "core/paths.h"

static const char *kind_word(uint8_t kind)
{
	const struct kind_ops *ops = kind_ops_get(kind);

	return ops ? ops->name : "unknown";
}

/*
 * Drift as show sees it without a manifest: is every recorded object still
 * pinned where bpfapply put it?  live_id: what the kind shows as live (the
 * map id, the first program's id, the link id).
 */
static const char *status_of(const struct live *lv, const struct state_res *r, uint32_t *live_id)
{
	const struct kind_ops *ops = kind_ops_get(r->kind);

	*live_id = 0;
	return ops ? ops->status(lv, r, live_id) : "unknown";
}

static uint32_t recorded_id(const struct state_res *r)
{
	const struct kind_ops *ops = kind_ops_get(r->kind);

	return ops && ops->recorded_id ? ops->recorded_id(r) : r->id;
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

/* Edges point from a resource to what it is built from. */
int cmd_graph(const struct opts *o)
{
	struct manifest *m = load_manifest(o, true);
	struct graph g;
	size_t i, k;

	if (!m)
		return EXIT_ERR;
	if (graph_build(&g, m)) {
		err_msg("cannot build the dependency graph: %s", strerror(ENOMEM));
		manifest_free(m);
		return EXIT_ERR;
	}
	printf("digraph \"%s\" {\n  rankdir=LR;\n", m->scope);
	for (i = 0; i < g.n; i++) {
		const struct graph_node *nd = &g.nodes[i];

		printf("  \"%s.%s\" [shape=%s];\n", kind_name(nd->kind), nd->name,
		       kind_ops_get(nd->kind)->shape);
		for (k = 0; k < nd->n_out; k++) {
			const struct graph_node *to = &g.nodes[nd->out[k].to];

			printf("  \"%s.%s\" -> \"%s.%s\" [label=\"%s\"];\n", kind_name(nd->kind),
			       nd->name, kind_name(to->kind), to->name, nd->out[k].label);
		}
	}
	printf("}\n");
	graph_free(&g);
	manifest_free(m);
	return EXIT_OK;
}
