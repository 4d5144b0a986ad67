// SPDX-License-Identifier: GPL-2.0-only
/*
 * Program entries, the kernel half: what `bpftool prog loadall OBJ DIR
 * [type T] [map name X pinned Y] [pinmaps DIR]` does.  The object is loaded
 * (the verifier runs) and pinned under staging/programs/ENTRY/; the commit
 * swaps the whole entry directory into place with RENAME_EXCHANGE, so
 * readers see either all the old programs or all the new ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/elf.h"
#include "exec.h"
#include "core/fault.h"
#include "kinds/map/map.h"
#include "kinds/program/program.h"
#include "core/paths.h"
#include "core/probe.h"

#define LOG_TAIL_LINES 20

/* ---- libbpf's messages: captured during a load, shown on failure --------- */

static FILE *log_capture;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && g_debug < 2)
		return 0;
	if (log_capture)
		return vfprintf(log_capture, fmt, ap);
	if (g_debug)
		vlog_msg(fmt, ap);
	return 0;
}

/*
 * libbpf's "try raising 'ulimit -l'" for any EPERM is wrong since 5.11 (BPF
 * memory is charged to the memory cgroup): drop it, bpfapply says why.
 */
static void drop_ulimit_hint(char *log, size_t *len)
{
	char *hint, *bol, *eol;

	while (log && (hint = strstr(log, "ulimit -l"))) {
		for (bol = hint; bol > log && bol[-1] != '\n'; bol--)
			;
		eol = strchr(hint, '\n');
		eol = eol ? eol + 1 : log + *len;
		memmove(bol, eol, (size_t)(log + *len - eol) + 1);
		*len -= (size_t)(eol - bol);
	}
}

/* Print the last lines of a captured log (all of it with -d). */
static void print_log_tail(char *log, size_t len)
{
	size_t start = 0, i;
	int lines = 0;

	drop_ulimit_hint(log, &len);
	if (!log || !len)
		return;
	if (!g_debug) {
		for (i = len; i > 0; i--) {
			if (log[i - 1] == '\n' && ++lines > LOG_TAIL_LINES) {
				start = i;
				break;
			}
		}
	}
	if (start)
		log_msg("... (%s: whole log with -d)", "verifier log tail");
	log_msg("%.*s", (int)(len - start), log + start);
}

/* ---- staging one entry -------------------------------------------------------- */

static char *sanitize(const char *name)
{
	char *s = strdup(name), *p;

	for (p = s; p && *p; p++)
		if (*p == '.')
			*p = '_';
	return s;
}

static bool selected(const struct program_spec *ps, const char *name)
{
	size_t i;

	if (!ps->n_progs)
		return true;
	for (i = 0; i < ps->n_progs; i++)
		if (!strcmp(ps->progs[i], name))
			return true;
	return false;
}

static int configure(const struct program_spec *ps, struct bpf_object *obj)
{
	enum bpf_attach_type at = 0;
	enum bpf_prog_type pt = 0;
	struct bpf_program *p;

	if (ps->type && libbpf_prog_type_by_name(ps->type, &pt, &at))
		return -EINVAL;
	bpf_object__for_each_program(p, obj) {
		bpf_program__set_autoload(p, selected(ps, bpf_program__name(p)));
		if (ps->type) {
			bpf_program__set_type(p, pt);
			bpf_program__set_expected_attach_type(p, at);
		}
	}
	return 0;
}

/* Reuse manifest maps and outside pins; note the outside maps' ids. */
static int bind_maps(struct exec *x, const struct program_spec *ps, struct bpf_object *obj,
		     struct state_res *staged)
{
	size_t i;
	int err = 0;

	for (i = 0; i < ps->n_maps && !err; i++) {
		const struct map_binding *b = &ps->maps[i];
		struct bpf_map *map = bpf_object__find_map_by_name(obj, b->elf_name);
		struct bpf_map_info info;
		int fd;

		if (!map) {
			err = -ENOENT; /* manifest_check_objects saw it: the object changed since */
			err_msg("program entry '%s': map '%s' is not in %s", ps->name, b->elf_name,
				ps->object);
			break;
		}
		fd = b->target.index >= 0 ? dup(exec_map_fd(x, b->target.index))
					  : bpf_obj_get(b->target.pinned);
		if (fd < 0) {
			err = -errno;
			err_msg("program entry '%s': map '%s': cannot open %s: %s", ps->name,
				b->elf_name, b->target.name ? b->target.name : b->target.pinned,
				strerror(errno));
			break;
		}
		if (bpf_map__reuse_fd(map, fd))
			err = -errno;
		else if (!b->target.name && !live_map_info(fd, &info))
			err = state_res_add_sub(staged, SUB_PINNED, b->elf_name, info.id);
		if (err)
			err_msg("program entry '%s': map '%s': cannot reuse it: %s", ps->name,
				b->elf_name, strerror(-err));
		close(fd);
	}
	return err;
}

static int set_globals(const struct program_spec *ps, struct bpf_object *obj)
{
	size_t i, size;
	char why[128];

	for (i = 0; i < ps->n_globals; i++) {
		const struct elf_var *v = elf_find_var(ps->elf, ps->globals[i].name);
		struct bpf_map *map = v ? bpf_object__find_map_by_name(obj, v->section) : NULL;
		uint8_t *data = map ? (uint8_t *)bpf_map__initial_value(map, &size) : NULL;

		if (!data || v->offset + v->size > size)
			return -ENOENT;
		if (global_encode(&ps->globals[i], v, data + v->offset, why, sizeof(why)))
			return -ERANGE;
	}
	return 0;
}

/*
 * After a failed load: for each program whose type this kernel refuses, or
 * that needs a capability bpfapply lacks, say so by name.  Returns whether
 * anything was explained.
 */
static bool explain_load(const struct program_spec *ps, struct bpf_object *obj, int err)
{
	unsigned caps = probe_caps();
	struct bpf_program *p;
	bool said = false;

	bpf_object__for_each_program(p, obj) {
		struct probe_prog pp = {
			.type = bpf_program__type(p),
			.attach = bpf_program__expected_attach_type(p),
			.section = bpf_program__section_name(p),
		};
		const char *why = NULL;
		enum probe_answer a;
		char text[320];
		int perr;

		if (!bpf_program__autoload(p))
			continue;
		a = probe_prog(&pp, &perr, &why);
		if (a == PROBE_NO)
			err = perr;
		if (!probe_explain_prog(&pp, err, caps, a, why, text, sizeof(text)))
			continue;
		err_msg("%s: program entry '%s': program '%s' (%s, %s): %s",
			loc_str(&ps->object_loc), ps->name, bpf_program__name(p),
			probe_prog_type_name(pp.type), pp.section ? pp.section : "?", text);
		said = true;
	}
	return said;
}

static int load(const struct program_spec *ps, struct bpf_object *obj)
{
	char *log = NULL;
	size_t len = 0;
	int err;

	log_capture = open_memstream(&log, &len);
	err = bpf_object__load(obj);
	fault_point("program load");
	if (log_capture)
		fclose(log_capture);
	log_capture = NULL;
	if (err && !explain_load(ps, obj, -err)) {
		err_msg("%s: program entry '%s': loading %s failed: %s", loc_str(&ps->object_loc),
			ps->name, ps->object, strerror(-err));
		print_log_tail(log, len);
	} else if (err && g_debug) {
		print_log_tail(log, len);
	}
	free(log);
	return err;
}

static int pin_one(int fd, const char *path, const char *what, const char *name,
		   uint32_t *id, bool prog)
{
	struct bpf_prog_info pi;
	struct bpf_map_info mi;
	char label[128];
	int err;

	*id = 0;
	snprintf(label, sizeof(label), "%s '%s'", what, name);
	err = exec_pin(fd, path, label);
	if (err)
		return err;
	err = prog ? live_prog_info(fd, &pi) : live_map_info(fd, &mi);
	if (!err)
		*id = prog ? pi.id : mi.id;
	return err;
}

static bool reused(const struct program_spec *ps, const char *elf_name)
{
	size_t i;

	for (i = 0; i < ps->n_maps; i++)
		if (!strcmp(ps->maps[i].elf_name, elf_name))
			return true;
	return false;
}

static int pin_all(const struct program_spec *ps, struct bpf_object *obj, const char *dir,
		   struct state_res *staged)
{
	struct bpf_program *p;
	struct bpf_map *map;
	char *path, *name;
	uint32_t id;
	size_t i;
	int err = 0;

	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__autoload(p))
			continue;
		path = path_join(dir, bpf_program__name(p));
		err = path ? pin_one(bpf_program__fd(p), path, "program", bpf_program__name(p),
				     &id, true)
			   : -ENOMEM;
		free(path);
		if (!err)
			err = state_res_add_sub(staged, SUB_PROG, bpf_program__name(p), id);
		if (err)
			return err;
	}
	/* same bytes, same order: the i-th map is the ELF's i-th (reuse renames it) */
	i = 0;
	bpf_object__for_each_map(map, obj) {
		const char *elf_name = i < ps->elf->n_maps ? ps->elf->maps[i].name : NULL;

		i++;
		if (!elf_name || reused(ps, elf_name) || bpf_map__fd(map) < 0)
			continue;
		name = sanitize(elf_name);
		path = name ? path_join3(dir, "maps", name) : NULL;
		err = path ? pin_one(bpf_map__fd(map), path, "map", name, &id, false) : -ENOMEM;
		if (!err)
			err = state_res_add_sub(staged, SUB_MAP, name, id);
		free(path);
		free(name);
		if (err)
			return err;
	}
	return 0;
}

int program_stage(struct exec *x, struct change *c)
{
	const struct program_spec *ps;
	struct state_res *staged;
	struct bpf_object *obj;
	char *dir = NULL, *maps = NULL;
	int err;

	if (c->action != ACT_CREATE && c->action != ACT_REPLACE)
		return 0;
	ps = &x->m->programs[c->spec];
	staged = state_upsert(&x->staged, KIND_PROGRAM, ps->name);
	dir = path_join3(x->staging_dir, "programs", ps->name);
	maps = dir ? path_join(dir, "maps") : NULL;
	if (!staged || !maps)
		return free(dir), -ENOMEM;
	err = mkdir_p(maps);
	if (err) {
		err_msg("cannot create %s: %s", maps, strerror(-err));
		goto free_paths;
	}
	libbpf_set_print(libbpf_print);
	obj = elf_open_object(ps->elf, ps->object_path);
	if (!obj) {
		err = -errno;
		err_msg("program entry '%s': cannot open %s: %s", ps->name, ps->object,
			strerror(errno));
		goto free_paths;
	}
	err = configure(ps, obj);
	if (!err)
		err = bind_maps(x, ps, obj, staged);
	if (!err && (err = set_globals(ps, obj)))
		err_msg("program entry '%s': cannot set globals: %s", ps->name, strerror(-err));
	if (!err)
		err = load(ps, obj);
	if (!err)
		err = pin_all(ps, obj, dir, staged);
	bpf_object__close(obj);
free_paths:
	free(dir);
	free(maps);
	return err;
}

/* ---- commit, delete, record ------------------------------------------------------ */

/*
 * Unpin exactly what the state record says this entry created: the names it
 * lists, holding the recorded ids -- or, while an apply is unfinished
 * (pending), holding the objects it may have been replacing.
 */
static int unpin_recorded(const struct change *c, bool pending)
{
	char *maps = path_join(c->pin, "maps");
	int err = 0, e;
	size_t i;

	for (i = 0; c->prior && i < c->prior->n_subs; i++) {
		const struct state_sub *s = &c->prior->subs[i];
		char *path = NULL;
		struct bpf_prog_info pi;
		struct bpf_map_info mi;
		bool ours = false;
		int fd;

		if (s->kind == SUB_PROG)
			path = path_join(c->pin, s->name);
		else if (s->kind == SUB_MAP && maps)
			path = path_join(maps, s->name);
		fd = path ? bpf_obj_get(path) : -1;
		if (fd >= 0 && s->kind == SUB_PROG && live_fd_kind(fd) == BPF_FD_PROG)
			ours = !live_prog_info(fd, &pi) && (pi.id == s->id || pending);
		else if (fd >= 0 && s->kind == SUB_MAP && live_fd_kind(fd) == BPF_FD_MAP)
			ours = !live_map_info(fd, &mi) && (mi.id == s->id || pending);
		if (fd >= 0)
			close(fd);
		/* every pin is tried; the first failure is the result */
		if (ours && (e = exec_unpin(c->address, path)) && !err)
			err = e;
		free(path);
	}
	if (maps)
		rmdir(maps);
	rmdir(c->pin);
	free(maps);
	return err;
}

int program_commit(struct exec *x, struct change *c)
{
	switch (c->action) {
	case ACT_CREATE:
	case ACT_REPLACE:
		return exec_move_into_place(x, c, "programs");
	case ACT_DELETE:
		return unpin_recorded(c, x->lv->state.pending);
	case ACT_UPDATE:
	case ACT_NOOP:
		break;
	}
	return 0;
}

int program_record(struct exec *x, struct change *c, struct state *next)
{
	const struct program_spec *ps = c->spec >= 0 ? &x->m->programs[c->spec] : NULL;
	const struct state_res *staged;
	struct state_res *r;

	if (c->action == ACT_DELETE) {
		if (x->final)
			state_remove(next, KIND_PROGRAM, c->name);
		return 0;
	}
	r = state_upsert(next, KIND_PROGRAM, c->name);
	if (!r || !ps)
		return -ENOMEM;
	r->spec_fp = program_params_fp(ps);
	r->entries_fp = ps->elf->fp; /* for programs: the ELF object's fingerprint */
	/* an entry no committed record named: only the staged ids prove its pins ours */
	if (!x->final && (!c->prior || (c->prior->flags & STATE_F_INTENT_NEW)))
		r->flags |= STATE_F_INTENT_NEW;
	staged = state_find(&x->staged, KIND_PROGRAM, c->name);
	return staged ? state_res_copy_subs(r, staged) : 0;
}

static int program_prepare(struct exec *x)
{
	return exec_mkdir(x->scope_dir, "programs");
}

const struct kind_kernel_ops kind_program_kernel = {
	.read_live = live_read_programs,
	.fingerprint_live = program_fingerprint_live,
	.probe = program_probe,
	.features_key = "program_types",
	.features_title = "Program types (by section)",
	.features = program_features,
	.prepare = program_prepare,
	.stage = program_stage,
	.commit = program_commit,
	.record = program_record,
};

/* A new fd (close it) for program prog of entry m->programs[entry]: the
 * staged one when the entry is (re)loaded, else the live one; -errno. */
int exec_prog_fd(const struct exec *x, int entry, const char *prog)
{
	const char *name = x->m->programs[entry].name;
	const struct change *c = plan_find(x->p, KIND_PROGRAM, name);
	const struct state_res *r = state_find(&x->staged, KIND_PROGRAM, name);
	const struct live_program *lp = live_find_program(x->lv, name);
	const struct live_pin *pin;
	struct bpf_prog_info pi;
	char *path = NULL;
	uint32_t id = 0;
	size_t i;
	int fd;

	if (c && (c->action == ACT_CREATE || c->action == ACT_REPLACE)) {
		for (i = 0; r && i < r->n_subs; i++)
			if (r->subs[i].kind == SUB_PROG && !strcmp(r->subs[i].name, prog))
				id = r->subs[i].id;
		path = path_join(x->staging_dir, "programs");
		if (path) {
			char *dir = path;

			path = path_join3(dir, name, prog);
			free(dir);
		}
	} else if (lp && (pin = live_pin_find(lp->progs, lp->n_progs, prog))) {
		id = pin->id;
		path = strdup(pin->path);
	}
	if (!id || !path)
		return free(path), id ? -ENOMEM : -ENOENT;
	fd = bpf_obj_get(path);
	free(path);
	if (fd < 0)
		return -errno;
	if (live_fd_kind(fd) != BPF_FD_PROG || live_prog_info(fd, &pi) || pi.id != id) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}
