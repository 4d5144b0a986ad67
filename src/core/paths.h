/* SPDX-License-Identifier: GPL-2.0-only */
/* Paths under ROOT (design.md §4), bpffs handling and the scope lock. */
#ifndef BPFAPPLY_PATHS_H
#define BPFAPPLY_PATHS_H

#include <dirent.h>
#include <stdbool.h>

#define DEFAULT_ROOT "/sys/fs/bpf/bpfapply"
#define DEFAULT_BPFFS "/sys/fs/bpf"

/* malloc'd "a/b" and "a/b/c"; NULL on ENOMEM. */
char *path_join(const char *a, const char *b);
char *path_join3(const char *a, const char *b, const char *c);
char *path_join4(const char *a, const char *b, const char *c, const char *d);

/* mkdir -p with mode 0700; 0 or -errno. */
int mkdir_p(const char *path);

/* true if path exists and is on a bpf filesystem (statfs magic). */
bool path_on_bpffs(const char *path);

/*
 * Make sure root is a directory on bpffs.  If it is not, mount bpffs at
 * /sys/fs/bpf for the default root or at root itself for --root (unless
 * nomount), then check again: a root that does not end up on bpffs is
 * refused.  Messages are printed.
 */
int root_prepare(const char *root, bool is_default, bool nomount);

/*
 * For commands that only look: is there a bpffs root to read?  Returns 0
 * with *on_bpffs set, or -errno (printed) when root exists, is not bpffs
 * and nomount forbids apply from ever mounting it.
 */
int root_probe(const char *root, bool nomount, bool *on_bpffs);

/*
 * flock() the scope directory: shared for plan/show, exclusive for
 * apply/destroy, waiting up to timeout_s seconds (<0: forever).  Returns the
 * locked fd or -errno (printed, naming the holder when it can be found).
 */
int scope_lock(const char *scope_dir, bool exclusive, double timeout_s);
void scope_unlock(int fd);

/* For messages: why reading under ROOT failed with err (-EACCES: it needs root), or "". */
const char *access_hint(int err);

/* scope_check.c */
bool fd_on_bpffs(int fd);

/* A directory stream over dfd's directory, dfd itself left open for the
 * caller (the stream has its own duplicate); NULL and errno on failure. */
DIR *dir_open_dup(int dfd);
/* ROOT/SCOPE, if it exists, is a real directory (not a link); -errno printed. */
int scope_dir_check(const char *scope_dir);
/* A directory of ROOT/SCOPE where a kind keeps its pins. */
struct scope_dir_rule {
	const char *dir;
	bool entries; /* DIR/ENTRY/NAME pins and DIR/ENTRY/maps/NAME; else DIR/NAME pins */
};
/*
 * Everything bpfapply walks below the locked scope directory is what it
 * makes (state, staging/ and the kinds' directories as rules say):
 * directories where it keeps directories, pins where it keeps pins, no
 * symbolic link anywhere, all on bpffs.  -errno, printed (-ELOOP: found
 * something bpfapply did not make).
 */
int scope_check(int scope_fd, const char *scope_dir, const struct scope_dir_rule *rules,
		size_t n_rules);

#endif
