// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `programs:` section: ELF objects to load, with map reuse and global
 * data.
 */
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "kinds/program/program.h"
#include "parse.h"

enum prog_key { PK_OBJECT, PK_TYPE, PK_PROGRAMS, PK_MAPS, PK_GLOBALS, PK_N };

static const char *const prog_keys[PK_N] = {
	[PK_OBJECT] = "object",
	[PK_TYPE] = "type",
	[PK_PROGRAMS] = "programs",
	[PK_MAPS] = "maps",
	[PK_GLOBALS] = "globals",
};

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
		goto free_ctx;
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
free_ctx:
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

void program_spec_clear(struct program_spec *p)
{
	size_t i;

	for (i = 0; i < p->n_progs; i++)
		free(p->progs[i]);
	for (i = 0; i < p->n_maps; i++) {
		free(p->maps[i].elf_name);
		map_ref_clear(&p->maps[i].target);
	}
	for (i = 0; i < p->n_globals; i++) {
		free(p->globals[i].name);
		free(p->globals[i].int_text);
		bytes_free(&p->globals[i].data);
	}
	free(p->progs);
	free(p->prog_locs);
	free(p->maps);
	free(p->globals);
	free(p->name);
	free(p->object);
	free(p->object_path);
	free(p->type);
	elf_info_free(p->elf);
	memset(p, 0, sizeof(*p));
}
