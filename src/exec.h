/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Executor: the only stage that changes the kernel.  It carries a plan out
 * in three phases (design.md §6): stage every new object under
 * ROOT/SCOPE/staging/, commit (pin swaps, in-place updates, deletions,
 * state record), clean up what was replaced.
 */
#ifndef BPFAPPLY_EXEC_H
#define BPFAPPLY_EXEC_H

#include <stdbool.h>

#include "plan.h"
#include "core/state.h"

struct exec {
	const struct manifest *m;
	struct plan *p;
	struct live *lv;
	char *scope_dir;
	char *staging_dir;
	int *fd;        /* per change: fd of the staged object, -1 if none */
	uint32_t *id;   /* per change: kernel id of the staged object */
	int ncpus;
	struct state staged; /* kinds note here what they staged (ids of programs, own maps) */
	bool final;     /* record(): building the final state, not the intent */
};

struct scope_open_opts {
	const char *root;
	bool root_is_default;
	bool write;          /* apply/destroy: mount bpffs if needed, create, lock exclusively */
	bool nomount;
	double lock_timeout;
	bool no_entries;     /* destroy: read no map entries */
};

/*
 * Find the bpffs root (apply and destroy mount it and make ROOT/SCOPE when
 * needed: every change to bpffs is the executor's), take the scope lock
 * (shared to look, exclusive to change; *lock_fd stays -1 when there is
 * nothing to lock yet), check what is under it and read the live state.
 * 0 or -errno, with messages printed.
 */
int exec_open_scope(struct live *lv, int *lock_fd, const char *scope, const struct manifest *m,
		    const struct scope_open_opts *o);

/* Carry out p.  0 or -errno (printed). */
int exec_apply(struct plan *p, const struct manifest *m, struct live *lv);

/* After a destroy: ROOT/SCOPE and the kinds' directories in it, where empty. */
void exec_remove_scope_dirs(const char *root, const char *scope);

/* Remove leftovers of an interrupted run under ROOT/SCOPE/staging. */
int exec_clean_staging(const char *staging_dir);

/* For kinds: index of a change in x->p. */
size_t exec_change_index(const struct exec *x, const struct change *c);

/*
 * Move what a kind staged at staging/SUBDIR/NAME to the change's live pin:
 * an atomic RENAME_EXCHANGE when something is pinned there (the old object
 * lands in staging/, which the clean-up removes), a plain move otherwise.
 */
int exec_move_into_place(struct exec *x, const struct change *c, const char *subdir);
/* mkdir -p DIR/SUB (for the kinds' prepare); 0 or -errno. */
int exec_mkdir(const char *dir, const char *sub);
/* Pin fd at path, mode 0600; what names the object in messages. */
int exec_pin(int fd, const char *path, const char *what);
/* Unpin path (gone already is fine); what names it in messages. */
int exec_unpin(const char *what, const char *path);

#endif
