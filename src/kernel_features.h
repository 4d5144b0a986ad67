/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `features`: each kind lists what the running kernel supports of it
 * (kind_kernel_ops.features) through these helpers (cmd_features.c).
 */
#ifndef BPFAPPLY_KERNEL_FEATURES_H
#define BPFAPPLY_KERNEL_FEATURES_H

#include <stdbool.h>

#include "core/json.h"
#include "core/probe.h"
#include "model.h"

struct features {
	struct json j;
	const struct manifest *m; /* -f: only what it uses */
	unsigned caps;
};

/* One line (or JSON member): name, the answer, why (err's text when NULL). */
void features_emit(struct features *f, const char *name, enum probe_answer a, int err,
		   const char *why);
/* A program type as the ELF section sec selects it, shown as label. */
void features_probe_section(struct features *f, const char *sec, const char *label);

#endif
