// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps, live half: open the pins under ROOT/SCOPE/maps/ and read their
 * attributes back with bpf_obj_get_info_by_fd; the entries the diff needs
 * are read by readback.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kinds/map/map.h"
#include "live.h"
#include "core/maptypes.h"
#include "core/fingerprint.h"
#include "core/nameidx.h"
#include "core/paths.h"
#include "core/progress.h"

static struct live_map *add_map(struct live *lv, const char *name)
{
	struct live_map *maps, *lm;

	lm = live_find_map(lv, name);
	if (lm)
		return lm;
	if (!lv->map_names)
		lv->map_names = calloc(1, sizeof(*lv->map_names)); /* NULL: linear look-ups */
	maps = realloc(lv->maps, (lv->n_maps + 1) * sizeof(*maps));
	if (!maps)
		return NULL;
	lv->maps = maps;
	lm = &maps[lv->n_maps];
	memset(lm, 0, sizeof(*lm));
	lm->fd = -1;
	lm->name = strdup(name);
	lm->pin = path_join3(lv->scope_dir, "maps", name);
	if (!lm->name || !lm->pin) {
		free(lm->name);
		free(lm->pin);
		return NULL;
	}
	lv->n_maps++;
	return lm;
}

static int open_map(struct live *lv, struct live_map *lm, const struct map_spec *ms)
{
	int fd, kind, err;

	if (!lv->root_on_bpffs)
		return 0;
	fd = live_pin_open(lm->pin);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	kind = live_pin_kind(fd, lm->pin);
	if (kind < 0) {
		close(fd);
		return kind;
	}
	if (kind != BPF_FD_MAP || live_map_info(fd, &lm->info)) {
		/* a program or link pinned where a map belongs: `show` names its id */
		lm->other_id = live_fd_id(fd);
		close(fd);
		lm->pin_state = PIN_OTHER;
		return 0;
	}
	lm->fd = fd;
	lm->pin_state = PIN_MAP;
	err = live_fd_frozen(fd, &lm->frozen);
	if (err) {
		err_msg("map '%s': cannot read /proc/self/fdinfo/%d: %s (bpfapply needs /proc to "
			"see whether a map is frozen)", lm->name, fd, strerror(-err));
		return err;
	}
	err = lv->no_entries ? 0 : map_read_contents(lv, lm, ms);
	if (err)
		err_msg("map '%s': cannot read entries: %s", lm->name, strerror(-err));
	return err;
}

int live_map_walk(int fd, uint32_t key_size, uint32_t vlen, live_kv_fn fn, void *ctx)
{
	uint8_t *cur, *next, *val;
	bool first = true;
	int err = 0;

	cur = calloc(2, key_size ? key_size : 1);
	val = calloc(1, vlen ? vlen : 1);
	if (!cur || !val) {
		err = -ENOMEM;
		goto free_bufs;
	}
	next = cur + key_size;
	while (!err) {
		if (bpf_map_get_next_key(fd, first ? NULL : cur, next)) {
			err = errno == ENOENT ? 0 : -errno;
			break;
		}
		first = false;
		memcpy(cur, next, key_size);
		if (bpf_map_lookup_elem(fd, cur, val)) {
			if (errno == EPERM)
				err = -EPERM; /* created wronly: user space cannot read it */
			continue; /* else gone meanwhile, or an empty slot */
		}
		err = fn(ctx, cur, val);
	}
free_bufs:
	free(cur);
	free(val);
	return err;
}

/* Every map the manifest declares, then those only the state record names. */
int live_read_maps(struct live *lv, const struct manifest *m)
{
	size_t i;
	int err;

	for (i = 0; m && i < m->n_maps; i++) {
		struct live_map *lm = add_map(lv, m->maps[i].name);

		progress("reading the live state of", "map", m->maps[i].name, i, m->n_maps);
		if (!lm)
			return -ENOMEM;
		err = open_map(lv, lm, &m->maps[i]);
		if (err)
			return err;
	}
	for (i = 0; i < lv->state.n; i++) {
		const struct state_res *r = &lv->state.res[i];
		struct live_map *lm;

		if (r->kind != KIND_MAP || live_find_map(lv, r->name))
			continue;
		lm = add_map(lv, r->name);
		if (!lm)
			return -ENOMEM;
		err = open_map(lv, lm, NULL);
		if (err)
			return err;
	}
	return 0;
}

void map_fingerprint_live(struct fp *f, const struct live *lv)
{
	size_t i, k;

	for (i = 0; i < lv->n_maps; i++) {
		const struct live_map *lm = &lv->maps[i];

		fp_str(f, lm->name);
		fp_u32(f, lm->pin_state);
		fp_u32(f, lm->info.id);
		fp_u32(f, lm->frozen);
		fp_u32(f, lm->contents_read);
		fp_u64(f, lm->n_kvs);
		for (k = 0; k < lm->n_kvs; k++) {
			fp_bytes(f, lm->kvs[k].key.data, lm->kvs[k].key.len);
			fp_bytes(f, lm->kvs[k].value.data, lm->kvs[k].value.len);
		}
	}
}
