// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live reader, links: the links pinned under ROOT/SCOPE/links/, the hook
 * each declared link names as it is now (interface index, cgroup id), and
 * for XDP who holds the interface's hook.  It only looks.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/fingerprint.h"
#include "kinds/link/link.h"
#include "core/paths.h"

/* Link types bpfapply attaches with; anything else at the pin is not ours. */
static bool hook_link_type(uint32_t type)
{
	return type == BPF_LINK_TYPE_XDP || type == BPF_LINK_TYPE_CGROUP || type == LINK_TYPE_TCX;
}

static void fill_from_info(struct live_link *ll, const struct bpf_link_info *info)
{
	const uint32_t *u = (const uint32_t *)&info->raw_tracepoint;

	ll->link_id = info->id;
	ll->link_type = info->type;
	ll->prog_id = info->prog_id;
	if (info->type == BPF_LINK_TYPE_CGROUP) {
		ll->cgroup_id = info->cgroup.cgroup_id;
		ll->attach_type = info->cgroup.attach_type;
	} else {
		/* xdp: {ifindex}; tcx: {ifindex, attach_type}, newer than our headers */
		ll->ifindex = u[0];
		ll->attach_type = info->type == LINK_TYPE_TCX ? u[1] : BPF_XDP;
	}
}

static void read_pin(struct live *lv, struct live_link *ll)
{
	struct bpf_link_info info;
	int fd;

	ll->pin_state = PIN_ABSENT;
	if (!lv->root_on_bpffs)
		return;
	fd = bpf_obj_get(ll->pin);
	if (fd < 0)
		return;
	ll->pin_state = PIN_OTHER;
	if (live_fd_kind(fd) == BPF_FD_LINK && !live_link_info(fd, &info) &&
	    hook_link_type(info.type)) {
		ll->pin_state = PIN_MAP;
		fill_from_info(ll, &info);
	}
	close(fd);
}

int link_cgroup_id(const char *path, uint64_t *id)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	int mount_id;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = sizeof(h.id);
	/* a cgroup's file handle is its 64-bit kernfs id, the id bpf reports */
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0))
		return -errno;
	memcpy(id, h.fh.f_handle, sizeof(*id));
	return 0;
}

static void read_target(struct live_link *ll, const struct link_spec *ls)
{
	unsigned idx;

	ll->target_read = true;
	if (ls->hook == HOOK_CGROUP) {
		ll->target_err = ls->cgroup_path ? link_cgroup_id(ls->cgroup_path, &ll->target_id)
						 : -EINVAL;
		return;
	}
	idx = ls->interface ? if_nametoindex(ls->interface) : 0;
	ll->target_err = idx ? 0 : -ENODEV;
	ll->target_id = idx;
}

/* Ids of every link pinned in ROOT/SCOPE/staging/links: an interrupted run's,
 * which the next apply detaches before it attaches anything. */
static bool staged_link(const struct live *lv, uint32_t id)
{
	char *dir = path_join3(lv->scope_dir, "staging", "links");
	struct bpf_link_info info;
	struct dirent *de;
	bool found = false;
	DIR *d;

	d = dir ? opendir(dir) : NULL;
	while (d && !found && (de = readdir(d))) {
		char *p = de->d_name[0] == '.' ? NULL : path_join(dir, de->d_name);
		int fd = p ? bpf_obj_get(p) : -1;

		if (fd >= 0 && live_fd_kind(fd) == BPF_FD_LINK && !live_link_info(fd, &info))
			found = info.id == id;
		if (fd >= 0)
			close(fd);
		free(p);
	}
	if (d)
		closedir(d);
	free(dir);
	return found;
}

static bool recorded_link(const struct live *lv, uint32_t id)
{
	size_t i;

	for (i = 0; i < lv->state.n; i++)
		if (lv->state.res[i].kind == KIND_LINK && lv->state.res[i].id == id)
			return true;
	return false;
}

/* The XDP link on ifindex, if the program there came with one. */
static uint32_t xdp_link_on(uint32_t ifindex)
{
	struct bpf_link_info info;
	uint32_t id = 0, found = 0;
	int fd;

	while (!found && !bpf_link_get_next_id(id, &id)) {
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0)
			continue;
		if (!live_link_info(fd, &info) && info.type == BPF_LINK_TYPE_XDP &&
		    ((const uint32_t *)&info.raw_tracepoint)[0] == ifindex)
			found = info.id;
		close(fd);
	}
	return found;
}

static void holder_name(struct live_link *ll)
{
	struct bpf_prog_info pi;
	int fd = bpf_prog_get_fd_by_id(ll->holder_prog_id);

	if (fd < 0)
		return;
	if (!live_prog_info(fd, &pi))
		memcpy(ll->holder_prog_name, pi.name, sizeof(ll->holder_prog_name) - 1);
	close(fd);
}

/*
 * A cgroup hook takes a link only when whatever is attached there already
 * allows others (BPF_F_ALLOW_MULTI, which links always have): a program
 * attached without it, by someone else, holds the hook.
 */
static void read_cgroup_holder(struct live_link *ll, const struct link_spec *ls)
{
	uint32_t flags = 0, ids[1] = { 0 }, cnt = 1;
	int fd;

	if (!ls->cg)
		return;
	fd = open(ls->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* E2BIG: more programs than ids[] holds; the first is filled in */
	if ((!bpf_prog_query(fd, ls->cg->attach_type, 0, &flags, ids, &cnt) || errno == E2BIG) &&
	    ids[0] && !(flags & BPF_F_ALLOW_MULTI)) {
		ll->holder_prog_id = ids[0];
		holder_name(ll);
	}
	close(fd);
}

/* Who holds the interface's XDP hook, unless it is this link. */
static void read_xdp_holder(const struct live *lv, struct live_link *ll)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	uint32_t prog;

	if (bpf_xdp_query((int)ll->target_id, 0, &q))
		return;
	prog = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	if (!prog || (ll->pin_state == PIN_MAP && ll->ifindex == ll->target_id &&
		      ll->link_type == BPF_LINK_TYPE_XDP))
		return;
	ll->holder_prog_id = prog;
	holder_name(ll);
	ll->holder_link_id = xdp_link_on((uint32_t)ll->target_id);
	ll->holder_ours = ll->holder_link_id &&
			  (recorded_link(lv, ll->holder_link_id) || staged_link(lv, ll->holder_link_id));
}

static int add_link(struct live *lv, const char *name, const struct link_spec *ls)
{
	struct live_link *v, *ll;

	if (live_find_link(lv, name))
		return 0;
	v = realloc(lv->links, (lv->n_links + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	lv->links = v;
	ll = &v[lv->n_links++];
	memset(ll, 0, sizeof(*ll));
	ll->name = strdup(name);
	ll->pin = path_join3(lv->scope_dir, "links", name);
	if (!ll->name || !ll->pin)
		return -ENOMEM;
	read_pin(lv, ll);
	if (!ls)
		return 0;
	read_target(ll, ls);
	if (ls->hook == HOOK_XDP && !ll->target_err)
		read_xdp_holder(lv, ll);
	else if (ls->hook == HOOK_CGROUP && !ll->target_err)
		read_cgroup_holder(ll, ls);
	return 0;
}

int live_read_links(struct live *lv, const struct manifest *m)
{
	size_t i;
	int err;

	for (i = 0; m && i < m->n_links; i++) {
		err = add_link(lv, m->links[i].name, &m->links[i]);
		if (err)
			return err;
	}
	for (i = 0; i < lv->state.n; i++) {
		if (lv->state.res[i].kind != KIND_LINK)
			continue;
		err = add_link(lv, lv->state.res[i].name, NULL);
		if (err)
			return err;
	}
	return 0;
}

void link_fingerprint_live(struct fp *f, const struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->n_links; i++) {
		const struct live_link *ll = &lv->links[i];

		fp_str(f, ll->name);
		fp_u32(f, ll->pin_state);
		fp_u32(f, ll->link_id);
		fp_u32(f, ll->prog_id);
		fp_u32(f, ll->ifindex);
		fp_u64(f, ll->cgroup_id);
		fp_u64(f, ll->target_id);
		fp_u32(f, (uint32_t)ll->target_err);
		fp_u32(f, ll->holder_prog_id);
	}
}

