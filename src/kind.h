/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resource kinds.  Every kind (map, program, iterator) fills the same small
 * operations table; the diff driver, the renderer and the executor only
 * go through it, so adding a kind is adding one file.
 */
#ifndef BPFAPPLY_KIND_H
#define BPFAPPLY_KIND_H

#include <stddef.h>

#include "plan.h"

struct exec;
struct json;

struct kind_ops {
	enum res_kind kind;
	const char *name; /* "map": addresses are "map.NAME" */
	/* diff (pure): append this kind's changes, in execution order */
	int (*diff)(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
		    struct diag *d);
	/* diff, second pass (optional): what depends on other kinds' changes,
	 * e.g. prog_array slots that must follow reloaded programs */
	int (*diff_late)(struct plan *p, const struct manifest *m, struct live *lv,
			 struct diag *d);
	/* the text after the address on a plan line */
	void (*describe)(const struct change *c, const struct manifest *m, char *buf, size_t len);
	/* JSON "before" (live) or "after" (desired) attributes of a change */
	void (*json_attrs)(const struct change *c, const struct manifest *m, bool after,
			   struct json *j);
	/* executor: prepare new objects under staging (all-or-nothing) */
	int (*stage)(struct exec *x, struct change *c);
	/* executor (optional): after every kind staged, e.g. fill prog_array
	 * slots with programs that were just loaded */
	int (*stage_late)(struct exec *x, struct change *c);
	/* executor (optional): change live objects in place (map entries),
	 * before anything is moved, and undo that if a later update fails */
	int (*update)(struct exec *x, struct change *c);
	void (*undo_update)(struct exec *x, struct change *c);
	/* executor (optional): attach to a hook, after everything is staged and
	 * updated (an attach is visible at once); undone, in reverse, if a
	 * later attach fails */
	int (*attach)(struct exec *x, struct change *c);
	void (*undo_attach)(struct exec *x, struct change *c);
	/* executor: move into place, unpin deleted */
	int (*commit)(struct exec *x, struct change *c);
	/* executor: the state record for the change after commit */
	int (*record)(struct exec *x, struct change *c, struct state *next);
};

extern const struct kind_ops kind_map_ops;
extern const struct kind_ops kind_program_ops;
extern const struct kind_ops kind_iterator_ops;
extern const struct kind_ops kind_link_ops;

const struct kind_ops *kind_ops_get(enum res_kind k);

/* Helpers for kind implementations. */
struct change *plan_add_change(struct plan *p, enum res_kind k, const char *name,
			       const char *pin);
int change_set_detail(struct change *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
