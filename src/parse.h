/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The manifest parser's internals, shared by the kind-blind top level
 * (parse.c, resolve.c) and the kinds' sections (kinds/KIND/parse.c).
 */
#ifndef BPFAPPLY_PARSE_H
#define BPFAPPLY_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/yamltree.h"
#include "model.h"

/* State of one manifest_load(): the model and what only the parser needs. */
struct parse_ctx {
	struct manifest *m;
	struct diag *d;
	/* Per map, grown with xgrow: its block had errors; skip checks that would cascade. */
	bool *map_bad;
};

/* Cross-references of the whole manifest: each kind's resolve (resolve.c). */
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
/* The same, an integer written straight to dst (size bytes) when dst is not NULL. */
bool parse_bytes_into(struct ytree *t, const yaml_node_t *n, const char *what, int64_t size,
		      const char *size_name, struct bytes *out, uint8_t *dst);

/* Program and variable names are C identifiers (function and symbol names in the ELF). */
bool valid_ident(const char *s);
/* A map NAME of the manifest, or {pinned: /abs/path} for one bpfapply does not own. */
bool parse_map_ref(struct ytree *t, const yaml_node_t *n, const char *what, struct map_ref *r);

/* A path as written in a manifest file, relative to that file's directory; malloc'd. */
char *manifest_relative_path(const char *manifest_file, const char *path);

/* "hex 0f ff"-style description of a byte string, for messages; malloc'd. */
char *describe_bytes(const struct bytes *b);

void map_ref_clear(struct map_ref *r);

#endif
