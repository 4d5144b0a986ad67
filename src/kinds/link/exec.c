// SPDX-License-Identifier: GPL-2.0-only
/*
 * Links, the kernel half.  Attaching is visible at once, so nothing is
 * attached while the rest of the apply is staged: link_attach() runs after
 * every kind has staged and updated, creates the new links (pinned under
 * staging/links/ until the commit moves them into place) and swaps reloaded
 * programs into existing links with bpf_link_update, the old program as
 * the expected one.  link_undo_attach() takes each back if a later attach
 * fails.  A link is removed with bpf_link_detach before it is unpinned, so
 * its hook is free at once whoever else still holds the link open.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>

#include "core/elf.h"
#include "exec.h"
#include "core/fault.h"
#include "kinds/link/link.h"
#include "kinds/program/program.h"
#include "core/paths.h"

int link_stage(struct exec *x, struct change *c)
{
	(void)x;
	(void)c;
	return 0; /* nothing before the attach step */
}

static int prog_fd_of(struct exec *x, const struct link_spec *ls)
{
	const char *prog;
	int entry, fd;

	if (ref_resolve(x->m, ls->program, &entry, &prog))
		return -ENOENT;
	fd = exec_prog_fd(x, entry, prog);
	if (fd < 0)
		err_msg("link '%s': program %s is not loaded", ls->name, ls->program);
	return fd;
}

/* The hook as the kernel takes it: target fd (an ifindex or a cgroup fd),
 * attach type and flags.  *close_fd: a cgroup fd to close afterwards. */
static int resolve_hook(const struct link_spec *ls, int *target, uint32_t *type, uint32_t *flags,
			int *close_fd)
{
	unsigned idx;

	*close_fd = -1;
	*flags = 0;
	if (ls->hook == HOOK_CGROUP) {
		*close_fd = open(ls->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*close_fd < 0) {
			err_msg("link '%s': cannot open cgroup %s: %s", ls->name, ls->cgroup_path,
				strerror(errno));
			return -errno;
		}
		*target = *close_fd;
		*type = ls->cg->attach_type;
		return 0;
	}
	idx = if_nametoindex(ls->interface);
	if (!idx) {
		err_msg("link '%s': interface %s: %s", ls->name, ls->interface, strerror(errno));
		return -ENODEV;
	}
	*target = (int)idx;
	if (ls->hook == HOOK_TC) {
		*type = ls->egress ? LINK_BPF_TCX_EGRESS : LINK_BPF_TCX_INGRESS;
	} else {
		*type = BPF_XDP;
		*flags = ls->mode == XDPM_NATIVE ? XDP_FLAGS_DRV_MODE
			 : ls->mode == XDPM_GENERIC ? XDP_FLAGS_SKB_MODE : 0;
	}
	return 0;
}

static void detach_fd(int fd, const char *what)
{
	/* ENOLINK-like answers of a link already detached are fine */
	bpf_link_detach(fd);
	fault_point(what);
}

/*
 * The kernel holds one XDP program per interface: a link of this scope
 * already there (the one this change replaces on the same interface, or one
 * being removed under another name) is detached first.  That step cannot be
 * undone; the next apply attaches whatever the manifest declares.
 */
static void displace_xdp(const struct live_link *ll, const struct change *c, int ifindex)
{
	int fd;

	if (ll->holder_ours && ll->holder_link_id) {
		fd = bpf_link_get_fd_by_id(ll->holder_link_id);
		if (fd >= 0) {
			detach_fd(fd, "link detach (displaced)");
			close(fd);
		}
	}
	if (c->action == ACT_REPLACE && ll->pin_state == PIN_MAP &&
	    ll->link_type == BPF_LINK_TYPE_XDP && ll->ifindex == (uint32_t)ifindex) {
		fd = bpf_obj_get(ll->pin);
		if (fd >= 0) {
			detach_fd(fd, "link detach (replaced)");
			close(fd);
		}
	}
}

static void report_create(const struct link_spec *ls, uint32_t type, int err)
{
	if (ls->hook == HOOK_TC && (err == -EINVAL || err == -EOPNOTSUPP))
		err_msg("link '%s': this kernel has no tcx links (attach type %u refused: %s); "
			"tc links need Linux 6.6 or later",
			ls->name, type, strerror(-err));
	else if (ls->hook == HOOK_XDP && (err == -EBUSY || err == -EEXIST))
		err_msg("link '%s': interface %s already has an XDP program: %s", ls->name,
			ls->interface, strerror(-err));
	else
		err_msg("link '%s': cannot attach to %s: %s", ls->name, link_hook_name(ls->hook),
			strerror(-err));
}

static int create_link(struct exec *x, struct change *c, const struct link_spec *ls,
		       uint64_t *hook_id)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);
	int prog_fd, target = 0, cg_fd, fd, err;
	uint32_t type = 0, flags = 0;

	prog_fd = prog_fd_of(x, ls);
	if (prog_fd < 0)
		return prog_fd;
	err = resolve_hook(ls, &target, &type, &flags, &cg_fd);
	if (err)
		goto close_fds;
	if (ls->hook == HOOK_XDP)
		displace_xdp(live_find_link(x->lv, ls->name), c, target);
	opts.flags = flags;
	fd = bpf_link_create(prog_fd, target, type, &opts);
	err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		fault_point("link attach");
	if (err) {
		report_create(ls, type, err);
		goto close_fds;
	}
	*hook_id = (uint64_t)(unsigned)target;
	if (ls->hook == HOOK_CGROUP && (err = link_cgroup_id(ls->cgroup_path, hook_id)))
		err_msg("link '%s': cannot read the id of cgroup %s: %s", ls->name, ls->cgroup_path,
			strerror(-err));
	err = err ? err : fd;
	if (err < 0) {
		detach_fd(fd, "link detach (undo)");
		close(fd);
	}
close_fds:
	if (cg_fd >= 0)
		close(cg_fd);
	close(prog_fd);
	return err;
}

static int attach_new(struct exec *x, struct change *c, const struct link_spec *ls)
{
	size_t i = exec_change_index(x, c);
	struct bpf_link_info info;
	struct state_res *staged;
	char *dir, *pin = NULL;
	uint64_t hook_id = 0;
	int fd, err;

	dir = path_join(x->staging_dir, "links");
	err = dir ? mkdir_p(dir) : -ENOMEM;
	if (!err) {
		char *live_dir = path_join(x->scope_dir, "links");

		err = live_dir ? mkdir_p(live_dir) : -ENOMEM;
		free(live_dir);
	}
	pin = dir ? path_join(dir, ls->name) : NULL;
	staged = state_upsert(&x->staged, KIND_LINK, ls->name);
	if (err || !pin || !staged) {
		err = err ? err : -ENOMEM;
		goto free_paths;
	}
	fd = create_link(x, c, ls, &hook_id);
	if (fd < 0) {
		err = fd;
		goto free_paths;
	}
	x->fd[i] = fd; /* from here on, undo detaches it */
	err = exec_pin(fd, pin, c->address);
	if (!err && (err = live_link_info(fd, &info)))
		err_msg("link '%s': cannot read the new link: %s", ls->name, strerror(-err));
	if (!err) {
		staged->id = info.id;
		staged->hook_id = hook_id;
	}
free_paths:
	free(dir);
	free(pin);
	return err;
}

/* bpf_link_update from the program the plan saw to the one to run now. */
static int swap_program(int link_fd, int new_fd, int old_fd)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE, .old_prog_fd = old_fd);

	return bpf_link_update(link_fd, new_fd, &opts) ? -errno : 0;
}

static int update_program(struct exec *x, struct change *c, const struct link_spec *ls)
{
	const struct live_link *ll = live_find_link(x->lv, ls->name);
	size_t i = exec_change_index(x, c);
	int link_fd = -1, new_fd = -1, old_fd = -1, err;
	struct state_res *staged;

	staged = state_upsert(&x->staged, KIND_LINK, ls->name);
	new_fd = prog_fd_of(x, ls);
	link_fd = bpf_obj_get(c->pin);
	old_fd = ll ? bpf_prog_get_fd_by_id(ll->prog_id) : -1;
	if (!staged || new_fd < 0 || link_fd < 0 || old_fd < 0) {
		err = !staged ? -ENOMEM : new_fd < 0 ? new_fd : -errno;
		err_msg("link '%s': cannot open the link or its programs: %s", ls->name,
			strerror(-err));
		goto close_fds;
	}
	err = swap_program(link_fd, new_fd, old_fd);
	if (err) {
		/* EPERM: the link no longer runs the program the plan saw */
		err_msg("link '%s': cannot swap in the new program: %s", ls->name, strerror(-err));
		goto close_fds;
	}
	fault_point("link update");
	staged->id = ll->link_id;
	staged->hook_id = c->prior ? c->prior->hook_id : 0;
	x->fd[i] = link_fd;
	x->id[i] = ll->prog_id; /* what the undo puts back */
	link_fd = -1;
close_fds:
	if (link_fd >= 0)
		close(link_fd);
	if (new_fd >= 0)
		close(new_fd);
	if (old_fd >= 0)
		close(old_fd);
	return err;
}

int link_attach(struct exec *x, struct change *c)
{
	const struct link_spec *ls = c->spec >= 0 ? &x->m->links[c->spec] : NULL;

	if (!ls)
		return 0;
	if (c->action == ACT_CREATE || c->action == ACT_REPLACE)
		return attach_new(x, c, ls);
	if (c->action == ACT_UPDATE)
		return update_program(x, c, ls);
	return 0;
}

void link_undo_attach(struct exec *x, struct change *c)
{
	const struct link_spec *ls = c->spec >= 0 ? &x->m->links[c->spec] : NULL;
	size_t i = exec_change_index(x, c);
	int old_fd, new_fd;

	if (!ls || x->fd[i] < 0)
		return;
	if (c->action != ACT_UPDATE) {
		detach_fd(x->fd[i], "link detach (undo)");
		return;
	}
	old_fd = bpf_prog_get_fd_by_id(x->id[i]);
	new_fd = prog_fd_of(x, ls);
	if (old_fd < 0 || new_fd < 0 || swap_program(x->fd[i], old_fd, new_fd))
		err_msg("link '%s': cannot put the previous program back: %s", ls->name,
			strerror(errno));
	else
		fault_point("link update (undo)");
	if (old_fd >= 0)
		close(old_fd);
	if (new_fd >= 0)
		close(new_fd);
}

static int delete_link(struct change *c)
{
	int fd = bpf_obj_get(c->pin);

	if (fd >= 0) {
		if (live_fd_kind(fd) == BPF_FD_LINK)
			detach_fd(fd, "link detach");
		close(fd);
	}
	return exec_unpin(c->address, c->pin);
}

int link_commit(struct exec *x, struct change *c)
{
	if (c->action == ACT_DELETE)
		return c->foreign ? 0 : delete_link(c);
	if (c->action != ACT_CREATE && c->action != ACT_REPLACE)
		return 0;
	return exec_move_into_place(x, c, "links");
}

int link_record(struct exec *x, struct change *c, struct state *next)
{
	const struct state_res *staged = state_find(&x->staged, KIND_LINK, c->name);
	const struct link_spec *ls;
	struct state_res *r;

	if (c->action == ACT_DELETE) {
		if (x->final)
			state_remove(next, KIND_LINK, c->name);
		return 0;
	}
	ls = &x->m->links[c->spec];
	r = state_upsert(next, KIND_LINK, c->name);
	if (!r)
		return -ENOMEM;
	r->spec_fp = link_hook_fp(ls);
	r->entries_fp = link_program_fp(x->m, ls);
	if (!staged)
		return 0;
	/* the hook's name is the manifest's; the record keeps which object it was */
	r->id = staged->id;
	r->hook_id = staged->hook_id;
	return 0;
}

/* No prepare: ROOT/SCOPE/links is made by the first link staged. */
const struct kind_kernel_ops kind_link_kernel = {
	.read_live = live_read_links,
	.fingerprint_live = link_fingerprint_live,
	.probe = link_probe,
	.features_key = "links",
	.features_title = "Link hooks (links:)",
	.features = link_features,
	.stage = link_stage,
	.attach = link_attach,
	.undo_attach = link_undo_attach,
	.commit = link_commit,
	.record = link_record,
};
