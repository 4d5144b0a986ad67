/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one list of resource kinds.  Each value is also the kind's code in the
 * state record (core/state.h stores it as a byte), so the numbers never
 * change; iteration order (for_each_kind) is the order kinds are read, diffed
 * and shown.  What a kind does is in its tables (kind.h, kinds.c).
 */
#ifndef BPFAPPLY_KINDS_H
#define BPFAPPLY_KINDS_H

enum kind {
	KIND_MAP = 1,
	KIND_PROGRAM = 2,  /* one program entry (ELF object) */
	KIND_ITERATOR = 3,
	KIND_LINK = 4,
	KIND__COUNT,
};

#define KIND__FIRST KIND_MAP
#define for_each_kind(k) for ((k) = KIND__FIRST; (k) < KIND__COUNT; (k)++)

/* "map", "program", ...: addresses are KIND.NAME; "?" for a code no kind has. */
const char *kind_name(unsigned int k);

#endif
