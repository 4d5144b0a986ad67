/* SPDX-License-Identifier: GPL-2.0-only */
/* Maps: shared between the pure half (kind_map_diff.c) and the kernel half (kind_map.c). */
#ifndef BPFAPPLY_KIND_MAP_H
#define BPFAPPLY_KIND_MAP_H

#include <stdint.h>

#include "kind.h"

uint64_t map_spec_fp(const struct manifest *m, const struct map_spec *ms);
uint64_t map_entries_fp(const struct map_spec *ms);
/* Indices of m->maps in dependency order (order has room for n_maps). */
int map_topo_order(const struct manifest *m, int *order);
/* The declared entries sorted by key (free() it), and a lookup in that array. */
const struct map_entry **map_entries_by_key(const struct map_spec *ms);
bool map_entries_has(const struct map_entry *const *sorted, size_t n, const struct bytes *key);
/*
 * One sorted merge of ms's declared entries with lm's live ones
 * (kind_map_match.c): *value_of[i] is the live value of declared entry i
 * (NULL: absent), *declared[j] whether live entry j is declared.  Both
 * malloc'd; 0 or -ENOMEM.
 */
int map_entries_match(const struct map_spec *ms, const struct live_map *lm,
		      const struct bytes ***value_of, bool **declared);

int map_stage(struct exec *x, struct change *c);
int map_stage_late(struct exec *x, struct change *c);
int map_update(struct exec *x, struct change *c);
void map_undo_update(struct exec *x, struct change *c);
int map_commit(struct exec *x, struct change *c);
int map_record(struct exec *x, struct change *c, struct state *next);

#endif
