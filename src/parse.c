// SPDX-License-Identifier: GPL-2.0-only
/*
 * Manifest loading: the top level of each file (format version, scope, one
 * section per kind), merging several files of one scope, and the model's
 * lifetime.  The sections themselves are the kinds' (kinds/KIND/parse.c),
 * cross-references in resolve.c.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/nameidx.h"
#include "kind.h"
#include "model.h"
#include "parse.h"

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

/* ---- shared by the kinds' sections ---------------------------------------------- */

/* Program and variable names are C identifiers (function and symbol names in the ELF). */
bool valid_ident(const char *s)
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

/* Relative object paths are relative to the manifest file, not to the working directory. */
char *manifest_relative_path(const char *manifest_file, const char *path)
{
	const char *slash = strrchr(manifest_file, '/');

	if (path[0] == '/' || !slash)
		return xstrdup(path);
	return xasprintf("%.*s/%s", (int)(slash - manifest_file), manifest_file, path);
}

/* A map NAME of the manifest, or {pinned: /abs/path} for one bpfapply does not own. */
bool parse_map_ref(struct ytree *t, const yaml_node_t *n, const char *what, struct map_ref *r)
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

/* ---- freeing ------------------------------------------------------------------ */

void map_ref_clear(struct map_ref *r)
{
	free(r->name);
	free(r->pinned);
	r->name = NULL;
	r->pinned = NULL;
}

void manifest_free(struct manifest *m)
{
	unsigned int k;
	size_t i;

	if (!m)
		return;
	for_each_kind(k)
		kind_free_specs(k, m);
	for (i = 0; i < m->n_files; i++)
		free(m->files[i]);
	free(m->files);
	free(m->scope);
	for (i = 0; m->names && i < KIND__COUNT; i++)
		nameidx_free(&m->names[i]);
	free(m->names);
	free(m);
}

/* ---- the top level of one file --------------------------------------------- */

/* The keys of a file: the format version, the scope, one section per kind. */
enum { TOP_VERSION, TOP_SCOPE, TOP_SECTIONS };
#define TOP_N (TOP_SECTIONS + KIND__COUNT)

static size_t top_keys(const char **keys, unsigned int *kind_at)
{
	size_t n = 0;
	unsigned int k;

	keys[n++] = "bpfapply";
	keys[n++] = "scope";
	for_each_kind(k) {
		kind_at[n] = k;
		keys[n++] = kind_ops_get(k)->section;
	}
	return n;
}

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
	unsigned int kind_at[TOP_N];
	const char *names[TOP_N];
	size_t n = top_keys(names, kind_at), i;
	struct ytree t;

	root = ytree_load(&t, file, pc->d);
	if (!root)
		goto free_tree;
	yfields(&t, root, "the manifest", "the manifest", (const char *const *)names, n, keys,
		vals);
	if (!check_version(&t, root, vals[TOP_VERSION]))
		goto free_tree;
	check_scope(pc, &t, root, vals[TOP_SCOPE]);
	for (i = TOP_SECTIONS; i < n; i++)
		if (vals[i])
			kind_ops_get(kind_at[i])->parse(pc, &t, vals[i]);
free_tree:
	ytree_free(&t);
}

struct manifest *manifest_load(const char *const *files, size_t n_files, struct diag *d)
{
	struct parse_ctx pc = { .d = d };
	size_t before = diag_count(d), i;
	struct manifest *volatile m = NULL;
	jmp_buf oom;

	if (setjmp(oom)) {
		/* the parser ran out of memory: what it had built is leaked (yamltree.c) */
		xoom_catch(NULL);
		diag_error(d, NULL, "out of memory reading the manifest");
		return NULL;
	}
	xoom_catch(&oom);
	m = xzalloc(sizeof(*m));
	m->names = xzalloc(KIND__COUNT * sizeof(*m->names));
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
	xoom_catch(NULL);
	free(pc.map_bad);
	if (diag_count(d) != before) {
		manifest_free(m);
		return NULL;
	}
	return m;
}
