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
#include <stdint.h>
#include <yaml.h>

#include "core/diag.h"
#include "model.h"

/* A mapping key that repeats an earlier one of its mapping (reported at load). */
struct ydup {
	const yaml_node_t *map;
	size_t pair;
};

struct ytree {
	yaml_document_t doc;
	bool loaded;
	const char *file; /* for struct loc: must outlive every loc made from it */
	struct diag *d;
	struct ydup *dups; /* sorted by map, pair: ymap_key_text() looks them up */
	size_t n_dups;
};

/*
 * Load the single document of file.  Reports syntax errors, an empty file,
 * more than one document, and duplicate or non-scalar keys in any mapping.
 * Returns the root node (a mapping), or NULL after reporting why not.
 */
yaml_node_t *ytree_load(struct ytree *t, const char *file, struct diag *d);
void ytree_free(struct ytree *t);

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
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Room for element n of an array grown only by this function one element at
 * a time (capacity: the next power of two).  The new element is not zeroed.
 */
void *xgrow(void *p, size_t n, size_t size);

/* ---- manifest parser internals ---------------------------------------- */

/* State of one manifest_load(): the model and what only the parser needs. */
struct parse_ctx {
	struct manifest *m;
	struct diag *d;
	/* Per map, grown with xgrow: its block had errors; skip checks that would cascade. */
	bool *map_bad;
};

/* The `maps:` section of one file (parse_maps.c). */
void parse_maps(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
/* The `programs:` and `iterators:` sections of one file (parse_programs.c). */
void parse_programs(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
void parse_iterators(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
/* The `links:` section and its cross-references (kinds/link/parse.c). */
void parse_links(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
void resolve_links(struct parse_ctx *pc);
/* REF -> entry index and index in its selection, reporting what is not declared (resolve.c). */
void resolve_prog_ref(struct parse_ctx *pc, const char *ref, const struct loc *loc, int *entry,
		      int *prog);
/* Cross-references of the whole manifest (resolve.c). */
void resolve_manifest(struct parse_ctx *pc);

/*
 * A resource name key of a section: reports an invalid name and a name
 * already declared in an earlier file (the kind is "map", "program entry",
 * "iterator").  prev is the earlier declaration's location, or NULL.
 */
bool check_resource_name(struct ytree *t, const yaml_node_t *key, const char *kind,
			 const struct loc *prev);

/*
 * A program REF "ENTRY/PROGRAM" or "ENTRY": reports a malformed one.
 * Used by map entries ({program: REF}) and iterators.
 */
bool check_prog_ref(struct ytree *t, const yaml_node_t *n, const char *what, const char *ref);

/*
 * Bytes in any of the manifest's forms: a plain integer (little-endian in
 * exactly size bytes), a DATA string, or a list of bytes.  size < 0: not
 * known (integers then take 8 bytes), no count check.  size_name names the
 * size in messages: "key: expected 4 bytes (key_size), got 3".
 */
bool parse_bytes_node(struct ytree *t, const yaml_node_t *n, const char *what, int64_t size,
		      const char *size_name, struct bytes *out);

/* A path as written in a manifest file, relative to that file's directory; malloc'd. */
char *manifest_relative_path(const char *manifest_file, const char *path);

struct maptype;
/*
 * `entries_file:` of map s (entries_file.c), after its `entries:` were
 * parsed (yaml_locs: their keys' locations).  indexed: keys are u32
 * indexes below max_entries (array-like types).
 */
void parse_entries_file(struct ytree *t, const yaml_node_t *v, struct map_spec *s,
			const struct maptype *mt, bool max_ok, bool indexed,
			const struct loc *yaml_locs);

/* "hex 0f ff"-style description of a byte string, for messages; malloc'd. */
char *describe_bytes(const struct bytes *b);

void map_spec_clear(struct map_spec *s);
void program_spec_clear(struct program_spec *p);
void iterator_spec_clear(struct iterator_spec *it);
void map_ref_clear(struct map_ref *r);

#endif
