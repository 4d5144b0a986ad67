// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `programs:` section (ELF objects to load, with map reuse and global
 * data) and the `iterators:` section (iterator links and their parameter).
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "core/yamltree.h"

/* Program and variable names are C identifiers (function and symbol names in the ELF). */
static bool valid_ident(const char *s)
{
	size_t i;

	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

bool check_prog_ref(struct ytree *t, const yaml_node_t *n, const char *what, const char *ref)
{
	const char *slash = strchr(ref, '/');
	char entry[NAME_MAX_LEN + 1], buf[128];
	size_t len = slash ? (size_t)(slash - ref) : strlen(ref);

	if (len > 0 && len <= NAME_MAX_LEN) {
		memcpy(entry, ref, len);
		entry[len] = '\0';
		if (valid_resource_name(entry) && (!slash || valid_ident(slash + 1)))
			return true;
	}
	yerr(t, n, "%s: expected ENTRY/PROGRAM or ENTRY, got %s", what,
	     ydescribe(n, buf, sizeof(buf)));
	return false;
}

/* ---- programs ------------------------------------------------------------------ */

enum prog_key { PK_OBJECT, PK_TYPE, PK_PROGRAMS, PK_MAPS, PK_GLOBALS, PK_N };

static const char *const prog_keys[PK_N] = {
	[PK_OBJECT] = "object",
	[PK_TYPE] = "type",
	[PK_PROGRAMS] = "programs",
	[PK_MAPS] = "maps",
	[PK_GLOBALS] = "globals",
};

/* Relative object paths are relative to the manifest file, not to the working directory. */
char *manifest_relative_path(const char *manifest_file, const char *path)
{
	const char *slash = strrchr(manifest_file, '/');

	if (path[0] == '/' || !slash)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - manifest_file), manifest_file, path);
}

static void parse_object(struct ytree *t, struct program_spec *p, const yaml_node_t *v)
{
	const char *s;

	if (!yget_str(t, v, "object", &s))
		return;
	if (!*s) {
		yerr(t, v, "object: expected the path of an ELF object, got \"\"");
		return;
	}
	p->object = xstrdup(s);
	p->object_path = manifest_relative_path(t->file, s);
	p->object_loc = ytree_loc(t, v);
}

/* Only its spelling can be checked here: libbpf knows the program types. */
static void parse_prog_type(struct ytree *t, struct program_spec *p, const yaml_node_t *v)
{
	const char *s;

	if (!yget_str(t, v, "type", &s))
		return;
	if (!*s) {
		yerr(t, v, "type: expected a program type such as xdp, got \"\"");
		return;
	}
	p->type = xstrdup(s);
	p->type_loc = ytree_loc(t, v);
}

static void parse_prog_list(struct ytree *t, struct program_spec *p, const yaml_node_t *v)
{
	size_t n = yseq_len(v), i, j;
	char buf[128];

	if (!yexpect_seq(t, v, "programs"))
		return;
	if (n == 0) {
		yerr(t, v, "programs: expected a non-empty list of program names, got an empty list");
		return;
	}
	p->progs = xzalloc(n * sizeof(*p->progs));
	p->prog_locs = xzalloc(n * sizeof(*p->prog_locs));
	for (i = 0; i < n; i++) {
		yaml_node_t *item = yseq_item(t, v, i);
		const char *s = yscalar(item);

		if (!s || yis_null(item) || !valid_ident(s)) {
			yerr(t, item, "programs: expected a program (function) name, got %s",
			     ydescribe(item, buf, sizeof(buf)));
			continue;
		}
		for (j = 0; j < p->n_progs; j++)
			if (!strcmp(p->progs[j], s))
				break;
		if (j < p->n_progs) {
			yerr(t, item, "programs: \"%s\" is listed twice (first at %d:%d)", s,
			     p->prog_locs[j].line, p->prog_locs[j].col);
			continue;
		}
		p->progs[p->n_progs] = xstrdup(s);
		p->prog_locs[p->n_progs++] = ytree_loc(t, item);
	}
}

/* A map NAME of the manifest, or {pinned: /abs/path} for one bpfapply does not own. */
static bool parse_map_ref(struct ytree *t, const yaml_node_t *n, const char *what,
			  struct map_ref *r)
{
	static const char *const pinned_key[] = { "pinned" };
	yaml_node_t *k[1], *v[1];
	const char *s;
	char buf[128];

	r->index = -1;
	r->loc = ytree_loc(t, n);
	if (yis_map(n)) {
		if (!yfields(t, n, what, "{pinned: PATH}", pinned_key, 1, k, v) ||
		    !yrequire(t, n, v[0], "pinned", what) || !yget_str(t, v[0], "pinned", &s))
			return false;
		if (s[0] != '/') {
			yerr(t, v[0], "pinned: expected an absolute path, got %s",
			     ydescribe(v[0], buf, sizeof(buf)));
			return false;
		}
		r->pinned = xstrdup(s);
		r->loc = ytree_loc(t, v[0]);
		return true;
	}
	if (yscalar(n) && !yis_null(n)) {
		r->name = xstrdup(yscalar(n));
		return true;
	}
	yerr(t, n, "%s: expected a map name or {pinned: PATH}, got %s", what,
	     ydescribe(n, buf, sizeof(buf)));
	return false;
}

static void parse_bindings(struct ytree *t, struct program_spec *p, const yaml_node_t *v)
{
	size_t n = ymap_len(v), i;

	if (yis_null(v) || !yexpect_map(t, v, "maps"))
		return;
	p->maps = xzalloc(n * sizeof(*p->maps));
	for (i = 0; i < n; i++) {
		const char *elf = ymap_key_text(t, v, i);
		struct map_binding *b = &p->maps[p->n_maps];

		if (!elf)
			continue;
		if (!parse_map_ref(t, ymap_value(t, v, i), elf, &b->target)) {
			map_ref_clear(&b->target);
			continue;
		}
		b->elf_name = xstrdup(elf);
		b->loc = ytree_loc(t, ymap_key(t, v, i));
		p->n_maps++;
	}
}

static bool parse_global(struct ytree *t, struct global_var *g, const yaml_node_t *key,
			 const yaml_node_t *val)
{
	const char *name = yscalar(key);
	char buf[128];

	if (!valid_ident(name)) {
		yerr(t, key, "globals: expected a variable name, got %s",
		     ydescribe(key, buf, sizeof(buf)));
		return false;
	}
	g->name = xstrdup(name);
	g->loc = ytree_loc(t, key);
	/* The variable's size is only known from BTF at load time: keep the literal. */
	if (yis_plain(val) && parse_int_literal(yscalar(val), NULL, NULL)) {
		g->is_int = true;
		g->int_text = xstrdup(yscalar(val));
		return true;
	}
	return parse_bytes_node(t, val, name, -1, NULL, &g->data);
}

static void parse_globals(struct ytree *t, struct program_spec *p, const yaml_node_t *v)
{
	size_t n = ymap_len(v), i;

	if (yis_null(v) || !yexpect_map(t, v, "globals"))
		return;
	p->globals = xzalloc(n * sizeof(*p->globals));
	for (i = 0; i < n; i++) {
		struct global_var *g = &p->globals[p->n_globals];

		if (!ymap_key_text(t, v, i))
			continue;
		if (parse_global(t, g, ymap_key(t, v, i), ymap_value(t, v, i))) {
			p->n_globals++;
			continue;
		}
		free(g->name);
		free(g->int_text);
		bytes_free(&g->data);
		memset(g, 0, sizeof(*g));
	}
}

static void parse_program_body(struct ytree *t, struct program_spec *p, const yaml_node_t *body)
{
	yaml_node_t *keys[PK_N], *vals[PK_N];
	char q[128], *ctx;

	ctx = xasprintf("program entry %s", yquote(p->name, q, sizeof(q)));
	if (!yfields(t, body, ctx, ctx, prog_keys, PK_N, keys, vals) && !yis_map(body))
		goto out;
	if (yrequire(t, body, vals[PK_OBJECT], "object", ctx))
		parse_object(t, p, vals[PK_OBJECT]);
	if (vals[PK_TYPE])
		parse_prog_type(t, p, vals[PK_TYPE]);
	if (vals[PK_PROGRAMS])
		parse_prog_list(t, p, vals[PK_PROGRAMS]);
	if (vals[PK_MAPS])
		parse_bindings(t, p, vals[PK_MAPS]);
	if (vals[PK_GLOBALS])
		parse_globals(t, p, vals[PK_GLOBALS]);
out:
	free(ctx);
}

void parse_programs(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section)
{
	struct manifest *m = pc->m;
	size_t i;

	if (yis_null(section) || !yexpect_map(t, section, "programs"))
		return;
	for (i = 0; i < ymap_len(section); i++) {
		const char *name = ymap_key_text(t, section, i);
		yaml_node_t *key = ymap_key(t, section, i);
		struct program_spec p = { 0 };
		int prev;
		bool keep;

		if (!name)
			continue;
		prev = manifest_program_index(m, name);
		keep = check_resource_name(t, key, "program entry",
					   prev >= 0 ? &m->programs[prev].loc : NULL);
		p.name = xstrdup(name);
		p.loc = ytree_loc(t, key);
		parse_program_body(t, &p, ymap_value(t, section, i));
		if (!keep) {
			program_spec_clear(&p);
			continue;
		}
		m->programs = xgrow(m->programs, m->n_programs, sizeof(*m->programs));
		m->programs[m->n_programs++] = p;
	}
}

/* ---- iterators ------------------------------------------------------------------ */

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
		goto out;
	if (yrequire(t, body, vals[IK_PROGRAM], "program", ctx) &&
	    yget_str(t, vals[IK_PROGRAM], "program", &s) &&
	    check_prog_ref(t, vals[IK_PROGRAM], "program", s)) {
		it->program = xstrdup(s);
		it->program_loc = ytree_loc(t, vals[IK_PROGRAM]);
	}
	parse_param(t, it, keys, vals, ctx);
out:
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
