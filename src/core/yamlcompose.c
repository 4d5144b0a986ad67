// SPDX-License-Identifier: GPL-2.0-only
/*
 * Composing libyaml events into a document by hand, as yaml_parser_load()
 * would (same nodes, marks, styles and anchors), so that the loader can
 * leave parts of the file out of the tree (see core/yamlstream.c).
 * Children of open collections wait on a work stack; a closing collection
 * moves them into one items or pairs array, and ybuild_finish() points the
 * nodes into those arrays once they stop moving.
 */
#include <stdlib.h>
#include <string.h>

#include "core/yamlcompose.h"

void *ybuild_grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 16;
	if (*cap < need)
		*cap = need;
	return xreallocarray(p, *cap, size);
}

int ybuild_node(struct ybuild *b, yaml_node_type_t type, const yaml_event_t *ev)
{
	size_t cap = b->cap_nodes;
	yaml_node_t *n;

	b->nodes = ybuild_grow(b->nodes, &b->cap_nodes, b->n_nodes + 1, sizeof(*b->nodes));
	b->kids = ybuild_grow(b->kids, &cap, b->n_nodes + 1, sizeof(*b->kids));
	n = &b->nodes[b->n_nodes];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->start_mark = ev->start_mark;
	n->end_mark = ev->end_mark;
	b->kids[b->n_nodes] = (struct ykids){ 0, 0 };
	return (int)++b->n_nodes;
}

static void attach(struct ybuild *b, int id)
{
	if (!b->depth)
		return;
	b->work = ybuild_grow(b->work, &b->cap_work, b->n_work + 1, sizeof(*b->work));
	b->work[b->n_work++] = id;
}

static void open_collection(struct ybuild *b, int id)
{
	b->open[b->depth] = id;
	b->base[b->depth++] = b->n_work;
}

void ybuild_close(struct ybuild *b)
{
	int id = b->open[--b->depth];
	size_t base = b->base[b->depth], n = b->n_work - base, i;
	struct ykids *k = &b->kids[id - 1];

	if (b->nodes[id - 1].type == YAML_SEQUENCE_NODE) {
		b->items = ybuild_grow(b->items, &b->cap_items, b->n_items + n, sizeof(*b->items));
		*k = (struct ykids){ b->n_items, n };
		for (i = 0; i < n; i++)
			b->items[b->n_items++] = b->work[base + i];
	} else {
		n /= 2; /* libyaml pairs every key with a value */
		b->pairs = ybuild_grow(b->pairs, &b->cap_pairs, b->n_pairs + n, sizeof(*b->pairs));
		*k = (struct ykids){ b->n_pairs, n };
		for (i = 0; i < n; i++) {
			b->pairs[b->n_pairs].key = b->work[base + 2 * i];
			b->pairs[b->n_pairs++].value = b->work[base + 2 * i + 1];
		}
	}
	b->n_work = base;
}

/* The nodes as a yaml_document_t (valid until b changes). */
void ybuild_finish(struct ybuild *b, yaml_document_t *doc)
{
	size_t i;

	for (i = 0; i < b->n_nodes; i++) {
		yaml_node_t *n = &b->nodes[i];
		const struct ykids *k = &b->kids[i];

		/* no pointer arithmetic on NULL: an empty collection is three NULLs */
		if (n->type == YAML_SEQUENCE_NODE) {
			n->data.sequence.items.start = k->n ? b->items + k->first : NULL;
			n->data.sequence.items.top = k->n ? b->items + k->first + k->n : NULL;
			n->data.sequence.items.end = n->data.sequence.items.top;
		} else if (n->type == YAML_MAPPING_NODE) {
			n->data.mapping.pairs.start = k->n ? b->pairs + k->first : NULL;
			n->data.mapping.pairs.top = k->n ? b->pairs + k->first + k->n : NULL;
			n->data.mapping.pairs.end = n->data.mapping.pairs.top;
		}
	}
	memset(doc, 0, sizeof(*doc));
	doc->nodes.start = b->nodes;
	doc->nodes.top = b->n_nodes ? b->nodes + b->n_nodes : b->nodes;
	doc->nodes.end = doc->nodes.top;
}

void ybuild_reset(struct ybuild *b)
{
	size_t i;

	for (i = 0; i < b->n_nodes && !b->borrowed; i++)
		if (b->nodes[i].type == YAML_SCALAR_NODE)
			free(b->nodes[i].data.scalar.value);
	for (i = 0; i < b->n_anchors && !b->borrowed; i++)
		free(b->anchors[i].name);
	b->n_nodes = b->n_items = b->n_pairs = b->n_work = b->n_anchors = 0;
	b->depth = 0;
}

void ybuild_free(struct ybuild *b)
{
	if (!b)
		return;
	ybuild_reset(b);
	free(b->nodes);
	free(b->kids);
	free(b->items);
	free(b->pairs);
	free(b->work);
	free(b->anchors);
	free(b);
}

static const struct yanchor *find_anchor(const struct ybuild *b, const char *name)
{
	size_t i;

	for (i = b->n_anchors; i-- > 0;)
		if (!strcmp(b->anchors[i].name, name))
			return &b->anchors[i];
	return NULL;
}

static bool list_anchor(const struct ytree *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n_list_anchors; i++)
		if (!strcmp(t->list_anchors[i], name))
			return true;
	return false;
}

static void composer_error(struct ytree *t, const yaml_mark_t *at, const char *msg)
{
	struct loc l = { t->file, (int)at->line + 1, (int)at->column + 1 };

	diag_error(t->d, &l, "YAML syntax error: %s", msg);
}

/* An anchor on a new node: libyaml refuses one used twice. */
static bool add_anchor(struct ytree *t, struct ybuild *b, yaml_char_t **anchor, int id,
		       const yaml_event_t *ev)
{
	const struct yanchor *prev;
	size_t cap = b->n_anchors;

	if (!*anchor)
		return true;
	prev = find_anchor(b, (const char *)*anchor);
	if (prev) {
		struct loc l = { t->file, (int)ev->start_mark.line + 1,
				 (int)ev->start_mark.column + 1 };

		diag_error(t->d, &l, "YAML syntax error: second occurrence (found duplicate anchor; "
				     "first occurrence at %d:%d)",
			   (int)prev->mark.line + 1, (int)prev->mark.column + 1);
		return false;
	}
	/* anchors are rare: grow one at a time from the count */
	b->anchors = xreallocarray(b->anchors, cap + 1, sizeof(*b->anchors));
	b->anchors[b->n_anchors++] = (struct yanchor){ (char *)*anchor, id, ev->start_mark };
	*anchor = NULL; /* now the builder's */
	return true;
}

/*
 * One node event into b (the caller checked depth and limits).  outer: the
 * anchors of the whole file, for an alias inside an item composed alone.
 */
bool ybuild_event(struct ytree *t, struct ybuild *b, yaml_event_t *ev,
			  const struct ybuild *outer)
{
	const struct yanchor *a;
	yaml_char_t **anchor = NULL;
	int id;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		id = ybuild_node(b, YAML_SCALAR_NODE, ev);
		b->nodes[id - 1].data.scalar.value = ev->data.scalar.value;
		b->nodes[id - 1].data.scalar.length = ev->data.scalar.length;
		b->nodes[id - 1].data.scalar.style = ev->data.scalar.style;
		ev->data.scalar.value = NULL; /* now the node's */
		anchor = &ev->data.scalar.anchor;
		attach(b, id);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (ev->type == YAML_SEQUENCE_START_EVENT) {
			id = ybuild_node(b, YAML_SEQUENCE_NODE, ev);
			b->nodes[id - 1].data.sequence.style = ev->data.sequence_start.style;
			anchor = &ev->data.sequence_start.anchor;
		} else {
			id = ybuild_node(b, YAML_MAPPING_NODE, ev);
			b->nodes[id - 1].data.mapping.style = ev->data.mapping_start.style;
			anchor = &ev->data.mapping_start.anchor;
		}
		attach(b, id);
		open_collection(b, id);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		ybuild_close(b);
		return true;
	case YAML_ALIAS_EVENT:
		a = find_anchor(b, (const char *)ev->data.alias.anchor);
		if (!a && ((outer && find_anchor(outer, (const char *)ev->data.alias.anchor)) ||
			   list_anchor(t, (const char *)ev->data.alias.anchor))) {
			/* entries are composed one at a time: no node outside the entry exists */
			struct loc l = { t->file, (int)ev->start_mark.line + 1,
					 (int)ev->start_mark.column + 1 };

			diag_error(t->d, &l, "an alias %s", outer ?
				   "inside entries: may only name an anchor of the same entry" :
				   "may not name an anchor inside a map's entries:");
			return false;
		}
		if (!a) {
			composer_error(t, &ev->start_mark, "found undefined alias");
			return false;
		}
		attach(b, a->node);
		return true;
	default:
		return true;
	}
	return add_anchor(t, b, anchor, id, ev);
}
