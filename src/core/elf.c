// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF inspection with libbpf's bpf_object__open_mem(): parses sections,
 * maps and BTF without touching the kernel, so `validate` needs no root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/elf.h"
#include "core/fingerprint.h"
#include "core/readfile.h"

static int add_vars(struct elf_info *e, const struct btf *btf, const struct btf_type *sec)
{
	const char *secname = btf__name_by_offset(btf, sec->name_off);
	const struct btf_var_secinfo *vs = btf_var_secinfos(sec);
	unsigned i, n = btf_vlen(sec);

	if (!secname || (strncmp(secname, ".rodata", 7) && strncmp(secname, ".data", 5) &&
			 strncmp(secname, ".bss", 4)))
		return 0;
	for (i = 0; i < n; i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		struct elf_var *vars, *v;

		if (!var || !btf_is_var(var))
			continue;
		vars = realloc(e->vars, (e->n_vars + 1) * sizeof(*vars));
		if (!vars)
			return -ENOMEM;
		e->vars = vars;
		v = &vars[e->n_vars++];
		v->name = strdup(btf__name_by_offset(btf, var->name_off));
		v->section = strdup(secname);
		v->offset = vs->offset;
		v->size = vs->size;
		if (!v->name || !v->section)
			return -ENOMEM;
	}
	return 0;
}

/*
 * A map definition in .maps that has a `values` member initialises slots
 * (prog_array, map-in-map): libbpf writes them into whatever map it uses,
 * a reused one included, before the programs are even verified.
 */
static void mark_init_values(struct elf_info *e, const struct btf *btf, const struct btf_type *sec)
{
	const struct btf_var_secinfo *vs = btf_var_secinfos(sec);
	unsigned i, k;

	for (i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);
		const struct btf_type *def = var ? btf__type_by_id(btf, var->type) : NULL;
		const char *name = var ? btf__name_by_offset(btf, var->name_off) : NULL;
		const struct btf_member *mb;

		if (!def || !name || !btf_is_struct(def))
			continue;
		mb = btf_members(def);
		for (k = 0; k < btf_vlen(def); k++, mb++) {
			const char *mname = btf__name_by_offset(btf, mb->name_off);
			struct elf_map *em = (struct elf_map *)elf_find_map(e, name);

			if (mname && !strcmp(mname, "values") && em)
				em->init_values = true;
		}
	}
}

static int collect(struct elf_info *e, struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_program *p;
	struct bpf_map *m;
	unsigned i;
	int err = 0;

	bpf_object__for_each_program(p, obj) {
		struct elf_prog *v = realloc(e->progs, (e->n_progs + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->progs = v;
		v = &v[e->n_progs++];
		memset(v, 0, sizeof(*v));
		v->name = strdup(bpf_program__name(p));
		v->section = strdup(bpf_program__section_name(p));
		v->type = bpf_program__type(p);
		if (!v->name || !v->section)
			return -ENOMEM;
	}
	bpf_object__for_each_map(m, obj) {
		struct elf_map *v = realloc(e->maps, (e->n_maps + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->maps = v;
		v = &v[e->n_maps++];
		memset(v, 0, sizeof(*v));
		v->name = strdup(bpf_map__name(m));
		v->type = bpf_map__type(m);
		v->key_size = bpf_map__key_size(m);
		v->value_size = bpf_map__value_size(m);
		v->max_entries = bpf_map__max_entries(m);
		v->flags = bpf_map__map_flags(m);
		v->internal = bpf_map__is_internal(m);
		if (!v->name)
			return -ENOMEM;
	}
	for (i = 1; btf && i < btf__type_cnt(btf) && !err; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);

		if (!btf_is_datasec(t))
			continue;
		if (!strcmp(btf__name_by_offset(btf, t->name_off), ".maps"))
			mark_init_values(e, btf, t);
		else
			err = add_vars(e, btf, t);
	}
	return err;
}

static int silent_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || !g_debug)
		return 0;
	vlog_msg(fmt, ap);
	return 0;
}

struct bpf_object *elf_open_object(const struct elf_info *e, const char *path)
{
	const char *base = strrchr(path, '/');
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	char name[64], *dot;

	/* the object name libbpf would derive from the path, so map names match */
	snprintf(name, sizeof(name), "%s", base ? base + 1 : path);
	dot = strchr(name, '.');
	if (dot)
		*dot = '\0';
	opts.object_name = name;
	return bpf_object__open_mem(e->image, e->image_len, &opts);
}

int elf_inspect(const char *path, struct elf_info **out, char *err, size_t errlen)
{
	struct elf_info *e = calloc(1, sizeof(*e));
	libbpf_print_fn_t old;
	struct bpf_object *obj;
	int rc;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	rc = readfile(path, ELF_MAX_BYTES, (char **)&e->image, &e->image_len);
	if (rc) {
		snprintf(err, errlen, "cannot read %s: %s", path, readfile_strerror(rc, ELF_MAX_BYTES));
		goto free_info;
	}
	e->fp = fp_buf(e->image, e->image_len);
	old = libbpf_set_print(silent_print);
	obj = elf_open_object(e, path);
	libbpf_set_print(old);
	if (!obj) {
		char why[128];

		/* libbpf reports its own codes (-LIBBPF_ERRNO__FORMAT...) besides errnos */
		rc = -errno;
		libbpf_strerror(rc, why, sizeof(why));
		snprintf(err, errlen, "%s is not a BPF object libbpf can open: %s", path, why);
		rc = -EINVAL;
		goto free_info;
	}
	rc = collect(e, obj);
	bpf_object__close(obj);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto free_info;
	}
	*out = e;
	return 0;
free_info:
	elf_info_free(e);
	return rc;
}

void elf_info_free(struct elf_info *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < e->n_progs; i++) {
		free(e->progs[i].name);
		free(e->progs[i].section);
	}
	for (i = 0; i < e->n_maps; i++)
		free(e->maps[i].name);
	for (i = 0; i < e->n_vars; i++) {
		free(e->vars[i].name);
		free(e->vars[i].section);
	}
	free(e->progs);
	free(e->maps);
	free(e->vars);
	free(e->image);
	free(e);
}

const struct elf_prog *elf_find_prog(const struct elf_info *e, const char *name)
{
	size_t i;

	for (i = 0; e && i < e->n_progs; i++)
		if (!strcmp(e->progs[i].name, name))
			return &e->progs[i];
	return NULL;
}

const struct elf_map *elf_find_map(const struct elf_info *e, const char *name)
{
	size_t i;

	for (i = 0; e && i < e->n_maps; i++)
		if (!strcmp(e->maps[i].name, name))
			return &e->maps[i];
	return NULL;
}

const struct elf_var *elf_find_var(const struct elf_info *e, const char *name)
{
	size_t i;

	for (i = 0; e && i < e->n_vars; i++)
		if (!strcmp(e->vars[i].name, name))
			return &e->vars[i];
	return NULL;
}

int global_encode(const struct global_var *g, const struct elf_var *var, uint8_t *out,
		  char *err, size_t errlen)
{
	struct bytes b = { 0 };
	int rc;

	memset(out, 0, var->size);
	if (g->is_int) {
		if (var->size > 8) {
			snprintf(err, errlen, "%s is %u bytes: give its value as bytes, not an integer",
				 g->name, var->size);
			return -EINVAL;
		}
		rc = bytes_from_int(g->int_text, var->size, &b);
		if (rc) {
			snprintf(err, errlen, "%s does not fit in %u byte%s (%s)", g->int_text,
				 var->size, var->size == 1 ? "" : "s", g->name);
			return rc;
		}
	} else if (g->data.len > var->size) {
		snprintf(err, errlen, "%u bytes do not fit in %s (%u byte%s)", g->data.len, g->name,
			 var->size, var->size == 1 ? "" : "s");
		return -ERANGE;
	}
	if (g->is_int)
		memcpy(out, b.data, b.len);
	else if (g->data.len)
		memcpy(out, g->data.data, g->data.len);
	bytes_free(&b);
	return 0;
}
