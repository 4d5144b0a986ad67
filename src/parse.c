// SPDX-License-Identifier: GPL-2.0-only
/*
 * Manifest loading: the top level of each file (format version, scope, the
 * three sections), merging several files of one scope, and the model's
 * lifetime.  The sections themselves are in parse_maps.c and
 * parse_programs.c, cross-references in resolve.c.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "kinds/link/link.h"
#include "model.h"
#include "core/nameidx.h"
#include "core/yamltree.h"

#define FORMAT_VERSION "v1"

const char *policy_name(enum entries_policy p)
{
	switch (p) {
	case POLICY_SEED:
		return "seed";
	case POLICY_EXACT:
		return "exact";
	case POLICY_MERGE:
		return "merge";
	}
	return "merge";
}

static bool name_chars(const char *s, size_t min, size_t max, const char *extra, bool upper)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		char c = s[n];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (upper && c >= 'A' && c <= 'Z') || strchr(extra, c))
			continue;
		return false;
	}
	return n >= min && n <= max;
}

bool valid_kname(const char *s)
{
	return name_chars(s, 0, KNAME_MAX, "_.", true);
}

bool valid_resource_name(const char *s)
{
	return name_chars(s, 1, NAME_MAX_LEN, "_-", true);
}

bool valid_scope_name(const char *s)
{
	return name_chars(s, 1, NAME_MAX_LEN, "_-", false);
}

/* Hashed once the manifest is loaded: a manifest of thousands of maps stays linear. */
int manifest_map_index(const struct manifest *m, const char *name)
{
	if (!m)
		return -1;
	return nameidx_find(m->names ? &m->names[0] : NULL, m->maps, m->n_maps, sizeof(*m->maps),
			    offsetof(struct map_spec, name), name);
}

int manifest_program_index(const struct manifest *m, const char *name)
{
	if (!m)
		return -1;
	return nameidx_find(m->names ? &m->names[1] : NULL, m->programs, m->n_programs,
			    sizeof(*m->programs), offsetof(struct program_spec, name), name);
}

int manifest_iterator_index(const struct manifest *m, const char *name)
{
	if (!m)
		return -1;
	return nameidx_find(m->names ? &m->names[2] : NULL, m->iterators, m->n_iterators,
			    sizeof(*m->iterators), offsetof(struct iterator_spec, name), name);
}

bool check_resource_name(struct ytree *t, const yaml_node_t *key, const char *kind,
			 const struct loc *prev)
{
	const char *s = yscalar(key);
	char q[128];

	if (!valid_resource_name(s)) {
		yerr(t, key, "invalid %s name %s: expected 1..%d characters from A-Z a-z 0-9 _ -%s",
		     kind, yquote(s ? s : "", q, sizeof(q)), NAME_MAX_LEN,
		     s && strchr(s, '.') ? " (bpffs reserves '.')" : "");
		return false;
	}
	if (prev) {
		yerr(t, key, "%s \"%s\" is already declared at %s:%d:%d", kind, s, prev->file,
		     prev->line, prev->col);
		return false;
	}
	return true;
}

/* ---- freeing ------------------------------------------------------------------ */

void map_ref_clear(struct map_ref *r)
{
	free(r->name);
	free(r->pinned);
	r->name = NULL;
	r->pinned = NULL;
}

void map_spec_clear(struct map_spec *s)
{
	size_t i;

	/* the entries_file records point into s->records */
	for (i = 0; i < (s->records ? s->n_yaml_entries : s->n_entries); i++) {
		bytes_free(&s->entries[i].key);
		bytes_free(&s->entries[i].value);
		free(s->entries[i].ref);
	}
	free(s->entries);
	free(s->records);
	free(s->entries_file);
	free(s->entries_file_path);
	free(s->inner_map);
	free(s->name);
	memset(s, 0, sizeof(*s));
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

void iterator_spec_clear(struct iterator_spec *it)
{
	free(it->name);
	free(it->program);
	map_ref_clear(&it->map);
	free(it->cgroup_path);
	free(it->cgroup_order);
	memset(it, 0, sizeof(*it));
}

void manifest_free(struct manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n_maps; i++)
		map_spec_clear(&m->maps[i]);
	for (i = 0; i < m->n_programs; i++)
		program_spec_clear(&m->programs[i]);
	for (i = 0; i < m->n_iterators; i++)
		iterator_spec_clear(&m->iterators[i]);
	for (i = 0; i < m->n_links; i++)
		link_spec_clear(&m->links[i]);
	free(m->links);
	for (i = 0; i < m->n_files; i++)
		free(m->files[i]);
	free(m->maps);
	free(m->programs);
	free(m->iterators);
	free(m->files);
	free(m->scope);
	for (i = 0; m->names && i < 3; i++)
		nameidx_free(&m->names[i]);
	free(m->names);
	free(m);
}

/* ---- the top level of one file --------------------------------------------- */

enum top_key { TOP_VERSION, TOP_SCOPE, TOP_MAPS, TOP_PROGRAMS, TOP_ITERATORS, TOP_LINKS, TOP_N };

static const char *const top_keys[TOP_N] = {
	[TOP_VERSION] = "bpfapply",
	[TOP_SCOPE] = "scope",
	[TOP_MAPS] = "maps",
	[TOP_PROGRAMS] = "programs",
	[TOP_ITERATORS] = "iterators",
	[TOP_LINKS] = "links",
};

/* false when the file is in a format this parser cannot read at all */
static bool check_version(struct ytree *t, const yaml_node_t *root, const yaml_node_t *v)
{
	const char *s = yscalar(v);
	char buf[128];

	if (!yrequire(t, root, v, "bpfapply", "the manifest"))
		return true; /* keep reading: the rest may well be v1 */
	if (s && !yis_null(v) && !strcmp(s, FORMAT_VERSION))
		return true;
	if (s && !yis_null(v))
		yerr(t, v, "unsupported format version %s (this bpfapply reads " FORMAT_VERSION ")",
		     yquote(s, buf, sizeof(buf)));
	else
		yerr(t, v, "bpfapply: expected the format version " FORMAT_VERSION ", got %s",
		     ydescribe(v, buf, sizeof(buf)));
	return false;
}

static void check_scope(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *root,
			const yaml_node_t *v)
{
	struct manifest *m = pc->m;
	const char *s;
	char buf[128];

	if (!yrequire(t, root, v, "scope", "the manifest") || !yget_str(t, v, "scope", &s))
		return;
	if (!valid_scope_name(s)) {
		yerr(t, v, "scope: expected 1..%d characters from a-z 0-9 _ -, got %s", NAME_MAX_LEN,
		     ydescribe(v, buf, sizeof(buf)));
		return;
	}
	if (!m->scope) {
		m->scope = xstrdup(s);
		m->scope_loc = ytree_loc(t, v);
	} else if (strcmp(m->scope, s)) {
		yerr(t, v, "scope \"%s\" differs from scope \"%s\" at %s:%d:%d (all files must name the same scope)",
		     s, m->scope, m->scope_loc.file, m->scope_loc.line, m->scope_loc.col);
	}
}

static void parse_file(struct parse_ctx *pc, const char *file)
{
	yaml_node_t *keys[TOP_N], *vals[TOP_N], *root;
	struct ytree t;

	root = ytree_load(&t, file, pc->d);
	if (!root)
		goto out;
	yfields(&t, root, "the manifest", "the manifest", top_keys, TOP_N, keys, vals);
	if (!check_version(&t, root, vals[TOP_VERSION]))
		goto out;
	check_scope(pc, &t, root, vals[TOP_SCOPE]);
	if (vals[TOP_MAPS])
		parse_maps(pc, &t, vals[TOP_MAPS]);
	if (vals[TOP_PROGRAMS])
		parse_programs(pc, &t, vals[TOP_PROGRAMS]);
	if (vals[TOP_ITERATORS])
		parse_iterators(pc, &t, vals[TOP_ITERATORS]);
	if (vals[TOP_LINKS])
		parse_links(pc, &t, vals[TOP_LINKS]);
out:
	ytree_free(&t);
}

struct manifest *manifest_load(const char *const *files, size_t n_files, struct diag *d)
{
	struct parse_ctx pc = { .d = d };
	size_t before = diag_count(d), i;
	struct manifest *m;

	m = xzalloc(sizeof(*m));
	m->names = xzalloc(3 * sizeof(*m->names));
	pc.m = m;
	if (n_files == 0)
		diag_error(d, NULL, "no manifest file given");
	m->files = xzalloc(n_files * sizeof(*m->files));
	for (i = 0; i < n_files; i++) {
		m->files[i] = xstrdup(files[i]);
		m->n_files++;
		parse_file(&pc, m->files[i]);
	}
	if (n_files && !m->scope && diag_count(d) == before)
		diag_error(d, NULL, "no scope declared");
	resolve_manifest(&pc);
	free(pc.map_bad);
	if (diag_count(d) != before) {
		manifest_free(m);
		return NULL;
	}
	return m;
}
