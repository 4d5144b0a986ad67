/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The plan: an ordered list of changes computed by diff(desired, live).
 * It is a plain value: it can be rendered, saved, tested without a kernel,
 * and carried out by the executor.
 */
#ifndef BPFAPPLY_PLAN_H
#define BPFAPPLY_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/diag.h"
#include "graph.h"
#include "kinds.h"
#include "live.h"
#include "model.h"
#include "core/state.h"

enum action {
	ACT_NOOP = 0,
	ACT_CREATE,
	ACT_UPDATE,
	ACT_REPLACE,
	ACT_DELETE,
};


/* Why a change is planned (JSON action_reason; Terraform-like vocabulary). */
enum reason {
	R_NONE = 0,
	R_NEW,              /* declared, not yet created */
	R_PIN_REMOVED,      /* managed pin removed outside bpfapply */
	R_PIN_REPLACED,     /* managed pin now holds another object */
	R_ATTRS_CHANGED,    /* needs a new kernel object */
	R_DEP_REPLACED,     /* something it is built from is replaced */
	R_ENTRIES,          /* declared entries differ from the live ones */
	R_NOT_IN_MANIFEST,  /* in the state record, no longer declared */
	R_DESTROY,          /* destroy requested */
	R_STATE_ONLY,       /* only the state record changes (prevent_destroy) */
	R_DETACHED,         /* a link lost its hook: detached, or the hook re-created */
	R_PROGRAM,          /* a link's program is swapped (bpf_link_update) */
};
const char *reason_code(enum reason r);

struct change {
	enum kind kind;
	char *name;
	char *address;       /* "map.counters" */
	char *pin;
	enum action action;
	enum reason reason;
	char *detail;        /* human text for the plan line, e.g. "max_entries 1024 -> 2048" */
	int spec;            /* index into the manifest's list of this kind; -1 if not declared */
	const struct state_res *prior; /* state record, NULL if none (points into live->state) */
	bool foreign;        /* the pin holds an object bpfapply did not create: leave it */
	bool drift;          /* R_ENTRIES: the live entries changed, not the manifest's;
			      * R_PROGRAM: a link's program was swapped outside bpfapply */
	void *kind_data;     /* the kind's own part (the map kind's: struct map_change),
			      * owned by the change: freed by the kind's free_change */
};

struct nameidx;

struct plan {
	char *scope;
	bool destroy;          /* computed for destroy */
	struct change *changes; /* in execution order: creations before their users */
	size_t n;
	unsigned add, change, replace, remove;
	uint64_t state_serial; /* serial of the state record it was computed from */
	bool resumes;          /* the state record says an apply was interrupted */
	struct nameidx *names; /* plan_find's hash of the changes' names; NULL: linear */
	struct graph graph;    /* of the manifest it was computed from (empty without one) */
	size_t *order;         /* graph.nodes in dependency order: the order of the changes */
};

/*
 * Compute the plan.  m may be NULL with destroy=true (destroy --scope).
 * lv must hold a live entry for every declared resource and every state
 * record, as live_read() makes it.
 * Problems that forbid the plan (a foreign pin in the way, prevent_destroy)
 * are added to d; the plan is still filled so it can be shown.
 */
int plan_compute(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
		 struct diag *d);
void plan_free(struct plan *p);
bool plan_has_changes(const struct plan *p);
struct change *plan_find(const struct plan *p, enum kind k, const char *name);

/* Rendering: text as design.md §7, or JSON in Terraform's plan representation. */
#define PLAN_JSON_FORMAT_VERSION "1.2"
struct render_opts {
	bool color;
	bool show_noop;
};
void plan_render_text(const struct plan *p, const struct manifest *m, FILE *f,
		      const struct render_opts *o);
struct json;
void plan_render_json_body(const struct plan *p, const struct manifest *m, struct json *j);
void plan_render_json(const struct plan *p, const struct manifest *m, FILE *f, bool pretty);

#endif
