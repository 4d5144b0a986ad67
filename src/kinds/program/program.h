/* SPDX-License-Identifier: GPL-2.0-only */
/* Program entries: shared by the pure half (kind_program_diff.c) and the kernel half. */
#ifndef BPFAPPLY_KIND_PROGRAM_H
#define BPFAPPLY_KIND_PROGRAM_H

#include <stdint.h>

#include "kind.h"

/* Fingerprint of the load parameters: type, selection, bindings, globals. */
uint64_t program_params_fp(const struct program_spec *ps);

/* The first pin a program entry's record names that is gone (*removed) or
 * holds another object, or NULL when every one is as recorded. */
const char *program_drifted_pin(const struct live_program *lp, const struct state_res *r,
				bool *removed);

int program_stage(struct exec *x, struct change *c);
int program_commit(struct exec *x, struct change *c);
int program_record(struct exec *x, struct change *c, struct state *next);

#endif
