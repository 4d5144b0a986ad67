// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diff driver: desired model + live snapshot -> plan.  Pure: it reads only
 * the snapshot, so unit tests drive it without a kernel.  Each resource kind
 * contributes its own changes through its operations table.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind.h"
#include "core/nameidx.h"
#include "plan.h"

const char *reason_code(enum reason r)
{
	switch (r) {
	case R_NEW: return "new";
	case R_PIN_REMOVED: return "pin_removed_outside";
	case R_PIN_REPLACED: return "pin_replaced_outside";
	case R_ATTRS_CHANGED: return "replace_because_cannot_update";
	case R_DEP_REPLACED: return "replace_because_dependency_replaced";
	case R_ENTRIES: return "entries_differ";
	case R_NOT_IN_MANIFEST: return "delete_because_no_resource_config";
	case R_DESTROY: return "delete_because_destroy";
	case R_STATE_ONLY: return "update_state_record_only";
	case R_DETACHED: return "replace_because_detached_outside";
	case R_PROGRAM: return "update_because_program_changed";
	case R_NONE: break;
	}
	return NULL;
}

struct change *plan_add_change(struct plan *p, enum kind k, const char *name,
			       const char *pin)
{
	struct change *cs, *c;

	if (!p->names)
		p->names = calloc(1, sizeof(*p->names)); /* NULL is fine: plan_find searches */
	cs = realloc(p->changes, (p->n + 1) * sizeof(*cs));
	if (!cs)
		return NULL;
	p->changes = cs;
	c = &cs[p->n];
	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->spec = -1;
	c->name = strdup(name);
	c->pin = pin ? strdup(pin) : NULL;
	if (asprintf(&c->address, "%s.%s", kind_name(k), name) < 0)
		c->address = NULL;
	if (!c->name || !c->address || (pin && !c->pin)) {
		free(c->name);
		free(c->pin);
		free(c->address);
		return NULL;
	}
	p->n++;
	return c;
}

int change_set_detail(struct change *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free(c->detail);
	c->detail = s;
	return 0;
}

static void count(struct plan *p)
{
	size_t i;

	p->add = p->change = p->replace = p->remove = 0;
	for (i = 0; i < p->n; i++) {
		switch (p->changes[i].action) {
		case ACT_CREATE: p->add++; break;
		case ACT_UPDATE: p->change++; break;
		case ACT_REPLACE: p->replace++; break;
		case ACT_DELETE: p->remove++; break;
		case ACT_NOOP: break;
		}
	}
}

/*
 * Where a change goes in the execution order: declared resources in the
 * graph's order (what they are built from first; kinds in order where
 * nothing says otherwise), a kind's resources only the state record names
 * after its declared ones.  The graph's order keeps each kind's nodes
 * together, so "after the declared ones" is the end of the kind's nodes.
 */
static size_t change_rank(const struct plan *p, const size_t *pos, const struct change *c)
{
	const struct graph *g = &p->graph;
	size_t end = c->kind + 1 < KIND__COUNT ? g->first[c->kind + 1] : g->n;

	if (c->spec >= 0 && (size_t)c->spec < end - g->first[c->kind])
		return 2 * pos[graph_node_of(g, c->kind, (size_t)c->spec)] + 2;
	return 2 * end + 1;
}

struct ranked {
	size_t rank;
	size_t i; /* keeps the sort stable */
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/*
 * Execution (and display) order: creations, replacements and updates in the
 * graph's order, then deletions in reverse kind order (users before what
 * they use: the state record does not keep their edges), like Terraform.
 */
static int order_changes(struct plan *p)
{
	struct change *sorted = calloc(p->n ? p->n : 1, sizeof(*sorted));
	struct ranked *r = calloc(p->n ? p->n : 1, sizeof(*r));
	size_t *pos = calloc(p->graph.n ? p->graph.n : 1, sizeof(*pos));
	size_t i, n = 0, nr = 0;
	int k, err = 0;

	if (!sorted || !r || !pos) {
		err = -ENOMEM;
		goto free_arrays;
	}
	for (i = 0; i < p->graph.n; i++)
		pos[p->order[i]] = i;
	for (i = 0; i < p->n; i++)
		if (p->changes[i].action != ACT_DELETE)
			r[nr++] = (struct ranked){ change_rank(p, pos, &p->changes[i]), i };
	qsort(r, nr, sizeof(*r), cmp_ranked);
	for (i = 0; i < nr; i++)
		sorted[n++] = p->changes[r[i].i];
	for (k = KIND__COUNT - 1; k >= KIND__FIRST; k--)
		for (i = 0; i < p->n; i++)
			if (p->changes[i].action == ACT_DELETE && (int)p->changes[i].kind == k)
				sorted[n++] = p->changes[i];
	free(p->changes);
	p->changes = sorted;
	sorted = NULL;
	nameidx_free(p->names); /* it holds indexes into the old order */
free_arrays:
	free(sorted);
	free(r);
	free(pos);
	return err;
}

/* The graph of the manifest and its order; empty without a manifest. */
static int plan_graph(struct plan *p, const struct manifest *m)
{
	int err;

	if (!m)
		return 0;
	err = graph_build(&p->graph, m);
	if (err)
		return err;
	p->order = calloc(p->graph.n ? p->graph.n : 1, sizeof(*p->order));
	if (!p->order)
		return -ENOMEM;
	return graph_order(&p->graph, p->order);
}

int plan_compute(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
		 struct diag *d)
{
	const char *scope = m ? m->scope : lv->state.scope;
	int k, err;

	memset(p, 0, sizeof(*p));
	p->destroy = destroy;
	p->scope = strdup(scope ? scope : "");
	p->state_serial = lv->have_state ? lv->state.serial : 0;
	p->resumes = lv->have_state && lv->state.pending;
	if (!p->scope)
		return -ENOMEM;
	err = plan_graph(p, m);
	if (err)
		return err;
	for_each_kind(k) {
		err = kind_ops_get(k)->diff(p, m, lv, destroy, d);
		if (err)
			return err;
	}
	for_each_kind(k) {
		const struct kind_ops *ops = kind_ops_get(k);

		if (!m || destroy || !ops->diff_late)
			continue;
		err = ops->diff_late(p, m, lv, d);
		if (err)
			return err;
	}
	count(p);
	return order_changes(p);
}

bool plan_has_changes(const struct plan *p)
{
	/* an interrupted apply's mark alone still makes apply write the record */
	return p->add || p->change || p->replace || p->remove || p->resumes;
}

static bool change_of_kind(const void *elem, const void *arg)
{
	return ((const struct change *)elem)->kind == *(const enum kind *)arg;
}

struct change *plan_find(const struct plan *p, enum kind k, const char *name)
{
	int i = nameidx_find_if(p->names, p->changes, p->n, sizeof(*p->changes),
				offsetof(struct change, name), name, change_of_kind, &k);

	return i < 0 ? NULL : &p->changes[i];
}

void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		struct change *c = &p->changes[i];
		const struct kind_ops *ops = kind_ops_get(c->kind);

		if (ops && ops->free_change)
			ops->free_change(c);
		free(c->name);
		free(c->address);
		free(c->pin);
		free(c->detail);
	}
	free(p->changes);
	nameidx_free(p->names);
	free(p->names);
	graph_free(&p->graph);
	free(p->order);
	free(p->scope);
	memset(p, 0, sizeof(*p));
}
