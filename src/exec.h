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

/* Carry out p.  0 or -errno (printed). */
int exec_apply(struct plan *p, const struct manifest *m, struct live *lv);

/* Remove leftovers of an interrupted run under ROOT/SCOPE/staging. */
int exec_clean_staging(const char *staging_dir);

/* For kinds: index of a change in x->p, and the fd to use for map m->maps[idx]. */
size_t exec_change_index(const struct exec *x, const struct change *c);
int exec_map_fd(const struct exec *x, int map_idx);
/* A new fd (close it) for program prog of entry m->programs[entry]: the
 * staged one when the entry is (re)loaded, else the live one; -errno. */
int exec_prog_fd(const struct exec *x, int entry, const char *prog);

/*
 * Move what a kind staged at staging/SUBDIR/NAME to the change's live pin:
 * an atomic RENAME_EXCHANGE when something is pinned there (the old object
 * lands in staging/, which the clean-up removes), a plain move otherwise.
 */
int exec_move_into_place(struct exec *x, const struct change *c, const char *subdir);
/* Pin fd at path, mode 0600; what names the object in messages. */
int exec_pin(int fd, const char *path, const char *what);
/* Unpin path (gone already is fine); what names it in messages. */
int exec_unpin(const char *what, const char *path);

#endif
