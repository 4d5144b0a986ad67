// SPDX-License-Identifier: GPL-2.0-only
/*
 * Program entries, offline checks against their ELF objects: what the
 * parser cannot know without opening them (program names, map names and
 * shapes, global variables), and program REFs resolved against them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "core/elf.h"
#include "core/maptypes.h"
#include "kinds/program/program.h"

/* "a, b, c" list of names for "it has: ..." hints (static buffer). */
static const char *prog_names(const struct elf_info *e)
{
	static char buf[256];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < e->n_progs && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? ", " : "",
					e->progs[i].name);
	return buf;
}

static void check_selection(const struct program_spec *ps, struct diag *d)
{
	size_t i;

	for (i = 0; i < ps->n_progs; i++)
		if (!elf_find_prog(ps->elf, ps->progs[i]))
			diag_error(d, &ps->prog_locs[i], "programs: \"%s\" is not a program in %s (it has: %s)",
				   ps->progs[i], ps->object, prog_names(ps->elf));
}

static void check_binding(const struct manifest *m, const struct program_spec *ps,
			  const struct map_binding *b, struct diag *d)
{
	const struct elf_map *em = elf_find_map(ps->elf, b->elf_name);
	const struct map_spec *ms;

	if (!em) {
		diag_error(d, &b->loc, "maps: \"%s\" is not a map in %s", b->elf_name, ps->object);
		return;
	}
	if (em->internal) {
		diag_error(d, &b->loc, "maps: \"%s\" holds the object's global data; set it with globals:",
			   b->elf_name);
		return;
	}
	if (em->init_values) {
		/* libbpf would write those slots into the reused map while staging */
		diag_error(d, &b->loc,
			   "maps: \"%s\" initialises its slots in %s (.values); a reused map must "
			   "get them from the manifest's entries instead",
			   b->elf_name, ps->object);
		return;
	}
	if (b->target.index < 0)
		return; /* {pinned: PATH}: checked by the kernel at load time */
	ms = &m->maps[b->target.index];
	if (em->type != ms->type)
		diag_error(d, &b->target.loc, "maps: %s expects map type %s for \"%s\", map \"%s\" is %s",
			   ps->object, maptype_name(em->type), b->elf_name, ms->name,
			   maptype_name(ms->type));
	else if (em->key_size != ms->key_size || em->value_size != ms->value_size)
		diag_error(d, &b->target.loc,
			   "maps: %s expects key %uB value %uB for \"%s\", map \"%s\" has key %uB value %uB",
			   ps->object, em->key_size, em->value_size, b->elf_name, ms->name,
			   ms->key_size, ms->value_size);
	else if (em->max_entries && em->max_entries != ms->max_entries)
		diag_error(d, &b->target.loc,
			   "maps: %s fixes max_entries %u for \"%s\", map \"%s\" has %u", ps->object,
			   em->max_entries, b->elf_name, ms->name, ms->max_entries);
}

static void check_globals(const struct program_spec *ps, struct diag *d)
{
	uint8_t buf[4096];
	char why[256];
	size_t i;

	for (i = 0; i < ps->n_globals; i++) {
		const struct global_var *g = &ps->globals[i];
		const struct elf_var *v = elf_find_var(ps->elf, g->name);

		if (!v)
			diag_error(d, &g->loc, "globals: \"%s\" is not a global variable in %s", g->name,
				   ps->object);
		else if (v->size > sizeof(buf))
			diag_error(d, &g->loc, "globals: \"%s\" is too large to set (%u bytes)", g->name,
				   v->size);
		else if (global_encode(g, v, buf, why, sizeof(why)))
			diag_error(d, &g->loc, "globals: %s", why);
	}
}

static void check_entry(struct manifest *m, struct program_spec *ps, struct diag *d)
{
	enum bpf_attach_type at;
	enum bpf_prog_type pt;
	char why[512];
	size_t i;

	if (elf_inspect(ps->object_path, &ps->elf, why, sizeof(why))) {
		diag_error(d, &ps->object_loc, "object: %s", why);
		return;
	}
	if (!ps->elf->n_progs) {
		diag_error(d, &ps->object_loc, "object: %s has no programs", ps->object);
		return;
	}
	if (ps->type && libbpf_prog_type_by_name(ps->type, &pt, &at))
		diag_error(d, &ps->type_loc, "type: \"%s\" is not a program type libbpf knows",
			   ps->type);
	check_selection(ps, d);
	for (i = 0; i < ps->n_maps; i++)
		check_binding(m, ps, &ps->maps[i], d);
	check_globals(ps, d);
}

/* Index of prog within the entry's list of loaded programs. */
static int prog_pos(const struct program_spec *ps, const char *prog)
{
	size_t i;

	for (i = 0; i < program_count(ps); i++)
		if (!strcmp(program_name_at(ps, i), prog))
			return (int)i;
	return -1;
}

bool program_resolve_ref(const struct manifest *m, const char *ref, const struct loc *loc,
			 int *entry, int *pos, struct diag *d)
{
	const char *prog;
	int rc = ref_resolve(m, ref, entry, &prog);

	if (rc == -EINVAL && *entry >= 0)
		diag_error(d, loc, "program \"%s\": entry \"%s\" loads %zu programs; name one as ENTRY/PROGRAM",
			   ref, m->programs[*entry].name, program_count(&m->programs[*entry]));
	else if (rc)
		diag_error(d, loc, "program \"%s\" is not loaded by this manifest", ref);
	if (rc)
		return false;
	*pos = prog_pos(&m->programs[*entry], prog);
	return true;
}

/* Read every entry's ELF object and check the entry against it. */
void program_load_objects(struct manifest *m, struct diag *d)
{
	size_t i;

	for (i = 0; i < m->n_programs; i++)
		check_entry(m, &m->programs[i], d);
}
