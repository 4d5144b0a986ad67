// SPDX-License-Identifier: GPL-2.0-only
/*
 * Iterators, the kernel half: what `bpftool iter pin OBJ PATH [map MAP]`
 * does, with the task and cgroup parameters of the kernel's BPF iterators
 * as well.  The link is created from the (staged or live) program and
 * pinned under staging/iterators/ before it is moved into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "core/elf.h"
#include "exec.h"
#include "core/fault.h"
#include "kinds/iterator/iterator.h"
#include "kinds/map/map.h"
#include "kinds/program/program.h"
#include "core/paths.h"

/* Left out: descendants_pre, as documented; the kernel refuses ORDER_UNSPEC. */
int iterator_cgroup_order(const char *name)
{
	if (!name)
		return BPF_CGROUP_ITER_DESCENDANTS_PRE;
	if (!strcmp(name, "self_only"))
		return BPF_CGROUP_ITER_SELF_ONLY;
	if (!strcmp(name, "descendants_pre"))
		return BPF_CGROUP_ITER_DESCENDANTS_PRE;
	if (!strcmp(name, "descendants_post"))
		return BPF_CGROUP_ITER_DESCENDANTS_POST;
	return BPF_CGROUP_ITER_ANCESTORS_UP;
}

int iterator_link_info(const struct iterator_spec *it, int map_fd,
		       union bpf_iter_link_info *linfo, int *close_fd)
{
	*close_fd = -1;
	switch (it->param) {
	case ITER_PARAM_MAP:
		linfo->map.map_fd = (uint32_t)map_fd;
		*close_fd = map_fd;
		break;
	case ITER_PARAM_TASK:
		if (it->task_is_tid)
			linfo->task.tid = it->task_id;
		else
			linfo->task.pid = it->task_id;
		break;
	case ITER_PARAM_CGROUP:
		*close_fd = open(it->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*close_fd < 0)
			return -errno;
		linfo->cgroup.cgroup_fd = (uint32_t)*close_fd;
		linfo->cgroup.order = (uint32_t)iterator_cgroup_order(it->cgroup_order);
		break;
	case ITER_PARAM_NONE:
		break;
	}
	return 0;
}

/* Fill linfo for the parameter; *param_fd is an fd to close afterwards. */
static int fill_param(struct exec *x, const struct iterator_spec *it,
		      union bpf_iter_link_info *linfo, int *param_fd)
{
	int map_fd = -1;

	*param_fd = -1;
	if (it->param == ITER_PARAM_MAP) {
		map_fd = it->map.name ? dup(exec_map_fd(x, it->map.index))
				      : bpf_obj_get(it->map.pinned);
		if (map_fd < 0)
			return -errno;
	}
	return iterator_link_info(it, map_fd, linfo, param_fd);
}

static int create_link(struct exec *x, const struct iterator_spec *it, uint32_t *map_id)
{
	const struct program_spec *ps = &x->m->programs[it->prog_entry];
	union bpf_iter_link_info linfo;
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	struct bpf_map_info mi;
	int prog_fd, param_fd, link_fd, err;

	memset(&linfo, 0, sizeof(linfo));
	prog_fd = exec_prog_fd(x, it->prog_entry, program_name_at(ps, (size_t)it->prog_index));
	if (prog_fd < 0) {
		err_msg("iterator '%s': program %s is not loaded", it->name, it->program);
		return prog_fd;
	}
	err = fill_param(x, it, &linfo, &param_fd);
	if (err) {
		err_msg("iterator '%s': cannot open its parameter: %s", it->name, strerror(-err));
		close(prog_fd);
		return err;
	}
	if (it->param != ITER_PARAM_NONE) {
		opts.iter_info = &linfo;
		opts.iter_info_len = sizeof(linfo);
	}
	link_fd = bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, &opts);
	fault_point("link create");
	if (link_fd < 0)
		err_msg("iterator '%s': cannot create the link: %s", it->name, strerror(errno));
	else if (it->param == ITER_PARAM_MAP && !live_map_info(param_fd, &mi))
		*map_id = mi.id;
	err = link_fd < 0 ? -errno : link_fd;
	if (param_fd >= 0)
		close(param_fd);
	close(prog_fd);
	return err;
}

int iterator_stage(struct exec *x, struct change *c)
{
	const struct iterator_spec *it;
	struct bpf_link_info info;
	struct state_res *staged;
	char *dir, *pin = NULL;
	uint32_t map_id = 0;
	int fd, err;

	if (c->action != ACT_CREATE && c->action != ACT_REPLACE)
		return 0;
	it = &x->m->iterators[c->spec];
	dir = path_join(x->staging_dir, "iterators");
	err = dir ? mkdir_p(dir) : -ENOMEM;
	pin = dir ? path_join(dir, it->name) : NULL;
	staged = state_upsert(&x->staged, KIND_ITERATOR, it->name);
	if (err || !pin || !staged) {
		err = err ? err : -ENOMEM;
		goto free_paths;
	}
	fd = create_link(x, it, &map_id);
	if (fd < 0) {
		err = fd;
		goto free_paths;
	}
	err = exec_pin(fd, pin, c->address);
	if (!err && (err = live_link_info(fd, &info))) {
		err_msg("iterator '%s': cannot read its link: %s", it->name, strerror(-err));
	} else if (!err) {
		staged->id = info.id;
		if (map_id)
			err = state_res_add_sub(staged, SUB_MAP, "map", map_id);
	}
	close(fd);
free_paths:
	free(dir);
	free(pin);
	return err;
}

int iterator_commit(struct exec *x, struct change *c)
{
	if (c->action == ACT_DELETE)
		return c->foreign ? 0 : exec_unpin(c->address, c->pin);
	if (c->action != ACT_CREATE && c->action != ACT_REPLACE)
		return 0;
	return exec_move_into_place(x, c, "iterators");
}

int iterator_record(struct exec *x, struct change *c, struct state *next)
{
	const struct state_res *staged = state_find(&x->staged, KIND_ITERATOR, c->name);
	struct state_res *r;

	if (c->action == ACT_DELETE) {
		if (x->final)
			state_remove(next, KIND_ITERATOR, c->name);
		return 0;
	}
	r = state_upsert(next, KIND_ITERATOR, c->name);
	if (!r)
		return -ENOMEM;
	r->spec_fp = iterator_spec_fp(x->m, &x->m->iterators[c->spec]);
	if (!staged)
		return 0;
	r->id = staged->id;
	return state_res_copy_subs(r, staged);
}

static int iterator_prepare(struct exec *x)
{
	return exec_mkdir(x->scope_dir, "iterators");
}

const struct kind_kernel_ops kind_iterator_kernel = {
	.read_live = live_read_iterators,
	.fingerprint_live = iterator_fingerprint_live,
	.probe = iterator_probe,
	.features_key = "iterators",
	.features_title = "Iterator targets (SEC(\"iter/TARGET\"))",
	.features = iterator_features,
	.prepare = iterator_prepare,
	.stage = iterator_stage,
	.commit = iterator_commit,
	.record = iterator_record,
};
