// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live reader, programs: the pins of each program entry that the state
 * record names, whether anything else is pinned in the entry's directory,
 * and the current ids of the outside maps the manifest binds.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/fingerprint.h"
#include "kinds/program/program.h"
#include "live.h"
#include "core/paths.h"

static int pin_push(struct live_pin **pins, size_t *n, const char *name, const char *path)
{
	struct live_pin *v = realloc(*pins, (*n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	*pins = v;
	v = &v[(*n)++];
	memset(v, 0, sizeof(*v));
	v->name = strdup(name);
	v->path = strdup(path);
	return v->name && v->path ? 0 : -ENOMEM;
}

/* Open path and note the id if it holds the expected kind of object.
 * 0, or -errno (with a message) when the pin cannot be read: fail closed. */
static int pin_read(struct live_pin *p, bool want_prog)
{
	struct bpf_prog_info pi;
	struct bpf_map_info mi;
	int fd = live_pin_open(p->path), kind;

	p->pin_state = PIN_ABSENT;
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	kind = live_pin_kind(fd, p->path);
	p->pin_state = PIN_OTHER;
	if (want_prog && kind == BPF_FD_PROG && !live_prog_info(fd, &pi)) {
		p->pin_state = PIN_MAP;
		p->id = pi.id;
	} else if (!want_prog && kind == BPF_FD_MAP && !live_map_info(fd, &mi)) {
		p->pin_state = PIN_MAP;
		p->id = mi.id;
	}
	close(fd);
	return kind < 0 ? kind : 0;
}

/* 1 if anything is pinned below dir, 0 if not, -errno if it cannot be read. */
static int dir_has_pins(const char *dir)
{
	struct dirent *de;
	int found = 0;
	DIR *d = opendir(dir);

	if (!d) {
		if (errno == ENOENT)
			return 0;
		found = -errno;
		err_msg("cannot read %s: %s", dir, strerror(-found));
		return found;
	}
	while (!found && (de = readdir(d))) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (de->d_type != DT_DIR)
			return closedir(d), 1;
		sub = path_join(dir, de->d_name);
		found = sub ? dir_has_pins(sub) : -ENOMEM;
		free(sub);
	}
	closedir(d);
	return found;
}

static int read_recorded(struct live_program *lp, const struct state_res *r)
{
	size_t i;
	int err = 0;

	for (i = 0; r && i < r->n_subs && !err; i++) {
		const struct state_sub *s = &r->subs[i];
		char *path;

		if (s->kind == SUB_PROG) {
			path = path_join(lp->dir, s->name);
			err = path ? pin_push(&lp->progs, &lp->n_progs, s->name, path) : -ENOMEM;
			if (!err)
				err = pin_read(&lp->progs[lp->n_progs - 1], true);
		} else if (s->kind == SUB_MAP) {
			path = path_join3(lp->dir, "maps", s->name);
			err = path ? pin_push(&lp->maps, &lp->n_maps, s->name, path) : -ENOMEM;
			if (!err)
				err = pin_read(&lp->maps[lp->n_maps - 1], false);
		} else {
			continue;
		}
		free(path);
	}
	return err;
}

static int read_bound(struct live_program *lp, const struct program_spec *ps)
{
	size_t i;
	int err;

	for (i = 0; ps && i < ps->n_maps; i++) {
		if (!ps->maps[i].target.pinned)
			continue;
		err = pin_push(&lp->bound, &lp->n_bound, ps->maps[i].elf_name,
			       ps->maps[i].target.pinned);
		if (!err)
			err = pin_read(&lp->bound[lp->n_bound - 1], false);
		if (err)
			return err;
	}
	return 0;
}

static bool recorded(const struct state_res *r, uint8_t kind, const char *name)
{
	size_t i;

	for (i = 0; r && i < r->n_subs; i++)
		if (r->subs[i].kind == kind && !strcmp(r->subs[i].name, name))
			return true;
	return false;
}

/*
 * The first pin below an entry's directory that its record does not name:
 * a reload swaps the whole directory, and must not take it away.
 */
static char *find_unrecorded(const char *dir, const struct state_res *r, bool in_maps)
{
	struct dirent *de;
	char *found = NULL;
	DIR *d = opendir(dir);

	if (!d)
		return NULL;
	while (!found && (de = readdir(d))) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = path_join(dir, de->d_name);
		if (!sub)
			break;
		if (de->d_type == DT_DIR && !in_maps && !strcmp(de->d_name, "maps"))
			found = find_unrecorded(sub, r, true);
		else if (de->d_type == DT_DIR ||
			 !recorded(r, in_maps ? SUB_MAP : SUB_PROG, de->d_name))
			found = strdup(sub);
		free(sub);
	}
	closedir(d);
	return found;
}

static int add_program(struct live *lv, const char *name, const struct program_spec *ps)
{
	const struct state_res *r;
	struct live_program *v, *lp;
	int err;

	if (live_find_program(lv, name))
		return 0;
	v = realloc(lv->programs, (lv->n_programs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	lv->programs = v;
	lp = &v[lv->n_programs++];
	memset(lp, 0, sizeof(*lp));
	lp->name = strdup(name);
	lp->dir = path_join3(lv->scope_dir, "programs", name);
	if (!lp->name || !lp->dir)
		return -ENOMEM;
	if (lv->root_on_bpffs) {
		lp->dir_exists = access(lp->dir, F_OK) == 0;
		err = lp->dir_exists ? dir_has_pins(lp->dir) : 0;
		if (err < 0)
			return err;
		lp->has_pins = err > 0;
	}
	r = state_find(&lv->state, KIND_PROGRAM, name);
	err = read_recorded(lp, r);
	if (err)
		return err;
	if (r && lp->has_pins)
		lp->unrecorded = find_unrecorded(lp->dir, r, false);
	return read_bound(lp, ps);
}

int live_read_programs(struct live *lv, const struct manifest *m)
{
	size_t i;
	int err;

	for (i = 0; m && i < m->n_programs; i++) {
		err = add_program(lv, m->programs[i].name, &m->programs[i]);
		if (err)
			return err;
	}
	for (i = 0; i < lv->state.n; i++) {
		if (lv->state.res[i].kind != KIND_PROGRAM)
			continue;
		err = add_program(lv, lv->state.res[i].name, NULL);
		if (err)
			return err;
	}
	return 0;
}

static void fp_pins(struct fp *f, const struct live_pin *pins, size_t n)
{
	size_t i;

	fp_u64(f, n);
	for (i = 0; i < n; i++) {
		fp_str(f, pins[i].name);
		fp_u32(f, pins[i].pin_state);
		fp_u32(f, pins[i].id);
	}
}

void program_fingerprint_live(struct fp *f, const struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_programs; i++) {
		const struct live_program *lp = &lv->programs[i];

		fp_str(f, lp->name);
		fp_u32(f, lp->dir_exists);
		fp_u32(f, lp->has_pins);
		fp_pins(f, lp->progs, lp->n_progs);
		fp_pins(f, lp->maps, lp->n_maps);
		fp_pins(f, lp->bound, lp->n_bound);
	}
}
