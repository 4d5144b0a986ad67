/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A loaded YAML document with typed accessors that report located errors,
 * and the internal interface between the manifest parser's files
 * (parse.c, parse_maps.c, parse_programs.c, resolve.c).
 *
 * Accessors take the node of a value and "what", the key it was found
 * under, and report "WHAT: expected ..., got ..." at the node.  They
 * return true when the value is good.
 */
#ifndef BPFAPPLY_YAMLTREE_H
#define BPFAPPLY_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <yaml.h>

#include "core/diag.h"
#include "model.h"

/* A mapping key that repeats an earlier one of its mapping (reported at load). */
struct ydup {
	const yaml_node_t *map;
	size_t pair;
};

struct ybuild;
struct ystream;

struct ytree {
	yaml_document_t doc; /* nodes only: composed by the loader (yamlstream.c) */
	const char *file; /* for struct loc: must outlive every loc made from it */
	struct diag *d;
	struct ydup *dups; /* sorted by map, pair: ymap_key_text() looks them up */
	size_t n_dups;
	/* the loader's: the file while it is read, the nodes, the recorded lists */
	int fd;
	struct ybuild *b;
	struct ystream *streams;
	size_t n_streams;
	char **list_anchors; /* anchors inside the recorded lists' items */
	size_t n_list_anchors;
	size_t lane_items; /* items libyaml never saw (core/yamlread.h) */
};

/*
 * Load the single document of file.  Reports syntax errors, an empty file,
 * more than one document, and duplicate or non-scalar keys in any mapping.
 * Returns the root node (a mapping), or NULL after reporting why not.
 * The items of every map's `entries:` list are not in the tree (the list
 * node has none): read them with ystream_items().
 */
yaml_node_t *ytree_load(struct ytree *t, const char *file, struct diag *d);
/* The same; lane false: libyaml reads every item (what the lane is checked against). */
yaml_node_t *ytree_load_lane(struct ytree *t, const char *file, struct diag *d, bool lane);
void ytree_free(struct ytree *t);

/*
 * The items of list seq: of an `entries:` list the loader recorded, played
 * back one at a time, each the root of a scratch tree it (valid during the
 * call; once only, unless an alias may name the list again); of any other
 * list, its items in t.
 */
typedef void (*ystream_fn)(void *arg, struct ytree *it, const yaml_node_t *item, size_t i);
bool ystream_items(struct ytree *t, const yaml_node_t *seq, ystream_fn fn, void *arg);
/* How many items seq has. */
size_t ystream_len(const struct ytree *t, const yaml_node_t *seq);
/*
 * A streamed list within the item limit of any other list; reports the
 * item past it if not.  (A map's max_entries bounds its list otherwise.)
 */
bool ystream_bounded(struct ytree *t, const yaml_node_t *seq);

/* For the loader (yamlstream.c): libyaml's error, and the keys check of every mapping of t. */
void ytree_syntax_error(struct ytree *t, const yaml_parser_t *p);
void ytree_check_keys(struct ytree *t);

struct loc ytree_loc(const struct ytree *t, const yaml_node_t *n);
void yerr(struct ytree *t, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Kinds and texts; all accept NULL. */
const char *yscalar(const yaml_node_t *n); /* the text, or NULL if not a scalar */
bool yis_plain(const yaml_node_t *n);      /* an unquoted scalar */
bool yis_null(const yaml_node_t *n);       /* plain "", "~", "null" */
bool yis_map(const yaml_node_t *n);
bool yis_seq(const yaml_node_t *n);
/* What a node is, for "got ..." in messages: `"four"`, `7`, `a list`. */
const char *ydescribe(const yaml_node_t *n, char *buf, size_t len);
/* s in double quotes, escaped and shortened to fit buf, for messages. */
const char *yquote(const char *s, char *buf, size_t len);

/* Mapping pairs and sequence items as nodes. */
size_t ymap_len(const yaml_node_t *n);
yaml_node_t *ymap_key(struct ytree *t, const yaml_node_t *n, size_t i);
yaml_node_t *ymap_value(struct ytree *t, const yaml_node_t *n, size_t i);
/* Key text of pair i; NULL for a key already reported (not a string, or a duplicate). */
const char *ymap_key_text(struct ytree *t, const yaml_node_t *n, size_t i);
size_t yseq_len(const yaml_node_t *n);
yaml_node_t *yseq_item(struct ytree *t, const yaml_node_t *n, size_t i);

/*
 * Pick the known keys of mapping n: keys[i]/vals[i] get the key and value
 * nodes of allowed[i] (NULL when absent).  A key not in allowed is reported
 * as `unknown key "K" in CONTEXT`.  Returns false if n is not a mapping
 * (reported as "WHAT: expected a mapping, got ...") or had unknown keys.
 */
bool yfields(struct ytree *t, const yaml_node_t *n, const char *what, const char *context,
	     const char *const *allowed, size_t n_allowed, yaml_node_t **keys, yaml_node_t **vals);
/* `CONTEXT: missing required key "K"` at the mapping when val is NULL. */
bool yrequire(struct ytree *t, const yaml_node_t *map, const yaml_node_t *val, const char *key,
	      const char *context);

/* Typed values.  Integers and booleans must be plain scalars. */
bool yget_str(struct ytree *t, const yaml_node_t *n, const char *what, const char **out);
bool yget_uint(struct ytree *t, const yaml_node_t *n, const char *what, uint64_t min,
	       uint64_t max, uint64_t *out);
bool yget_bool(struct ytree *t, const yaml_node_t *n, const char *what, bool *out);
/* One of names (quoted or not); "WHAT: expected a, b or c, got ..." */
bool yget_enum(struct ytree *t, const yaml_node_t *n, const char *what,
	       const char *const *names, size_t n_names, int *out);
bool yexpect_map(struct ytree *t, const yaml_node_t *n, const char *what);
bool yexpect_seq(struct ytree *t, const yaml_node_t *n, const char *what);

/* Allocation that cannot fail: the parser stops the program when memory runs out. */
void *xzalloc(size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/*
 * Out of memory in the parser: jump to the catch set with xoom_catch (NULL
 * clears it).  The x* allocators call it; so may any parser code that
 * meets ENOMEM from elsewhere.
 */
void xoom_catch(jmp_buf *env);
__attribute__((noreturn)) void xoom(void);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Room for element n of an array grown only by this function one element at
 * a time (capacity: the next power of two).  The new element is not zeroed.
 */
void *xgrow(void *p, size_t n, size_t size);

#endif
