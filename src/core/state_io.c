/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state record on bpffs: the encoded record is the single value of a
 * one-entry array map named "bpfapply_state".  A write never modifies the
 * pinned map; it builds a new one and renames its pin over the old, so a
 * concurrent reader (a `plan`, or `bpftool map dump`) sees one whole record
 * or the other, and a write that fails half-way leaves the old one in place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "core/state.h"

#define STATE_MAP_NAME "bpfapply_state"

/*
 * libbpf 1.x returns negative errnos from these calls; the fallback covers
 * a library built in the legacy mode, which returns -1 and sets errno.
 */
static int libbpf_errno(int ret)
{
	if (ret >= 0)
		return ret;
	return ret == -1 && errno > 0 ? -errno : ret;
}

static int state_map_check(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);
	int err;

	memset(info, 0, sizeof(*info));
	err = libbpf_errno(bpf_obj_get_info_by_fd(fd, info, &len));
	if (err)
		return err;
	if (info->type != BPF_MAP_TYPE_ARRAY || strcmp(info->name, STATE_MAP_NAME) ||
	    info->key_size != 4 || info->max_entries != 1)
		return -EINVAL;
	return 0;
}

/* An fd for the state map pinned at path, or -ENOENT, -EINVAL, -errno. */
static int state_map_open(const char *path, struct bpf_map_info *info)
{
	/*
	 * Read-only: reading needs no more, and the kernel refuses a
	 * read-only open of a pinned program or link with -EINVAL, which is
	 * what a pin that is not a state map should give.
	 */
	struct bpf_obj_get_opts opts;
	int fd, err;

	/* Zeroed whole: libbpf rejects options with non-zero padding. */
	memset(&opts, 0, sizeof(opts));
	opts.sz = sizeof(opts);
	opts.file_flags = BPF_F_RDONLY;
	fd = libbpf_errno(bpf_obj_get_opts(path, &opts));
	if (fd < 0)
		return fd;
	err = state_map_check(fd, info);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int state_read(const char *path, struct state *s, uint32_t *map_id)
{
	struct bpf_map_info info;
	uint32_t key = 0;
	uint8_t *val;
	int fd, err;

	memset(s, 0, sizeof(*s));
	fd = state_map_open(path, &info);
	if (fd < 0)
		return fd;
	val = malloc(info.value_size);
	if (!val) {
		err = -ENOMEM;
		goto close_fd;
	}
	err = libbpf_errno(bpf_map_lookup_elem(fd, &key, val));
	if (err)
		goto free_val;
	err = state_decode(val, info.value_size, s);
	if (!err && map_id)
		*map_id = info.id;
free_val:
	free(val);
close_fd:
	close(fd);
	return err;
}

/* The pin at path must be ours to replace: a state map, or nothing. */
static int check_replaceable(const char *path)
{
	struct bpf_map_info info;
	int fd;

	fd = state_map_open(path, &info);
	if (fd == -ENOENT)
		return 0;
	if (fd == -EINVAL)
		return -EEXIST;
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int pin_and_rename(int fd, const char *path, const char *tmp_path)
{
	int err;

	/* A stale tmp pin is the remains of a write that was killed. */
	if (unlink(tmp_path) && errno != ENOENT)
		return -errno;
	err = libbpf_errno(bpf_obj_pin(fd, tmp_path));
	if (err)
		return err;
	if (chmod(tmp_path, 0600) || rename(tmp_path, path)) {
		err = -errno;
		goto unpin_tmp;
	}
	return 0;
unpin_tmp:
	unlink(tmp_path);
	return err;
}

/* A new, frozen map holding buf padded with zeros to value_size. */
static int state_map_create(const uint8_t *buf, size_t len, struct bpf_map_info *info)
{
	size_t value_size = (len + 7) & ~(size_t)7;
	uint32_t key = 0;
	uint8_t *val;
	int fd, err;

	val = calloc(1, value_size);
	if (!val)
		return -ENOMEM;
	memcpy(val, buf, len);
	fd = libbpf_errno(bpf_map_create(BPF_MAP_TYPE_ARRAY, STATE_MAP_NAME, sizeof(key),
					 value_size, 1, NULL));
	if (fd < 0)
		goto free_val;
	/* Frozen: each record is written once, and nobody should edit it in place. */
	err = libbpf_errno(bpf_map_update_elem(fd, &key, val, BPF_ANY));
	if (!err)
		err = libbpf_errno(bpf_map_freeze(fd));
	if (!err)
		err = state_map_check(fd, info);
	if (err) {
		close(fd);
		fd = err;
	}
free_val:
	free(val);
	return fd;
}

int state_write(const char *path, const char *tmp_path, const struct state *s, uint32_t *map_id)
{
	struct bpf_map_info info = {};
	uint8_t *buf;
	size_t len;
	int fd, err;

	err = check_replaceable(path);
	if (err)
		return err;
	err = state_encode(s, &buf, &len);
	if (err)
		return err;
	fd = state_map_create(buf, len, &info);
	if (fd < 0) {
		err = fd;
		goto free_buf;
	}
	err = pin_and_rename(fd, path, tmp_path);
	if (!err && map_id)
		*map_id = info.id;
	close(fd);
free_buf:
	free(buf);
	return err;
}
