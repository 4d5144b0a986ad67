// SPDX-License-Identifier: GPL-2.0-only
/*
 * Paths, bpffs mounting and the scope lock.  bpfapply mounts bpffs itself,
 * as bpftool does, so a unit can run it at boot before anything else has.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "core/diag.h"
#include "core/paths.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

char *path_join(const char *a, const char *b)
{
	char *s;

	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

char *path_join3(const char *a, const char *b, const char *c)
{
	char *s;

	if (asprintf(&s, "%s/%s/%s", a, b, c) < 0)
		return NULL;
	return s;
}

char *path_join4(const char *a, const char *b, const char *c, const char *d)
{
	char *s;

	if (asprintf(&s, "%s/%s/%s/%s", a, b, c, d) < 0)
		return NULL;
	return s;
}

int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *p;

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

bool path_on_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return false;
	return (unsigned long)st.f_type == (unsigned long)BPF_FS_MAGIC;
}

/* The nearest existing ancestor (or path itself) is on bpffs. */
static bool ancestor_on_bpffs(const char *path)
{
	char buf[PATH_MAX];
	char *slash;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return false;
	for (;;) {
		if (access(buf, F_OK) == 0)
			return path_on_bpffs(buf);
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return false;
		*slash = '\0';
	}
}

DIR *dir_open_dup(int dfd)
{
	int fd = dup(dfd), saved;
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return d;
}

/* 1 if dir holds nothing but . and .., 0 if it holds something, -errno. */
static int dir_empty(int dfd)
{
	struct dirent *de;
	int empty = 1;
	DIR *d = dir_open_dup(dfd);

	if (!d)
		return -errno;
	while (empty && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

/*
 * Mount bpffs on mnt, under an flock of the directory: applies racing on a
 * root not yet on bpffs would otherwise stack one mount each and lose each
 * other's scope locks.  Whoever waited finds the mount made and does not
 * mount again.  Anything but the default mount point must be empty: the
 * mount would hide what is there.
 */
static int mount_bpffs(const char *mnt, const char *root, bool is_default)
{
	int fd, err = 0;

	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX)) {
		err = -errno;
		err_msg("cannot open %s to mount bpffs on it: %s", mnt, strerror(errno));
		goto close_fd;
	}
	if (ancestor_on_bpffs(root))
		goto close_fd; /* mounted by the run we waited for */
	if (!is_default && (err = dir_empty(fd)) != 1) {
		if (!err) {
			err_msg("%s is not empty: refusing to mount bpffs over it (that would hide "
				"its files); give --root an empty or new directory, or mount bpffs "
				"there yourself", mnt);
			err = -ENOTEMPTY;
		} else {
			err_msg("cannot read %s: %s", mnt, strerror(-err));
		}
		goto close_fd;
	}
	err = 0;
	if (mount("bpf", mnt, "bpf", 0, "mode=0700")) {
		err = -errno;
		err_msg("cannot mount bpffs on %s: %s%s", mnt, strerror(errno),
			errno == EPERM ? " (mounting needs CAP_SYS_ADMIN; or mount it "
					 "beforehand and use -n)"
				       : "");
		goto close_fd;
	}
	dbg_msg("mounted bpffs on %s", mnt);
close_fd:
	if (fd >= 0)
		close(fd); /* drops the lock */
	return err;
}

int root_prepare(const char *root, bool is_default, bool nomount)
{
	const char *mnt = is_default ? DEFAULT_BPFFS : root;
	int err;

	if (!root[0] || !strcmp(root, "/")) {
		err_msg("--root \"%s\": refusing to use %s as the pin root", root,
			root[0] ? "the root directory" : "an empty path");
		return -EINVAL;
	}
	if (!ancestor_on_bpffs(root)) {
		if (nomount) {
			err_msg("%s is not on a bpf filesystem (and -n/--nomount forbids mounting one)",
				root);
			return -EINVAL;
		}
		err = mkdir_p(mnt);
		if (err) {
			err_msg("cannot create %s: %s", mnt, strerror(-err));
			return err;
		}
		err = mount_bpffs(mnt, root, is_default);
		if (err)
			return err;
	}
	err = mkdir_p(root);
	if (err) {
		err_msg("cannot create %s: %s", root, strerror(-err));
		return err;
	}
	if (!path_on_bpffs(root)) {
		err_msg("%s is not on a bpf filesystem", root);
		return -EINVAL;
	}
	return 0;
}

int root_probe(const char *root, bool nomount, bool *on_bpffs)
{
	*on_bpffs = path_on_bpffs(root);
	if (*on_bpffs)
		return 0;
	if (nomount && access(root, F_OK) == 0) {
		err_msg("%s is not on a bpf filesystem (and -n/--nomount forbids mounting one)",
			root);
		return -EINVAL;
	}
	return 0;
}

/* Find the pid holding a flock on (dev, ino) through /proc/locks. */
static int lock_holder(dev_t dev, ino_t ino)
{
	char line[256], type[16], mode[16], rw[16];
	unsigned long long inode;
	unsigned maj, min;
	int pid, holder = 0;
	FILE *f = fopen("/proc/locks", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strchr(line, ':');

		if (!p || strstr(line, "->"))
			continue; /* waiters are listed with "->" */
		if (sscanf(p + 1, "%15s %15s %15s %d %x:%x:%llu", type, mode, rw, &pid, &maj, &min,
			   &inode) != 7)
			continue;
		if (!strcmp(type, "FLOCK") && inode == (unsigned long long)ino &&
		    maj == major(dev) && min == minor(dev)) {
			holder = pid;
			break;
		}
	}
	fclose(f);
	return holder;
}

/* Wait for the lock on fd; -EWOULDBLOCK (printed) after timeout_s. */
static int wait_lock(int fd, const char *scope_dir, bool exclusive, double timeout_s,
		     const struct timespec *start)
{
	struct timespec now, nap = { 0, 50 * 1000 * 1000 };
	int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
	struct stat st;
	int pid;

	while (flock(fd, op)) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_msg("cannot lock %s: %s", scope_dir, strerror(errno));
			return -errno;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout_s >= 0 && (now.tv_sec - start->tv_sec) +
					      (now.tv_nsec - start->tv_nsec) / 1e9 >= timeout_s) {
			pid = fstat(fd, &st) ? 0 : lock_holder(st.st_dev, st.st_ino);
			if (pid)
				err_msg("%s is locked by another bpfapply (pid %d); gave up after %gs",
					scope_dir, pid, timeout_s);
			else
				err_msg("%s is locked by another bpfapply; gave up after %gs",
					scope_dir, timeout_s);
			return -EWOULDBLOCK;
		}
		nanosleep(&nap, NULL);
	}
	return 0;
}

/* The directory we locked is still the one at the path (a destroy may have removed it). */
static bool still_there(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !lstat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int scope_lock(const char *scope_dir, bool exclusive, double timeout_s)
{
	struct timespec start;
	int fd, err;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		/* never a link: another scope's directory is not this scope's */
		fd = open(scope_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			err = -errno;
			if (errno == ENOENT && exclusive && !mkdir_p(scope_dir))
				continue; /* removed by a destroy we waited for: make it again */
			if (errno == ELOOP || errno == ENOTDIR)
				return scope_dir_check(scope_dir) ?: -ENOTDIR;
			err_msg("cannot open %s: %s%s", scope_dir, strerror(-err), access_hint(err));
			return err;
		}
		err = wait_lock(fd, scope_dir, exclusive, timeout_s, &start);
		if (err) {
			close(fd);
			return err;
		}
		if (still_there(fd, scope_dir))
			return fd;
		close(fd);
	}
}

void scope_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
