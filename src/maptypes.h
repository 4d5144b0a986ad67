/* SPDX-License-Identifier: GPL-2.0-only */
/* Map type and map flag names, as bpftool spells them. */
#ifndef BPFAPPLY_MAPTYPES_H
#define BPFAPPLY_MAPTYPES_H

#include <stdbool.h>
#include <stdint.h>

/* What a map type allows in a manifest. */
enum maptype_caps {
	MT_CREATABLE = 1 << 0,   /* can be created from a manifest alone (no BTF, no device) */
	MT_ENTRIES = 1 << 1,     /* key/value entries can be declared */
	MT_PERCPU = 1 << 2,      /* values are per CPU */
	MT_OF_MAPS = 1 << 3,     /* needs inner_map; values are {map: NAME} */
	MT_PROG_VALUES = 1 << 4, /* values are {program: REF} */
	MT_KEYLESS = 1 << 5,     /* key_size must be 0 (queue, stack, bloom filter, ringbufs) */
	MT_NO_DELETE = 1 << 6,   /* entries cannot be deleted (arrays): "remove" zeroes */
	MT_BATCH = 1 << 7,       /* BPF_MAP_UPDATE_BATCH works */
};

struct maptype {
	const char *name; /* bpftool's name: "percpu_hash" */
	uint32_t type;    /* enum bpf_map_type */
	unsigned caps;
	const char *why_not; /* for !MT_CREATABLE: why bpfapply cannot create it */
};

const struct maptype *maptype_by_name(const char *name);
const struct maptype *maptype_by_type(uint32_t type);
/* Iterate: returns NULL past the end. */
const struct maptype *maptype_at(unsigned idx);
/* Name of a type for display, "type 42" style for unknown ones (static buffer). */
const char *maptype_name(uint32_t type);
/* Flags the kernel sets on its own for a type (devmaps are read-only to
 * programs), to be ignored when comparing declared and live flags. */
uint32_t maptype_kernel_flags(uint32_t type);

struct mapflag {
	const char *name; /* "no_prealloc" */
	uint32_t bit;     /* BPF_F_NO_PREALLOC */
};
const struct mapflag *mapflag_by_name(const char *name);
const struct mapflag *mapflag_at(unsigned idx);
/* Render flags as "no_prealloc,mmapable" (plus 0x... for unnamed bits). */
void mapflags_format(uint32_t flags, char *buf, unsigned len);

#endif
