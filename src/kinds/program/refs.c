// SPDX-License-Identifier: GPL-2.0-only
/* Program REFs: ENTRY/PROGRAM or ENTRY, against an entry's selection or its ELF object. */
#include <errno.h>
#include <string.h>

#include <stdlib.h>
#include "core/elf.h"
#include "kinds/program/program.h"

size_t program_count(const struct program_spec *ps)
{
	if (ps->n_progs)
		return ps->n_progs;
	return ps->elf ? ps->elf->n_progs : 0;
}

const char *program_name_at(const struct program_spec *ps, size_t i)
{
	if (ps->n_progs)
		return ps->progs[i];
	return ps->elf->progs[i].name;
}

int ref_resolve(const struct manifest *m, const char *ref, int *entry, const char **prog)
{
	const char *slash = strchr(ref, '/');
	char name[NAME_MAX_LEN + 1];
	size_t len = slash ? (size_t)(slash - ref) : strlen(ref);
	const struct program_spec *ps;
	size_t i;

	if (len > NAME_MAX_LEN)
		return -EINVAL;
	memcpy(name, ref, len);
	name[len] = '\0';
	*entry = manifest_program_index(m, name);
	if (*entry < 0)
		return -ENOENT;
	ps = &m->programs[*entry];
	if (!slash) {
		if (program_count(ps) != 1)
			return -EINVAL;
		*prog = program_name_at(ps, 0);
		return 0;
	}
	for (i = 0; i < program_count(ps); i++) {
		if (!strcmp(program_name_at(ps, i), slash + 1)) {
			*prog = program_name_at(ps, i);
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * REF = ENTRY/PROGRAM | ENTRY.  *prog is the index in the entry's programs
 * selection, or -1 for the ENTRY form and for entries without a selection
 * (then PROGRAM is checked against the ELF object later).
 */
void resolve_prog_ref(struct parse_ctx *pc, const char *ref, const struct loc *loc, int *entry,
		      int *prog)
{
	const struct manifest *m = pc->m;
	const char *slash = strchr(ref, '/');
	const struct program_spec *p;
	char *name;
	size_t k;

	*entry = -1;
	*prog = -1;
	name = slash ? strndup(ref, (size_t)(slash - ref)) : xstrdup(ref);
	if (!name)
		xoom();
	*entry = manifest_program_index(m, name);
	if (*entry < 0) {
		diag_error(pc->d, loc, "program entry \"%s\" is not declared", name);
		goto free_name;
	}
	p = &m->programs[*entry];
	if (!p->n_progs)
		goto free_name;
	if (!slash) {
		if (p->n_progs != 1)
			diag_error(pc->d, loc, "program entry \"%s\" loads %zu programs: name one as %s/PROGRAM",
				   name, p->n_progs, name);
		goto free_name;
	}
	for (k = 0; k < p->n_progs; k++)
		if (!strcmp(p->progs[k], slash + 1))
			break;
	if (k == p->n_progs)
		diag_error(pc->d, loc, "program \"%s\" is not in the programs of entry \"%s\"",
			   slash + 1, name);
	else
		*prog = (int)k;
free_name:
	free(name);
}
