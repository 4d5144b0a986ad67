// SPDX-License-Identifier: GPL-2.0-only
/* Live reader, iterators: the iter links pinned under ROOT/SCOPE/iterators/. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/fingerprint.h"
#include "kinds/iterator/iterator.h"
#include "live.h"
#include "core/paths.h"

/* 0, or -errno (with a message) when the pin cannot be read: fail closed. */
static int read_link(struct live *lv, struct live_iterator *li)
{
	struct bpf_link_info info;
	int fd, kind;

	li->pin_state = PIN_ABSENT;
	if (!lv->root_on_bpffs)
		return 0;
	fd = live_pin_open(li->pin);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	li->pin_state = PIN_OTHER;
	kind = live_pin_kind(fd, li->pin);
	if (kind == BPF_FD_LINK && !live_link_info(fd, &info) && info.type == BPF_LINK_TYPE_ITER) {
		li->pin_state = PIN_MAP;
		li->link_id = info.id;
		li->prog_id = info.prog_id;
	}
	close(fd);
	return kind < 0 ? kind : 0;
}

/* The id of the map pinned at path now; 0 when nothing is pinned there. */
static int pinned_map_id(const char *path, uint32_t *id)
{
	struct bpf_map_info info;
	int fd = live_pin_open(path), kind;

	*id = 0;
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	kind = live_pin_kind(fd, path);
	if (kind == BPF_FD_MAP && !live_map_info(fd, &info))
		*id = info.id;
	close(fd);
	return kind < 0 ? kind : 0;
}

static int add_iterator(struct live *lv, const char *name, const struct iterator_spec *it)
{
	struct live_iterator *v, *li;
	int err;

	if (live_find_iterator(lv, name))
		return 0;
	v = realloc(lv->iterators, (lv->n_iterators + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	lv->iterators = v;
	li = &v[lv->n_iterators++];
	memset(li, 0, sizeof(*li));
	li->name = strdup(name);
	li->pin = path_join3(lv->scope_dir, "iterators", name);
	if (!li->name || !li->pin)
		return -ENOMEM;
	err = read_link(lv, li);
	if (!err && it && it->param == ITER_PARAM_MAP && it->map.pinned)
		err = pinned_map_id(it->map.pinned, &li->param_map_id);
	return err;
}

int live_read_iterators(struct live *lv, const struct manifest *m)
{
	size_t i;
	int err;

	for (i = 0; m && i < m->n_iterators; i++) {
		err = add_iterator(lv, m->iterators[i].name, &m->iterators[i]);
		if (err)
			return err;
	}
	for (i = 0; i < lv->state.n; i++) {
		if (lv->state.res[i].kind != KIND_ITERATOR)
			continue;
		err = add_iterator(lv, lv->state.res[i].name, NULL);
		if (err)
			return err;
	}
	return 0;
}

void iterator_fingerprint_live(struct fp *f, const struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_iterators; i++) {
		fp_str(f, lv->iterators[i].name);
		fp_u32(f, lv->iterators[i].pin_state);
		fp_u32(f, lv->iterators[i].link_id);
		fp_u32(f, lv->iterators[i].param_map_id);
	}
}
