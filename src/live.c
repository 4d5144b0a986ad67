// SPDX-License-Identifier: GPL-2.0-only
/*
 * Live reader: the only stage that looks at the kernel.  It reads the state
 * record of one scope and has each kind read its own pins (kinds/KIND/live.c);
 * the helpers here tell what kind of BPF object an fd holds.
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

#include "kind.h"
#include "live.h"
#include "core/maptypes.h"
#include "core/nameidx.h"
#include "core/paths.h"
#include "core/progress.h"

enum bpf_fd_kind live_fd_kind(int fd)
{
	char path[64], name[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, name, sizeof(name) - 1);
	if (n < 0)
		return BPF_FD_UNKNOWN;
	name[n] = '\0';
	if (!strcmp(name, "anon_inode:bpf-map"))
		return BPF_FD_MAP;
	if (!strcmp(name, "anon_inode:bpf-prog"))
		return BPF_FD_PROG;
	/* links are "bpf_link" when created, "bpf-link" when reopened from a pin */
	if (!strcmp(name, "anon_inode:bpf_link") || !strcmp(name, "anon_inode:bpf-link"))
		return BPF_FD_LINK;
	return BPF_FD_OTHER;
}

/* The id of whatever bpf object fd is (map, program or link), 0 if none. */
uint32_t live_fd_id(int fd)
{
	struct bpf_map_info mi;
	struct bpf_prog_info pi;
	struct bpf_link_info li;

	switch (live_fd_kind(fd)) {
	case BPF_FD_MAP:
		return live_map_info(fd, &mi) ? 0 : mi.id;
	case BPF_FD_PROG:
		return live_prog_info(fd, &pi) ? 0 : pi.id;
	case BPF_FD_LINK:
		return live_link_info(fd, &li) ? 0 : li.id;
	default:
		return 0;
	}
}

int live_map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

int live_prog_info(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

int live_link_info(int fd, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	return 0;
}

int live_pin_open(const char *path)
{
	int fd = bpf_obj_get(path);

	if (fd >= 0)
		return fd;
	fd = -errno;
	if (fd != -ENOENT)
		err_msg("cannot open the pin %s: %s%s", path, strerror(-fd),
			fd == -EACCES || fd == -EPERM
				? " (bpfapply cannot tell what is pinned there, so it plans nothing)"
				: "");
	return fd;
}

int live_pin_kind(int fd, const char *path)
{
	enum bpf_fd_kind k = live_fd_kind(fd);
	int err = -errno;

	if (k != BPF_FD_UNKNOWN)
		return k;
	err_msg("cannot tell what %s holds: /proc/self/fd/%d cannot be read: %s "
		"(bpfapply needs /proc to tell a map from a program or a link)",
		path, fd, strerror(-err));
	return err;
}

/* The kernel exposes "frozen" only in fdinfo; a kernel without the line has no freezing. */
int live_fd_frozen(int fd, bool *frozen)
{
	char path[64], line[256];
	FILE *f;

	*frozen = false;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "frozen:", 7)) {
			*frozen = atoi(line + 7) != 0;
			break;
		}
	}
	fclose(f);
	return 0;
}

uint32_t live_value_buf_size(uint32_t type, uint32_t value_size, int ncpus)
{
	const struct maptype *mt = maptype_by_type(type);

	if (mt && (mt->caps & MT_PERCPU))
		return ((value_size + 7) & ~7u) * (uint32_t)ncpus;
	return value_size;
}

/* Names from the record become paths: they must be what bpfapply writes. */
static bool state_names_ok(const struct state *s)
{
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		if (!valid_resource_name(s->res[i].name))
			return false;
		for (k = 0; k < s->res[i].n_subs; k++) {
			const char *n = s->res[i].subs[k].name;

			if (!n[0] || strchr(n, '/') || !strcmp(n, ".") || !strcmp(n, ".."))
				return false;
		}
	}
	return true;
}

static void state_read_error(const char *path, int err)
{
	if (err == -EPROTO)
		err_msg("cannot read the state record %s: written by a newer bpfapply", path);
	else if (err == -EINVAL)
		err_msg("%s holds a BPF object that is not a bpfapply state record (pinned there by "
			"someone else?); bpfapply will neither use nor replace it: move it away",
			path);
	else
		err_msg("cannot read the state record %s: %s", path, strerror(-err));
}

static int read_state(struct live *lv, const char *scope)
{
	char *path = path_join(lv->scope_dir, "state");
	int err;

	if (!path)
		return -ENOMEM;
	err = lv->root_on_bpffs ? state_read(path, &lv->state, &lv->state_map_id) : -ENOENT;
	if (!err && !state_names_ok(&lv->state)) {
		err_msg("the state record %s names something that is not a resource; "
			"refusing to use it", path);
		err = -EINVAL;
	} else if (!err && (!lv->state.scope || strcmp(lv->state.scope, scope))) {
		/* a record moved or linked here from another scope owns nothing here */
		err_msg("the state record %s belongs to scope %s, not %s; refusing to use it "
			"(move it back to its own scope)", path,
			lv->state.scope ? lv->state.scope : "(none)", scope);
		err = -EINVAL;
	} else if (!err) {
		lv->have_state = true;
	} else if (err == -ENOENT) {
		err = 0;
	} else {
		state_read_error(path, err);
	}
	free(path);
	return err;
}

/*
 * Before reading anything: without /proc/self/fd (a chroot without /proc, a
 * hardened container) no pin could be told apart from another, and every
 * managed pin would look replaced.  Say what is missing instead.
 */
static int check_proc(void)
{
	char path[64], link[64];
	int fd = open("/", O_PATH | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (readlink(path, link, sizeof(link)) < 0)
		err = -errno;
	if (!err) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if (access(path, R_OK))
			err = -errno;
	}
	close(fd);
	if (err)
		err_msg("cannot read %s: %s; bpfapply needs /proc (the fd and fdinfo entries of "
			"its own process) to tell a map pin from a program or link pin and to see "
			"whether a map is frozen, and will not guess",
			path, strerror(-err));
	return err;
}

int live_read(struct live *lv, const char *root, bool root_on_bpffs, const char *scope,
	      const struct manifest *m, bool no_entries)
{
	unsigned int k;
	int err;

	memset(lv, 0, sizeof(*lv));
	lv->no_entries = no_entries;
	lv->root = strdup(root);
	lv->scope_dir = path_join(root, scope);
	lv->root_on_bpffs = root_on_bpffs;
	lv->ncpus = libbpf_num_possible_cpus();
	if (!lv->root || !lv->scope_dir)
		return -ENOMEM;
	if (lv->ncpus < 1)
		return lv->ncpus ? lv->ncpus : -EINVAL;
	if (root_on_bpffs && (err = check_proc()))
		return err;
	err = read_state(lv, scope);
	if (err)
		return err;
	for_each_kind(k) {
		err = kind_kernel_get(k)->read_live(lv, m);
		if (err)
			return err;
	}
	return 0;
}
