// SPDX-License-Identifier: GPL-2.0-only
/*
 * Executor.  Stage, commit, clean up; the state record is written twice,
 * once before the first pin moves (so that every pin the commit creates is
 * already owned by the record) and once at the end.
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
#include <sys/stat.h>
#include <bpf/bpf.h>

#include "exec.h"
#include "core/fault.h"
#include "kind.h"
#include "core/paths.h"
#include "core/progress.h"

size_t exec_change_index(const struct exec *x, const struct change *c)
{
	return (size_t)(c - x->p->changes);
}

/*
 * A link is detached before it is unpinned: its hook is then free at once,
 * not when the kernel gets round to freeing the link.  Only a pin that is
 * really there is opened (never what a symlink points at); where /proc is
 * unreadable the link is merely unpinned and freed by the kernel later.
 */
static void detach_if_link(int dfd, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) || S_ISLNK(st.st_mode) ||
	    S_ISDIR(st.st_mode))
		return;
	if (snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dfd, name) >= (int)sizeof(path))
		return;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return;
	if (live_fd_kind(fd) == BPF_FD_LINK && !bpf_link_detach(fd))
		fault_point("staging link detach");
	close(fd);
}

/*
 * Staging holds only what bpfapply pinned there: unpin all of it, relative
 * to directory fds opened without following links, on bpffs only.  A link
 * is removed, never followed; scope_check() refused the run before if there
 * was one.
 */
static int clean_dir(int dfd, int depth)
{
	struct dirent *de;
	int err = 0;
	DIR *d;

	if (!fd_on_bpffs(dfd) || depth > 8)
		return -EXDEV;
	d = dir_open_dup(dfd);
	if (!d)
		return -errno;
	while (!err && (de = readdir(d))) {
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			err = clean_dir(sub, depth + 1);
			close(sub);
			if (!err && unlinkat(dfd, de->d_name, AT_REMOVEDIR))
				err = -errno;
		} else if (errno != ENOTDIR && errno != ELOOP) {
			err = -errno;
		} else if (detach_if_link(dfd, de->d_name), unlinkat(dfd, de->d_name, 0)) {
			err = -errno;
		} else {
			fault_point("staging unpin");
		}
	}
	closedir(d);
	return err;
}

int exec_clean_staging(const char *staging_dir)
{
	int fd, err = 0;

	fd = open(staging_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		err = errno == ENOENT ? 0 : -errno;
	else
		err = clean_dir(fd, 0);
	if (fd >= 0)
		close(fd);
	if (!err && rmdir(staging_dir) && errno != ENOENT)
		err = -errno;
	if (err == -EXDEV)
		err_msg("cannot clean %s: not on bpffs; bpfapply removes nothing elsewhere",
			staging_dir);
	else if (err)
		err_msg("cannot clean %s: %s", staging_dir, strerror(-err));
	return err;
}

static int build_state(struct exec *x, struct state *next)
{
	size_t i;
	int err;

	err = state_copy(next, &x->lv->state);
	if (err)
		return err;
	free(next->scope);
	free(next->tool_version);
	next->scope = strdup(x->p->scope);
	next->tool_version = strdup(BPFAPPLY_VERSION);
	if (!next->scope || !next->tool_version)
		return -ENOMEM;
	/* what an earlier intent was replacing is settled now; record() notes this run's */
	for (i = 0; i < next->n; i++) {
		next->res[i].prev_id = 0;
		next->res[i].flags &= ~STATE_F_INTENT_NEW;
	}
	next->serial = x->lv->state.serial + 1;
	next->updated_at = (uint64_t)time(NULL);
	for (i = 0; i < x->p->n && !err; i++) {
		struct change *c = &x->p->changes[i];

		if (c->action != ACT_NOOP)
			err = kind_kernel_get(c->kind)->record(x, c, next);
	}
	return err;
}

static int write_state(struct exec *x, bool final)
{
	struct state next = { 0 };
	char *path = path_join(x->scope_dir, "state");
	char *tmp = path_join(x->staging_dir, "state");
	int err = -ENOMEM;

	if (!path || !tmp)
		goto free_record;
	x->final = final;
	err = build_state(x, &next);
	next.pending = !final;
	if (err)
		goto free_record;
	if (final && next.n == 0) {
		/* nothing owned any more: the record goes with the objects */
		if (unlink(path) && errno != ENOENT)
			err = -errno;
		fault_point("state unpin");
		goto free_record;
	}
	err = state_write(path, tmp, &next, NULL);
	fault_point(final ? "state write (final)" : "state write (intent)");
free_record:
	if (err)
		err_msg("cannot write the state record: %s", strerror(-err));
	state_free(&next);
	free(path);
	free(tmp);
	return err;
}

enum phase { PH_STAGE, PH_STAGE_LATE, PH_UPDATE, PH_COMMIT };

static int for_each(struct exec *x, enum phase ph)
{
	static const char *const what[] = {
		[PH_STAGE] = "staging", [PH_STAGE_LATE] = "staging",
		[PH_UPDATE] = "updating", [PH_COMMIT] = "committing",
	};
	size_t i;
	int err = 0;

	for (i = 0; i < x->p->n && !err; i++) {
		struct change *c = &x->p->changes[i];
		const struct kind_kernel_ops *ops = kind_kernel_get(c->kind);

		progress(what[ph], kind_name(c->kind), c->name, i, x->p->n);
		if (c->action == ACT_NOOP)
			continue;
		if (ph == PH_STAGE)
			err = ops->stage(x, c);
		else if (ph == PH_STAGE_LATE && ops->stage_late)
			err = ops->stage_late(x, c);
		else if (ph == PH_UPDATE && ops->update)
			err = ops->update(x, c);
		else if (ph == PH_COMMIT)
			err = ops->commit(x, c);
	}
	return err;
}

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

int exec_move_into_place(struct exec *x, const struct change *c, const char *subdir)
{
	char *from = path_join3(x->staging_dir, subdir, c->name);
	unsigned flags;
	int err = 0;

	if (!from)
		return -ENOMEM;
	flags = access(c->pin, F_OK) == 0 ? RENAME_EXCHANGE : RENAME_NOREPLACE;
	if (renameat2(AT_FDCWD, from, AT_FDCWD, c->pin, flags)) {
		err = -errno;
		err_msg("%s: cannot move %s to %s: %s", c->address, from, c->pin, strerror(errno));
	}
	fault_point("move into place");
	free(from);
	return err;
}

int exec_pin(int fd, const char *path, const char *what)
{
	int err;

	if (bpf_obj_pin(fd, path)) {
		err = -errno;
		err_msg("%s: pin %s failed: %s", what, path, strerror(errno));
		return err;
	}
	fault_point("pin");
	if (chmod(path, 0600)) {
		err = -errno;
		err_msg("%s: chmod %s failed: %s", what, path, strerror(errno));
		return err;
	}
	return 0;
}

int exec_unpin(const char *what, const char *path)
{
	int err = 0;

	if (unlink(path)) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		err_msg("%s: cannot unpin %s: %s", what, path, strerror(errno));
	}
	fault_point("unpin");
	return err;
}

/*
 * Open a program through its pin (staged or live) rather than by id:
 * BPF_PROG_GET_FD_BY_ID needs CAP_SYS_ADMIN, a pin only CAP_BPF and the
 * file's permissions.  The id check makes sure the pin still holds the
 * program that was loaded or recorded.
 */

/* Close staged fds and unpin everything under staging/: after a failure the
 * new objects, after a commit the replaced ones. */
/* In-place updates are all-or-nothing too: a refused one undoes the others. */
static void undo_updates(struct exec *x)
{
	size_t i;

	for (i = x->p->n; i-- > 0;) {
		struct change *c = &x->p->changes[i];
		const struct kind_kernel_ops *ops = kind_kernel_get(c->kind);

		if (ops->undo_update) /* a change its update did not touch has nothing to undo */
			ops->undo_update(x, c);
	}
}

/*
 * Attaches are visible at once: they come after everything else is staged
 * and updated, and a refused one takes back those before it, in reverse
 * (and what it did itself, e.g. a link attached whose pin then failed).
 */
static int attach_all(struct exec *x)
{
	size_t i, j;
	int err = 0;

	for (i = 0; i < x->p->n; i++) {
		struct change *c = &x->p->changes[i];
		const struct kind_kernel_ops *ops = kind_kernel_get(c->kind);

		if (c->action != ACT_NOOP && ops->attach && (err = ops->attach(x, c)))
			break;
	}
	for (j = i + 1; err && j-- > 0;) {
		struct change *c = &x->p->changes[j];
		const struct kind_kernel_ops *ops = kind_kernel_get(c->kind);

		if (c->action != ACT_NOOP && ops->undo_attach)
			ops->undo_attach(x, c);
	}
	return err;
}

static void drop_staging(struct exec *x)
{
	size_t i;

	for (i = 0; i < x->p->n; i++) {
		if (x->fd[i] >= 0)
			close(x->fd[i]);
		x->fd[i] = -1;
	}
	exec_clean_staging(x->staging_dir);
}

/* The scope walk checks each kind's directory as the kind lays it out. */
static int check_layout(int scope_fd, const char *dir)
{
	struct scope_dir_rule rules[KIND__COUNT];
	size_t n = 0;
	unsigned int k;

	for_each_kind(k) {
		rules[n].dir = kind_ops_get(k)->dir;
		rules[n++].entries = kind_ops_get(k)->layout == LAYOUT_ENTRIES;
	}
	return scope_check(scope_fd, dir, rules, n);
}

int exec_open_scope(struct live *lv, int *lock_fd, const char *scope, const struct manifest *m,
		    const struct scope_open_opts *o)
{
	bool on_bpffs = false;
	char *dir = path_join(o->root, scope);
	int err;

	*lock_fd = -1;
	if (!dir)
		return -ENOMEM;
	err = scope_dir_check(dir);
	if (err)
		goto free_dir;
	if (o->write) {
		err = root_prepare(o->root, o->root_is_default, o->nomount);
		on_bpffs = !err;
		if (!err && (err = mkdir_p(dir)))
			err_msg("cannot create %s: %s", dir, strerror(-err));
	} else {
		err = root_probe(o->root, o->nomount, &on_bpffs);
	}
	if (!err && on_bpffs && access(dir, F_OK) == 0) {
		*lock_fd = scope_lock(dir, o->write, o->lock_timeout);
		if (*lock_fd < 0)
			err = *lock_fd;
		else
			err = check_layout(*lock_fd, dir);
	}
free_dir:
	free(dir);
	return err ? err : live_read(lv, o->root, on_bpffs, scope, m, o->no_entries);
}

void exec_remove_scope_dirs(const char *root, const char *scope)
{
	char *dir = path_join(root, scope);
	unsigned int k;

	if (!dir)
		return;
	for_each_kind(k) {
		char *d = path_join(dir, kind_ops_get(k)->dir);

		if (d)
			rmdir(d);
		free(d);
	}
	rmdir(dir);
	free(dir);
}

int exec_mkdir(const char *dir, const char *sub)
{
	char *d = path_join(dir, sub);
	int err = d ? mkdir_p(d) : -ENOMEM;

	free(d);
	return err;
}

static int prepare(struct exec *x)
{
	unsigned int k;
	int err;

	err = exec_clean_staging(x->staging_dir);
	for_each_kind(k) {
		const struct kind_kernel_ops *ops = kind_kernel_get(k);

		if (!err && ops->prepare)
			err = ops->prepare(x);
	}
	if (err)
		err_msg("cannot prepare %s: %s", x->scope_dir, strerror(-err));
	return err;
}

int exec_apply(struct plan *p, const struct manifest *m, struct live *lv)
{
	struct exec x = { .m = m, .p = p, .lv = lv, .ncpus = lv->ncpus };
	size_t i;
	int err = -ENOMEM;

	x.scope_dir = strdup(lv->scope_dir);
	x.staging_dir = path_join(lv->scope_dir, "staging");
	if (!plan_has_changes(p)) {
		/* nothing to do but what a killed run may have left in staging */
		err = x.staging_dir ? exec_clean_staging(x.staging_dir) : -ENOMEM;
		goto free_exec;
	}
	x.fd = calloc(p->n, sizeof(*x.fd));
	x.id = calloc(p->n, sizeof(*x.id));
	if (!x.scope_dir || !x.staging_dir || !x.fd || !x.id)
		goto free_exec;
	for (i = 0; i < p->n; i++)
		x.fd[i] = -1;
	err = prepare(&x);
	if (err)
		goto free_exec;
	err = for_each(&x, PH_STAGE);
	if (!err)
		err = for_each(&x, PH_STAGE_LATE);
	if (!err && (err = for_each(&x, PH_UPDATE)))
		undo_updates(&x);
	else if (!err && (err = attach_all(&x)))
		undo_updates(&x);
	if (err) {
		drop_staging(&x);
		goto free_exec;
	}
	err = write_state(&x, false);
	if (err) {
		drop_staging(&x);
		goto free_exec;
	}
	err = for_each(&x, PH_COMMIT);
	if (!err)
		err = write_state(&x, true);
	/* the replaced objects now sit in staging/: unpin them */
	drop_staging(&x);
free_exec:
	progress_clear();
	free(x.scope_dir);
	free(x.staging_dir);
	free(x.fd);
	free(x.id);
	state_free(&x.staged);
	return err;
}
