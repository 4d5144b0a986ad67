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

int iterator_stage(struct exec *x, struct change *c);
int iterator_commit(struct exec *x, struct change *c);
int iterator_record(struct exec *x, struct change *c, struct state *next);

#endif
