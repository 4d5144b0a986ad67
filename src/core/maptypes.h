/* SPDX-License-Identifier: GPL-2.0-only */
/* Map type and map flag names, as bpftool spells them. */
#ifndef BPFAPPLY_MAPTYPES_H
#define BPFAPPLY_MAPTYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/bpf.h>

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
/* Map flags that only decide what user space may do with the map's fds:
 * the kernel applies them but never reports them back. */
#define MAPFLAGS_USER_ACCESS (BPF_F_RDONLY | BPF_F_WRONLY)

/*
 * What the kernel reports (bpf_map_info) for a map created with these
 * attributes on a machine with ncpus possible CPUs: user-access flags
 * dropped, devmaps made read-only to programs, no_common_lru LRU sizes
 * rounded up to a multiple of the CPU count.  See docs/design-notes.md.
 */
void maptype_normalise(uint32_t type, uint32_t flags, uint32_t max_entries, int ncpus,
		       uint32_t *kflags, uint32_t *kmax);

/*
 * An lpm_trie key is a u32 prefix length then the data.  Bits of the data
 * past the prefix length do not tell nodes apart: clear them.  Returns
 * false when the key had such bits, or a prefix length longer than its data
 * (left as it is then).
 */
bool lpm_key_canonicalise(uint8_t *key, uint32_t key_size);

struct mapflag {
	const char *name; /* "no_prealloc" */
	uint32_t bit;     /* BPF_F_NO_PREALLOC */
};
const struct mapflag *mapflag_by_name(const char *name);
const struct mapflag *mapflag_at(unsigned idx);
/* Render flags as "no_prealloc,mmapable" (plus 0x... for unnamed bits). */
void mapflags_format(uint32_t flags, char *buf, unsigned len);

#endif
