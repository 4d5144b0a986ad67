/* SPDX-License-Identifier: GPL-2.0-only */
/* Iterators: shared by the pure half (kind_iterator_diff.c) and the kernel half. */
#ifndef BPFAPPLY_KIND_ITERATOR_H
#define BPFAPPLY_KIND_ITERATOR_H

#include <stdint.h>

#include "kind.h"

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

int iterator_stage(struct exec *x, struct change *c);
int iterator_commit(struct exec *x, struct change *c);
int iterator_record(struct exec *x, struct change *c, struct state *next);

#endif
