/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Iterators: the `iterators:` section (parse.c), the live reader (live.c),
 * the pure diff (diff.c) and the executor's steps (exec.c); kind.c fills the
 * pure table, exec.c the kernel one.  This header is their shared interface.
 */
#ifndef BPFAPPLY_KIND_ITERATOR_H
#define BPFAPPLY_KIND_ITERATOR_H

#include <stdint.h>

#include "kind.h"
#include "parse.h"

/* parse.c */
void parse_iterators(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
void iterator_spec_clear(struct iterator_spec *it);

/* check.c: iter/ sections and parameters against the ELF objects */
void iterator_check_objects(struct manifest *m, struct diag *d);

/* diff.c */
int iterator_diff(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
		  struct diag *d);
void iterator_describe(const struct change *c, const struct manifest *m, char *buf, size_t len);
void iterator_json_attrs(const struct change *c, const struct manifest *m, bool after,
			 struct json *j);

/* Fingerprint of what the link is made from: program REF and parameter. */
uint64_t iterator_spec_fp(const struct manifest *m, const struct iterator_spec *it);

/* enum bpf_cgroup_iter_order of a manifest's order name (NULL: descendants_pre). */
int iterator_cgroup_order(const char *name);

/*
 * Fill linfo with the iterator's parameter.  map_fd is the map of a map
 * parameter (-1 otherwise); *close_fd is what the caller closes once the
 * link exists (that map, the cgroup directory, or -1).  0 or -errno.
 */
union bpf_iter_link_info;
int iterator_link_info(const struct iterator_spec *it, int map_fd,
		       union bpf_iter_link_info *linfo, int *close_fd);

/* live.c: what a saved plan checks has not changed */
void iterator_fingerprint_live(struct fp *f, const struct live *lv);

/* probe.c: what the running kernel refuses (kind_kernel_ops.probe) */
unsigned iterator_probe(const struct manifest *m, bool (*only)(void *, const char *, const char *),
		        void *ctx, unsigned caps, struct diag *d);
struct features;
void iterator_features(struct features *f);

/* exec.c */
int iterator_stage(struct exec *x, struct change *c);
int iterator_commit(struct exec *x, struct change *c);
int iterator_record(struct exec *x, struct change *c, struct state *next);

/* live.c reads this kind's part of the snapshot, snapshot.c frees it */
int live_read_iterators(struct live *lv, const struct manifest *m);
void live_free_iterators(struct live *lv);

#endif
