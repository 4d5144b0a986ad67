// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading a manifest file.  libyaml reads the file through a read callback
 * (no whole-file buffer, so no size cap: memory is bounded by the limits
 * below and by the entries the maps declare), and its events are composed
 * into a document tree here rather than by yaml_parser_load() -- except the
 * items of each map's `entries:` list.  Those are only checked and counted
 * on this first pass; when the map is parsed (its sizes known, wherever
 * they stand in its block), ystream_items() plays their events back from
 * a compact record (core/yamltape.c) one item at a time, each in a small
 * scratch tree that is reused: a million entries never become a tree of
 * nodes, and libyaml reads the file once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/readfile.h"
#include "core/yamlcompose.h"
#include "core/yamlread.h"
#include "core/yamltape.h"
#include "core/yamltree.h"

/* About 8 million {key, value} entries; beyond, entries_file: is the way. */
#define TAPE_MAX_BYTES ((size_t)256 << 20)
/* A manifest declares maps, programs and their entries: these are far above any real one. */
#define YAML_MAX_NODES (1u << 20)
#define YAML_MAX_ITEMS (1u << 18)

/* Why libyaml stopped: the reader's own reasons first. */
static void parse_failed(struct ytree *t, const yaml_parser_t *p, const struct yreader *r)
{
	struct loc l = { t->file, 0, 0 };

	if (r->too_deep) {
		yreader_offset_loc(r->fd, r->offset, &l.line, &l.col);
		diag_error(t->d, &l, "flow collections nested deeper than %d levels",
			   FLOW_MAX_DEPTH);
	} else if (r->too_long) {
		l.line = (int)r->run_from.line + 1;
		l.col = (int)r->run_from.column + 1;
		diag_error(t->d, &l, "a value or comment longer than %u MiB: not a manifest",
			   VALUE_MAX_BYTES >> 20);
	}
	else if (r->err)
		diag_error(t->d, &(struct loc){ t->file, 0, 0 }, "cannot read: %s",
			   strerror(-r->err));
	else
		ytree_syntax_error(t, p);
}

/* ---- the checks of every event ----------------------------------------------- */

static void event_error(struct ytree *t, const yaml_event_t *ev, const char *fmt, const char *arg)
{
	struct loc l = { t->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1 };

	diag_error(t->d, &l, fmt, arg);
}

/*
 * What no manifest needs (deep nesting, huge collections) and what would be
 * read wrong (a NUL in a string, explicit tags).  depth: open collections
 * around ev; nodes: nodes of the tree with ev; count: items of the innermost
 * collection with ev (mappings: keys and values).  0: not counted.
 */
static bool check_event(struct ytree *t, const yaml_event_t *ev, unsigned depth, size_t nodes,
			size_t count)
{
	const yaml_char_t *tag = NULL;
	char buf[64];

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		tag = ev->data.scalar.tag;
		/* libyaml keeps the length, the rest of bpfapply reads C strings */
		if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
			event_error(t, ev, "a NUL character (\\0) inside a string is not allowed%s",
				    "");
			return false;
		}
		break;
	case YAML_SEQUENCE_START_EVENT:
		tag = ev->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		tag = ev->data.mapping_start.tag;
		break;
	case YAML_ALIAS_EVENT:
		break;
	default:
		return true;
	}
	if (tag) {
		/* a tag would change a value's type behind the parser's back (!!str 4 is "4") */
		event_error(t, ev, "YAML tags such as %s are not supported: write the value plainly",
			    yquote((const char *)tag, buf, sizeof(buf)));
		return false;
	}
	if (nodes > YAML_MAX_NODES) {
		snprintf(buf, sizeof(buf), "%u", YAML_MAX_NODES);
		event_error(t, ev, "more than %s values in one file: not a manifest", buf);
		return false;
	}
	if (count > 2 * (size_t)YAML_MAX_ITEMS) {
		snprintf(buf, sizeof(buf), "%u", YAML_MAX_ITEMS);
		event_error(t, ev, "a list or mapping with more than %s items", buf);
		return false;
	}
	if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
	    depth >= BLOCK_MAX_DEPTH) {
		snprintf(buf, sizeof(buf), "%d", BLOCK_MAX_DEPTH);
		event_error(t, ev, "lists and mappings nested deeper than %s levels", buf);
		return false;
	}
	return true;
}

static bool is_end(const yaml_event_t *ev)
{
	return ev->type == YAML_SEQUENCE_END_EVENT || ev->type == YAML_MAPPING_END_EVENT;
}

static bool is_node(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT || ev->type == YAML_ALIAS_EVENT ||
	       ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT;
}


/* ---- the first pass: the tree, entries lists counted ------------------------------- */

/* An `entries:` list, its items recorded rather than composed. */
struct ystream {
	int node;
	struct ytape tape;
	bool keep;    /* an alias may name the list again: play it back more than once */
	size_t n;     /* items */
	bool over;    /* more than YAML_MAX_ITEMS items (the limit of other lists) */
	yaml_mark_t over_mark;
};

struct loader {
	struct ytree *t;
	struct ybuild *b;
	size_t nodes;
	int docs;
	yaml_mark_t second; /* where a second document starts */
	unsigned extra_depth; /* nesting inside a second document */
	bool in_stream;     /* inside the last of t->streams */
	size_t tape_bytes;  /* all the streams' */
	unsigned level;     /* nesting inside its items */
	size_t items[BLOCK_MAX_DEPTH + 2];
	/* the entries lane (core/yamlread.h) */
	struct yreader r;   /* the file's reader */
	size_t lane_next;   /* the reader's next block to meet */
	size_t lane_key;    /* 1 + the block whose key the last event was, or 0 */
	bool lane_off;      /* what libyaml gave does not fit the blocks: read again without */
};

static bool is_key(const struct ybuild *b, int id, const char *text)
{
	const yaml_node_t *n = &b->nodes[id - 1];

	return n->type == YAML_SCALAR_NODE && !strcmp((const char *)n->data.scalar.value, text);
}

/*
 * A list starting as the value of key "entries" in a mapping that is the
 * value of a key of the top-level "maps" mapping: a map's entries.
 */
static bool at_entries(const struct ybuild *b)
{
	unsigned i;

	if (b->depth != 3)
		return false;
	for (i = 0; i < 3; i++)
		if (b->nodes[b->open[i] - 1].type != YAML_MAPPING_NODE)
			return false;
	/* each open mapping is the value (odd position) of a key of the one around it */
	for (i = 1; i < 3; i++)
		if ((b->base[i] - 1 - b->base[i - 1]) % 2 != 1)
			return false;
	return (b->n_work - b->base[2]) % 2 == 1 && is_key(b, b->work[b->n_work - 1], "entries") &&
	       is_key(b, b->work[b->base[1] - 2], "maps");
}

/* An anchor inside a list's items, so that an alias naming it is told why it cannot. */
static void note_list_anchor(struct ytree *t, const yaml_event_t *ev)
{
	const yaml_char_t *a = ev->type == YAML_SCALAR_EVENT ? ev->data.scalar.anchor :
			       ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor :
			       ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.anchor :
								      NULL;

	if (!a)
		return;
	t->list_anchors = xgrow(t->list_anchors, t->n_list_anchors, sizeof(*t->list_anchors));
	t->list_anchors[t->n_list_anchors++] = xstrdup((const char *)a);
}

static bool stream_event(struct loader *L, yaml_event_t *ev)
{
	struct ytree *t = L->t;
	struct ystream *s = &t->streams[t->n_streams - 1];
	size_t count = 0;

	if (!L->level && ev->type == YAML_SEQUENCE_END_EVENT) {
		L->in_stream = false;
		return true;
	}
	if (is_end(ev)) {
		L->level--;
		L->tape_bytes += ytape_put(&s->tape, ev);
		return true;
	}
	if (!is_node(ev))
		return true;
	/* one event an item: the limit is the items' (a mapping's count has two an item) */
	if (!L->level && ++s->n == (size_t)YAML_MAX_ITEMS + 1) {
		s->over = true;
		s->over_mark = ev->start_mark;
	}
	if (L->level)
		count = ++L->items[L->level];
	if (!check_event(t, ev, L->b->depth + 1 + L->level, 0, count))
		return false;
	L->tape_bytes += ytape_put(&s->tape, ev);
	note_list_anchor(t, ev);
	if (L->tape_bytes > TAPE_MAX_BYTES) {
		event_error(t, ev, "entries: the lists of this file take more than %s MiB as "
				   "YAML; write large data sets with entries_file:", "256");
		return false;
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT)
		L->items[++L->level] = 0;
	return true;
}

static bool tree_event(struct loader *L, yaml_event_t *ev)
{
	struct ytree *t = L->t;
	struct ybuild *b = L->b;
	size_t count = 0;
	bool entries;

	if (is_end(ev)) {
		ybuild_close(b);
		return true;
	}
	if (!is_node(ev))
		return true;
	if (b->depth)
		count = b->n_work - b->base[b->depth - 1] + 1;
	if (!check_event(t, ev, b->depth, ++L->nodes, count))
		return false;
	entries = ev->type == YAML_SEQUENCE_START_EVENT && at_entries(b);
	if (!ybuild_event(t, b, ev, NULL))
		return false;
	if (entries) {
		/* the list stays empty in the tree: its items are read by ystream_items() */
		ybuild_close(b);
		t->streams = xgrow(t->streams, t->n_streams, sizeof(*t->streams));
		t->streams[t->n_streams++] = (struct ystream){
			.node = (int)b->n_nodes,
			.keep = b->n_anchors > 0,
		};
		L->in_stream = true;
		L->level = 0;
	}
	return true;
}

/* ---- the entries lane: the items the reader kept from libyaml -------------------- */

static bool mark_after(const yaml_mark_t *a, const yaml_mark_t *b)
{
	return a->line > b->line || (a->line == b->line && a->column > b->column);
}

static bool plain_text(const yaml_event_t *ev, const char *text)
{
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       !ev->data.scalar.anchor && !ev->data.scalar.tag &&
	       ev->data.scalar.length == strlen(text) &&
	       !memcmp(ev->data.scalar.value, text, ev->data.scalar.length);
}

/* ev is the key `entries` of block k, where libyaml reads a key of a block mapping. */
static bool lane_key(const struct loader *L, const yaml_event_t *ev, const struct ylane_block *k)
{
	const struct ybuild *b = L->b;
	const yaml_node_t *m;

	if (!plain_text(ev, "entries") || ev->start_mark.line != k->key.line ||
	    ev->start_mark.column != k->key.column || L->docs != 1 || L->in_stream || !b->depth)
		return false;
	m = &b->nodes[b->open[b->depth - 1] - 1];
	return m->type == YAML_MAPPING_NODE && m->data.mapping.style == YAML_BLOCK_MAPPING_STYLE &&
	       (b->n_work - b->base[b->depth - 1]) % 2 == 0;
}

/*
 * ev, the key's value as libyaml read it without the hidden items, is what
 * it leaves: nothing, or the rest of the list (its first item right where
 * the reader stopped hiding, at the items' column).
 */
static bool lane_value(const yaml_event_t *ev, const struct ylane_block *k)
{
	if (ev->type == YAML_SCALAR_EVENT)
		return plain_text(ev, "");
	return ev->type == YAML_SEQUENCE_START_EVENT &&
	       ev->data.sequence_start.style == YAML_BLOCK_SEQUENCE_STYLE &&
	       !ev->data.sequence_start.anchor && !ev->data.sequence_start.tag &&
	       ev->start_mark.line == k->end_line && ev->start_mark.column == k->dash_col;
}

/* The list libyaml would have started at the first item, its items from block k. */
static bool lane_splice(struct loader *L, const yaml_event_t *ev, struct ylane_block *k)
{
	yaml_event_t seq;
	struct ystream *s;

	memset(&seq, 0, sizeof(seq));
	seq.type = YAML_SEQUENCE_START_EVENT;
	seq.start_mark = seq.end_mark = k->first;
	/* a list at the key's own column has no indentation token: it ends past its dash */
	seq.end_mark.column += k->dash_col == k->key.column;
	seq.data.sequence_start.implicit = 1;
	seq.data.sequence_start.style = YAML_BLOCK_SEQUENCE_STYLE;
	if (!at_entries(L->b) || !tree_event(L, &seq))
		return false;
	s = &L->t->streams[L->t->n_streams - 1];
	s->tape = k->tape;
	memset(&k->tape, 0, sizeof(k->tape));
	s->n = k->n;
	s->over = k->over;
	s->over_mark = k->over_mark;
	k->spliced = true;
	L->t->lane_items += k->n;
	L->tape_bytes += k->bytes;
	/* nothing left: the list ends here; else libyaml's items follow */
	L->in_stream = ev->type == YAML_SEQUENCE_START_EVENT;
	return L->tape_bytes <= TAPE_MAX_BYTES;
}

enum { LANE_PASS, LANE_TAKEN, LANE_OFF };

/* Every event, before it is composed: does it fit the blocks the reader hid? */
static int lane_event(struct loader *L, const yaml_event_t *ev)
{
	struct yreader *r = &L->r;
	struct ylane_block *k;

	if (L->lane_key) {
		k = &r->blocks[L->lane_key - 1];
		L->lane_key = 0;
		/* the value comes once libyaml has read past the list: the reader has */
		if (!k->done)
			return LANE_OFF;
		if (!k->n)
			return LANE_PASS;
		return lane_value(ev, k) && lane_splice(L, ev, k) ? LANE_TAKEN : LANE_OFF;
	}
	/* an `entries:` line with no item hidden after it needs no check */
	while (L->lane_next < r->n_blocks && r->blocks[L->lane_next].done &&
	       !r->blocks[L->lane_next].n)
		L->lane_next++;
	if (L->lane_next == r->n_blocks)
		return LANE_PASS;
	k = &r->blocks[L->lane_next];
	if (lane_key(L, ev, k)) {
		L->lane_key = ++L->lane_next;
		return LANE_PASS;
	}
	if (!mark_after(&ev->start_mark, &k->key) && !mark_after(&ev->end_mark, &k->key))
		return LANE_PASS;
	/*
	 * libyaml went past the key without reading it as one (a block scalar's
	 * text, a key that is not a map's...).  If the reader has hidden nothing
	 * after it yet, it never will (the lines are not libyaml's yet either).
	 */
	if (!k->n && !k->done) {
		k->refused = true;
		L->lane_next++;
		return LANE_PASS;
	}
	return LANE_OFF;
}

/* After the last event: every block hid its items in the right place. */
static bool lane_all_spliced(const struct yreader *r)
{
	size_t i;

	for (i = 0; i < r->n_blocks; i++)
		if (r->blocks[i].n && !r->blocks[i].spliced)
			return false;
	return true;
}

/* A second document is only checked (and reported once the first is in). */
static bool extra_event(struct loader *L, const yaml_event_t *ev)
{
	if (is_end(ev)) {
		L->extra_depth--;
		return true;
	}
	if (!check_event(L->t, ev, L->extra_depth, 0, 0))
		return false;
	if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT)
		L->extra_depth++;
	return true;
}

static bool load_event(struct loader *L, yaml_event_t *ev, bool *done)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		*done = true;
		return true;
	case YAML_DOCUMENT_START_EVENT:
		if (++L->docs == 2)
			L->second = ev->start_mark;
		return true;
	default:
		break;
	}
	if (L->r.lane) {
		int lane = lane_event(L, ev);

		if (lane == LANE_OFF)
			L->lane_off = true;
		if (lane != LANE_PASS)
			return lane == LANE_TAKEN;
	}
	if (L->docs > 1)
		return extra_event(L, ev);
	if (L->in_stream)
		return stream_event(L, ev);
	return tree_event(L, ev);
}

static bool open_manifest(struct ytree *t)
{
	struct loc at_file = { t->file, 0, 0 };
	struct stat st;
	int err;

	err = readfile_open(t->file, &t->fd, &st);
	if (err == -EINVAL || err == -EISDIR)
		diag_error(t->d, &at_file, "%s: not a manifest", readfile_strerror(err, 0));
	else if (err)
		diag_error(t->d, &at_file, "cannot open: %s", strerror(-err));
	return !err;
}

/*
 * The events of the whole file; false after reporting why the tree is not
 * usable.  *again: the lane hid items and something did not go as it
 * should (an error too): the caller reads the file again without the lane.
 */
static bool load_file(struct ytree *t, struct loader *L, bool lane, bool *again)
{
	struct yreader *r = &L->r;
	yaml_parser_t p;
	yaml_event_t ev;
	bool ok = true, done = false;

	yreader_start(r, t->fd, &p, lane);
	r->lane_cap_bytes = TAPE_MAX_BYTES;
	r->lane_item_limit = (size_t)YAML_MAX_ITEMS + 1;
	while (ok && !done) {
		if (!yaml_parser_parse(&p, &ev)) {
			parse_failed(t, &p, r);
			/* a broken second document is reported, the first one still read */
			ok = L->docs > 1 && !r->too_deep && !r->too_long && !r->err;
			L->docs = ok ? 1 : L->docs;
			break;
		}
		r->run = 0;
		r->run_from = ev.end_mark;
		ok = load_event(L, &ev, &done);
		yaml_event_delete(&ev);
	}
	*again = L->lane_off || L->lane_key || !lane_all_spliced(r) ||
		 (r->lane_bytes && (!ok || !done));
	yaml_parser_delete(&p);
	yreader_free(r);
	return ok;
}

/* What the loader made of t, gone; the file stays open. */
static void ytree_clear(struct ytree *t)
{
	size_t i;

	ybuild_free(t->b);
	t->b = NULL;
	memset(&t->doc, 0, sizeof(t->doc));
	free(t->dups);
	t->dups = NULL;
	t->n_dups = 0;
	for (i = 0; i < t->n_streams; i++)
		ytape_free(&t->streams[i].tape);
	for (i = 0; i < t->n_list_anchors; i++)
		free(t->list_anchors[i]);
	free(t->list_anchors);
	t->list_anchors = NULL;
	t->n_list_anchors = 0;
	free(t->streams);
	t->streams = NULL;
	t->n_streams = 0;
	t->lane_items = 0;
}

/*
 * Read the file with the lane first; if it should not have been used, all
 * it made and said is dropped and the file read again without it, so that
 * the tree and every message are what libyaml alone gives.
 */
static bool load_events(struct ytree *t, struct loader *L, bool lane)
{
	struct diag_mark said = diag_mark(t->d);
	bool ok, again = false;

	t->b = xzalloc(sizeof(*t->b));
	L->b = t->b;
	ok = load_file(t, L, lane, &again);
	if (!again) {
		if (t->lane_items)
			dbg_msg("%s: %zu entries read by the entries lane", t->file, t->lane_items);
		return ok;
	}
	dbg_msg("%s: the entries lane stood aside: reading the file again with libyaml alone",
		t->file);
	diag_rewind(t->d, said);
	ytree_clear(t);
	if (lseek(t->fd, 0, SEEK_SET) < 0) {
		diag_error(t->d, &(struct loc){ t->file, 0, 0 }, "cannot read: %s", strerror(errno));
		return false;
	}
	*L = (struct loader){ .t = t };
	t->b = xzalloc(sizeof(*t->b));
	L->b = t->b;
	return load_file(t, L, false, &again);
}

yaml_node_t *ytree_load_lane(struct ytree *t, const char *file, struct diag *d, bool lane)
{
	struct loc at_start = { file, 1, 1 };
	struct loader L = { .t = t };
	yaml_node_t *root;
	char buf[128];
	bool ok;

	memset(t, 0, sizeof(*t));
	t->file = file;
	t->d = d;
	t->fd = -1;
	if (!open_manifest(t))
		return NULL;
	ok = load_events(t, &L, lane);
	close(t->fd);
	t->fd = -1;
	if (!ok)
		return NULL;
	ybuild_finish(t->b, &t->doc);
	root = yaml_document_get_root_node(&t->doc);
	if (!root) {
		diag_error(d, &at_start, "empty manifest: expected a mapping with bpfapply and scope");
		return NULL;
	}
	if (L.docs > 1) {
		struct loc l = { file, (int)L.second.line + 1, (int)L.second.column + 1 };

		diag_error(d, &l, "expected one YAML document, found a second one");
	}
	ytree_check_keys(t);
	if (!yis_map(root)) {
		yerr(t, root, "expected a mapping at the top level, got %s",
		     ydescribe(root, buf, sizeof(buf)));
		return NULL;
	}
	return root;
}

yaml_node_t *ytree_load(struct ytree *t, const char *file, struct diag *d)
{
	return ytree_load_lane(t, file, d, true);
}

void ytree_free(struct ytree *t)
{
	if (!t)
		return;
	ytree_clear(t);
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* ---- the second pass: one entries list ------------------------------------------- */

static const struct ystream *find_stream(const struct ytree *t, const yaml_node_t *seq)
{
	size_t i;

	for (i = 0; i < t->n_streams; i++)
		if (&t->doc.nodes.start[t->streams[i].node - 1] == seq)
			return &t->streams[i];
	return NULL;
}

size_t ystream_len(const struct ytree *t, const yaml_node_t *seq)
{
	const struct ystream *s = find_stream(t, seq);

	return s ? s->n : yseq_len(seq);
}

bool ystream_bounded(struct ytree *t, const yaml_node_t *seq)
{
	const struct ystream *s = find_stream(t, seq);
	yaml_event_t at = { 0 };
	char buf[32];

	if (!s || !s->over)
		return true;
	snprintf(buf, sizeof(buf), "%u", YAML_MAX_ITEMS);
	at.start_mark = s->over_mark;
	event_error(t, &at, "a list or mapping with more than %s items", buf);
	return false;
}

/* One event of an item into b; the item's root is done when b is back at depth 0. */
static bool item_event(struct ytree *t, struct ybuild *b, yaml_event_t *ev)
{
	/* the list is 4 deep (top level, maps, the map, entries): checked on the first pass */
	if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
	    b->depth + 4 >= BLOCK_MAX_DEPTH)
		return check_event(t, ev, BLOCK_MAX_DEPTH, 0, 0);
	return ybuild_event(t, b, ev, t->b);
}

/* The item b holds, as a tree of its own, to fn (check: its keys may repeat). */
static void hand_over(struct ytree *t, struct ybuild *b, size_t i, bool check, ystream_fn fn,
		      void *arg)
{
	struct ytree it = { .file = t->file, .d = t->d, .fd = -1 };

	ybuild_finish(b, &it.doc);
	if (check)
		ytree_check_keys(&it);
	fn(arg, &it, &b->nodes[0], i);
	free(it.dups);
	ybuild_reset(b);
}

static bool entry_key(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT && !ev->data.scalar.anchor &&
	       (!strcmp((const char *)ev->data.scalar.value, "key") ||
		!strcmp((const char *)ev->data.scalar.value, "value"));
}

static bool plain_scalar(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT && !ev->data.scalar.anchor;
}

/* {key: K, value: V} in either order, scalars, no anchors: the shape of nearly every entry. */
static bool usual_item(const yaml_event_t *ev)
{
	return ev[0].type == YAML_MAPPING_START_EVENT && !ev[0].data.mapping_start.anchor &&
	       entry_key(&ev[1]) && plain_scalar(&ev[2]) && entry_key(&ev[3]) &&
	       plain_scalar(&ev[4]) && ev[5].type == YAML_MAPPING_END_EVENT &&
	       strcmp((const char *)ev[1].data.scalar.value, (const char *)ev[3].data.scalar.value);
}

/* The same nodes ybuild_event() would make, without its general bookkeeping. */
static void compose_usual(struct ybuild *b, yaml_event_t *ev)
{
	int i, id = ybuild_node(b, YAML_MAPPING_NODE, &ev[0]);

	b->nodes[id - 1].data.mapping.style = ev[0].data.mapping_start.style;
	for (i = 1; i <= 4; i++) {
		yaml_node_t *n = &b->nodes[ybuild_node(b, YAML_SCALAR_NODE, &ev[i]) - 1];

		n->data.scalar.value = ev[i].data.scalar.value;
		n->data.scalar.length = ev[i].data.scalar.length;
		n->data.scalar.style = ev[i].data.scalar.style;
	}
	b->pairs = ybuild_grow(b->pairs, &b->cap_pairs, 2, sizeof(*b->pairs));
	b->pairs[0] = (yaml_node_pair_t){ id + 1, id + 2 };
	b->pairs[1] = (yaml_node_pair_t){ id + 3, id + 4 };
	b->n_pairs = 2;
	b->kids[id - 1] = (struct ykids){ 0, 2 };
}

/*
 * The items of list s to fn, played back from its tape: six events at a
 * time, the usual entry directly, anything else through ybuild_event().
 */
static bool replay(struct ytree *t, struct ystream *s, ystream_fn fn, void *arg)
{
	struct ybuild *b = xzalloc(sizeof(*b));
	struct ytape_reader r;
	yaml_event_t ev[6];
	size_t n = 0, k, j;
	bool ok = true;

	b->borrowed = true;
	ytape_read_start(&s->tape, &r);
	while (ok) {
		/* mid-item (after an unusual start), or not a mapping: one at a time */
		for (k = 0; k < 6 && ytape_get(&r, &ev[k]);)
			if (++k, b->depth || ev[0].type != YAML_MAPPING_START_EVENT)
				break;
		if (!k)
			break;
		if (k == 6 && !b->depth && usual_item(ev)) {
			compose_usual(b, ev);
			hand_over(t, b, n++, false, fn, arg);
		} else {
			for (j = 0; j < k && ok; j++) {
				ok = item_event(t, b, &ev[j]);
				if (ok && !b->depth)
					hand_over(t, b, n++, true, fn, arg);
			}
		}
		/* the events read ahead are all used: what lies behind is not needed again */
		if (!s->keep && !b->depth)
			ytape_release(&s->tape, &r);
	}
	ybuild_free(b);
	if (!s->keep)
		ytape_free(&s->tape);
	return ok;
}

bool ystream_items(struct ytree *t, const yaml_node_t *seq, ystream_fn fn, void *arg)
{
	struct ystream *s = (struct ystream *)find_stream(t, seq);
	size_t i;

	if (!s) {
		for (i = 0; i < yseq_len(seq); i++)
			fn(arg, t, yseq_item(t, seq, i), i);
		return true;
	}
	return replay(t, s, fn, arg);
}
