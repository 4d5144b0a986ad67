// SPDX-License-Identifier: GPL-2.0-only
/*
 * What lies under ROOT/SCOPE must be what bpfapply makes there: real
 * directories and pins on bpffs, no symbolic links, nothing mounted in
 * between.  The scope is checked once, relative to the locked directory fd,
 * before anything is read or changed; every later step works under the same
 * lock, and bpffs is writable by root only, so nothing bpfapply did not make
 * can appear between the check and the use except by another root process.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "core/diag.h"
#include "core/paths.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/* staging/programs/ENTRY/maps/NAME is the deepest thing bpfapply makes. */
#define SCOPE_MAX_DEPTH 6

enum want {
	W_ANY,	/* below staging/: directories and pins, whatever they are */
	W_DIR,	/* a directory bpfapply made */
	W_PIN,	/* a pin: anything but a directory or a symbolic link */
	W_SKIP, /* not bpfapply's: never walked, so not checked */
};

bool fd_on_bpffs(int fd)
{
	struct statfs st;

	return !fstatfs(fd, &st) && (unsigned long)st.f_type == (unsigned long)BPF_FS_MAGIC;
}

struct scope_walk {
	const char *scope_dir;
	const struct scope_dir_rule *rules;
	size_t n_rules;
};

static const struct scope_dir_rule *rule_of(const struct scope_walk *sw, const char *dir,
					    size_t len)
{
	size_t i;

	for (i = 0; i < sw->n_rules; i++)
		if (strlen(sw->rules[i].dir) == len && !strncmp(sw->rules[i].dir, dir, len))
			return &sw->rules[i];
	return NULL;
}

/* What bpfapply keeps at REL/NAME, REL a directory below the scope ("" for the scope itself). */
static enum want want_child(const struct scope_walk *sw, const char *rel, enum want parent,
			    const char *name)
{
	const struct scope_dir_rule *r;
	const char *slash;

	if (parent == W_ANY || !strcmp(rel, "staging"))
		return W_ANY; /* whatever a run was building */
	if (!rel[0]) {
		if (!strcmp(name, "state"))
			return W_PIN;
		if (!strcmp(name, "staging") || rule_of(sw, name, strlen(name)))
			return W_DIR;
		return W_SKIP;
	}
	slash = strchr(rel, '/');
	r = rule_of(sw, rel, slash ? (size_t)(slash - rel) : strlen(rel));
	if (!r)
		return W_SKIP;
	if (!slash) /* DIR/NAME: a pin, or an entry's directory */
		return r->entries ? W_DIR : W_PIN;
	if (!r->entries)
		return W_SKIP;
	slash = strchr(slash + 1, '/');
	if (!slash) /* DIR/ENTRY/NAME: a pin, or the entry's maps/ */
		return !strcmp(name, "maps") ? W_DIR : W_PIN;
	return !strcmp(slash, "/maps") ? W_PIN : W_SKIP; /* DIR/ENTRY/maps/NAME */
}

static int refuse(const struct scope_walk *sw, const char *rel, const char *what, const char *todo)
{
	err_msg("%s/%s %s; %s", sw->scope_dir, rel, what, todo);
	return -ELOOP;
}

static int check_dir(int dfd, const struct scope_walk *sw, const char *rel, enum want w, int depth);

static int check_entry(int dfd, const struct scope_walk *sw, const char *rel, enum want w,
		       const char *name, int depth)
{
	enum want cw = want_child(sw, rel, w, name);
	char sub[512];
	struct stat st;
	int fd, err;

	if (cw == W_SKIP)
		return 0;
	if (snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", name) >= (int)sizeof(sub))
		return refuse(sw, rel, "holds a name too long to be bpfapply's",
			      "remove it");
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode))
		return refuse(sw, sub, "is a symbolic link",
			      "bpfapply never makes one under a scope and will not follow it: "
			      "remove it");
	if (cw == W_PIN && S_ISDIR(st.st_mode))
		return refuse(sw, sub, "is a directory where bpfapply keeps a pin",
			      "remove or move it, then run again");
	if (cw == W_DIR && !S_ISDIR(st.st_mode))
		return refuse(sw, sub, "is not a directory, but bpfapply keeps one there",
			      "remove or move it, then run again");
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth >= SCOPE_MAX_DEPTH)
		return refuse(sw, sub, "is nested deeper than anything bpfapply makes",
			      "remove it");
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	err = check_dir(fd, sw, sub, cw, depth + 1);
	close(fd);
	return err;
}

/* Takes over dfd's position, not the fd: the caller closes it. */
static int check_dir(int dfd, const struct scope_walk *sw, const char *rel, enum want w, int depth)
{
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (!fd_on_bpffs(dfd))
		return refuse(sw, rel, "is not on bpffs (something is mounted there)",
			      "unmount it; bpfapply works on bpffs only");
	d = dir_open_dup(dfd);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		err = check_entry(dfd, sw, rel, w, de->d_name, depth);
	}
	closedir(d);
	return err;
}

const char *access_hint(int err)
{
	if (err == -EACCES || err == -EPERM)
		return " (the pins are root's: bpffs is mounted mode 0700; run bpfapply as root)";
	return "";
}

int scope_check(int scope_fd, const char *scope_dir, const struct scope_dir_rule *rules,
		size_t n_rules)
{
	const struct scope_walk sw = { scope_dir, rules, n_rules };
	int err = check_dir(scope_fd, &sw, "", W_DIR, 0);

	if (err && err != -ELOOP)
		err_msg("cannot check %s: %s%s", scope_dir, strerror(-err), access_hint(err));
	return err;
}

int scope_dir_check(const char *scope_dir)
{
	struct stat st;

	if (lstat(scope_dir, &st)) {
		int err = -errno;

		if (err == -ENOENT)
			return 0;
		err_msg("cannot read %s: %s%s", scope_dir, strerror(-err), access_hint(err));
		return err;
	}
	if (S_ISLNK(st.st_mode)) {
		err_msg("%s is a symbolic link; a scope directory must be a real directory "
			"(scopes are never shared): remove the link",
			scope_dir);
		return -ELOOP;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_msg("%s is not a directory; remove it, bpfapply makes the scope directory",
			scope_dir);
		return -ENOTDIR;
	}
	return 0;
}
