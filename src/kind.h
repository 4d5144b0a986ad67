/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resource kinds.  A kind (map, program, iterator, link) is one folder,
 * src/kinds/KIND/, that fills two tables:
 *
 *   struct kind_ops         the pure half: its manifest section, its
 *                           dependencies, the diff, how a change is shown.
 *                           Nothing here asks the kernel, so the diff's unit
 *                           tests link the pure halves alone.
 *   struct kind_kernel_ops  the kernel half: read the live objects, stage,
 *                           update in place, attach, commit, record.
 *
 * The drivers (parse.c, resolve.c, live.c, diff.c, graph.c, plan_render.c,
 * exec.c, planfile.c) and the commands only loop over the registries in
 * kinds.c and kinds_kernel.c; none of them names a kind.
 */
#ifndef BPFAPPLY_KIND_H
#define BPFAPPLY_KIND_H

#include <stddef.h>
#include <sys/types.h>
#include <yaml.h>

#include "kinds.h"
#include "plan.h"

struct exec;
struct features;
struct fp;
struct graph;
struct json;
struct parse_ctx;
struct ytree;

/* How a kind lays out its pins in ROOT/SCOPE/DIR (the scope walk checks it). */
enum kind_layout {
	LAYOUT_PINS = 0, /* DIR/NAME: one pin per resource */
	LAYOUT_ENTRIES,  /* DIR/ENTRY/NAME pins, and DIR/ENTRY/maps/NAME */
};

struct kind_ops {
	enum kind kind;
	const char *name;    /* "map": addresses are "map.NAME" */
	const char *section; /* the manifest's top-level key: "maps" */
	const char *dir;     /* pins under ROOT/SCOPE/DIR: "maps" */
	enum kind_layout layout;
	const char *shape;   /* graph: the Graphviz node shape */

	/* manifest: one file's section (a YAML node of that file's tree) */
	void (*parse)(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
	/* manifest, once every file is read: cross-references (optional) */
	void (*resolve)(struct parse_ctx *pc);
	/* manifest (optional), after resolve: read the objects it names (ELF
	 * files), then, once every kind read its own, check against them */
	void (*read_objects)(struct manifest *m, struct diag *d);
	void (*check_objects)(struct manifest *m, struct diag *d);
	/* manifest (optional): fingerprint the inputs beside the manifest files
	 * (ELF objects, data files): a saved plan is stale once one changes */
	void (*fingerprint_inputs)(struct fp *f, const struct manifest *m);
	/* manifest (optional): is the file dev/ino one of those inputs?  (a
	 * saved plan must not be written over one) */
	bool (*is_input)(const struct manifest *m, dev_t dev, ino_t ino);
	/* manifest: the kind's list, an array of spec_size-byte specs whose
	 * pointer is at specs_off in struct manifest and its length at
	 * count_off, each spec's name (char *) at name_off (KIND_SPECS fills
	 * these); spec_clear frees one spec's members */
	size_t specs_off, count_off, spec_size, name_off;
	void (*spec_clear)(void *spec);
	/* the edges from each declared resource to what it is built from */
	int (*deps)(const struct manifest *m, struct graph *g);

	/* diff: append this kind's changes */
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
	/* JSON (optional): members of a resource change beside "description" */
	void (*json_extra)(const struct change *c, struct json *j);
	/* plan (optional): free the kind's own part of a change (its kind_data,
	 * e.g. the map's entry ops); a kind that sets kind_data must have it */
	void (*free_change)(struct change *c);

	/* the live snapshot: free this kind's part (read by the kernel table) */
	void (*free_live)(struct live *lv);

	/* show: drift of a recorded object without a manifest ("ok", "missing",
	 * ...), and the live id to show beside the recorded one */
	const char *(*status)(const struct live *lv, const struct state_res *r, uint32_t *live_id);
	/* show (optional): the recorded id to show; default r->id */
	uint32_t (*recorded_id)(const struct state_res *r);
};

struct kind_kernel_ops {
	/* live: read this kind's pins (declared by m, which may be NULL, or
	 * named by the state record) into lv (kind_ops.free_live frees them) */
	int (*read_live)(struct live *lv, const struct manifest *m);
	/* saved plans: what must not have changed since the plan was made */
	void (*fingerprint_live)(struct fp *f, const struct live *lv);

	/* kernel checks before apply (optional): what this kernel refuses of
	 * the declared resources (only(ctx, kind name, name) says which to
	 * check; NULL: all) goes to d; returns the PCAP_* capabilities the
	 * kind's objects need (core/probe.h) */
	unsigned (*probe)(const struct manifest *m, bool (*only)(void *, const char *, const char *),
			  void *ctx, unsigned caps, struct diag *d);

	/* `features` (optional): a section listing what the kernel supports of
	 * the kind (everything, or with -f only what the manifest uses) */
	const char *features_key;   /* its JSON member */
	const char *features_title; /* its text heading */
	void (*features)(struct features *f);

	/* executor (optional): directories it needs before staging */
	int (*prepare)(struct exec *x);
	/* executor: prepare new objects under staging (all-or-nothing) */
	int (*stage)(struct exec *x, struct change *c);
	/* executor (optional): after every kind staged, e.g. fill prog_array
	 * slots with programs that were just loaded */
	int (*stage_late)(struct exec *x, struct change *c);
	/* executor (optional): change live objects in place (map entries),
	 * before anything is moved, and undo that if a later update fails
	 * (undo_update is called for every change, in reverse: one whose
	 * update did nothing has nothing to undo) */
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

#define KIND_SPECS(type, array, count)                                                    \
	.specs_off = offsetof(struct manifest, array),                                     \
	.count_off = offsetof(struct manifest, count), .spec_size = sizeof(type),          \
	.name_off = offsetof(type, name)

/* A kind's list in m (m may be NULL: none), from its table (kinds.c). */
size_t kind_count(unsigned int k, const struct manifest *m);
const char *kind_spec_name(unsigned int k, const struct manifest *m, size_t i);
void kind_free_specs(unsigned int k, struct manifest *m);

/* The registries (kinds.c, kinds_kernel.c): NULL for a code no kind has. */
const struct kind_ops *kind_ops_get(unsigned int k);
const struct kind_kernel_ops *kind_kernel_get(unsigned int k);

extern const struct kind_ops kind_map_ops, kind_program_ops, kind_iterator_ops, kind_link_ops;
extern const struct kind_kernel_ops kind_map_kernel, kind_program_kernel, kind_iterator_kernel,
	kind_link_kernel;

/* Helpers for kind implementations. */
struct change *plan_add_change(struct plan *p, enum kind k, const char *name, const char *pin);
int change_set_detail(struct change *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
