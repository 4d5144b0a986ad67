// SPDX-License-Identifier: GPL-2.0-only
/* Map types and map flags by the names bpftool uses for them. */
#include "core/maptypes.h"

#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>

/*
 * enum bpf_map_type has no #define per value, so a header too old for the
 * newest types cannot be detected by the preprocessor.  These numbers are
 * kernel ABI and never change; use them for the recent types.
 */
#define MAP_TYPE_BLOOM_FILTER 30
#define MAP_TYPE_USER_RINGBUF 31
#define MAP_TYPE_CGRP_STORAGE 32

#define C MT_CREATABLE
#define E MT_ENTRIES
#define P MT_PERCPU
#define OM MT_OF_MAPS
#define PV MT_PROG_VALUES
#define K MT_KEYLESS
#define ND MT_NO_DELETE
#define B MT_BATCH

#define NEEDS_BTF "needs BTF type information for its key and value"

static const struct maptype maptypes[] = {
	{ "hash", BPF_MAP_TYPE_HASH, C | E | B, NULL },
	{ "array", BPF_MAP_TYPE_ARRAY, C | E | ND | B, NULL },
	{ "prog_array", BPF_MAP_TYPE_PROG_ARRAY, C | E | PV, NULL },
	{ "perf_event_array", BPF_MAP_TYPE_PERF_EVENT_ARRAY, C, NULL },
	{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, C | E | P | B, NULL },
	{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, C | E | P | ND | B, NULL },
	{ "stack_trace", BPF_MAP_TYPE_STACK_TRACE, C, NULL },
	{ "cgroup_array", BPF_MAP_TYPE_CGROUP_ARRAY, C, NULL },
	{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, C | E | B, NULL },
	{ "lru_percpu_hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, C | E | P | B, NULL },
	{ "lpm_trie", BPF_MAP_TYPE_LPM_TRIE, C | E, NULL },
	{ "array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, C | E | OM, NULL },
	{ "hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS, C | E | OM, NULL },
	{ "devmap", BPF_MAP_TYPE_DEVMAP, C | E, NULL },
	{ "devmap_hash", BPF_MAP_TYPE_DEVMAP_HASH, C | E, NULL },
	{ "sockmap", BPF_MAP_TYPE_SOCKMAP, C, NULL },
	{ "cpumap", BPF_MAP_TYPE_CPUMAP, C | E, NULL },
	{ "xskmap", BPF_MAP_TYPE_XSKMAP, C, NULL },
	{ "sockhash", BPF_MAP_TYPE_SOCKHASH, C, NULL },
	{ "cgroup_storage", BPF_MAP_TYPE_CGROUP_STORAGE, C, NULL },
	{ "reuseport_sockarray", BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, C, NULL },
	{ "percpu_cgroup_storage", BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE, C | P, NULL },
	{ "queue", BPF_MAP_TYPE_QUEUE, C | K, NULL },
	{ "stack", BPF_MAP_TYPE_STACK, C | K, NULL },
	{ "sk_storage", BPF_MAP_TYPE_SK_STORAGE, 0, NEEDS_BTF },
	{ "struct_ops", BPF_MAP_TYPE_STRUCT_OPS, 0,
	  "is created from a struct_ops object in an ELF file" },
	{ "ringbuf", BPF_MAP_TYPE_RINGBUF, C | K, NULL },
	{ "inode_storage", BPF_MAP_TYPE_INODE_STORAGE, 0, NEEDS_BTF },
	{ "task_storage", BPF_MAP_TYPE_TASK_STORAGE, 0, NEEDS_BTF },
	{ "bloom_filter", MAP_TYPE_BLOOM_FILTER, C | K, NULL },
	{ "user_ringbuf", MAP_TYPE_USER_RINGBUF, C | K, NULL },
	{ "cgrp_storage", MAP_TYPE_CGRP_STORAGE, 0, NEEDS_BTF },
};

#undef C
#undef E
#undef P
#undef OM
#undef PV
#undef K
#undef ND
#undef B

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct maptype *maptype_by_name(const char *name)
{
	unsigned i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_LEN(maptypes); i++)
		if (!strcmp(maptypes[i].name, name))
			return &maptypes[i];
	return NULL;
}

const struct maptype *maptype_by_type(uint32_t type)
{
	unsigned i;

	for (i = 0; i < ARRAY_LEN(maptypes); i++)
		if (maptypes[i].type == type)
			return &maptypes[i];
	return NULL;
}

void maptype_normalise(uint32_t type, uint32_t flags, uint32_t max_entries, int ncpus,
		       uint32_t *kflags, uint32_t *kmax)
{
	uint32_t n = ncpus > 0 ? (uint32_t)ncpus : 1;

	/* fd permissions, not map attributes: map_create() keeps them out of map_flags */
	flags &= ~MAPFLAGS_USER_ACCESS;
	/* dev_map_init_map(): programs may only redirect through a devmap */
	if (type == BPF_MAP_TYPE_DEVMAP || type == BPF_MAP_TYPE_DEVMAP_HASH)
		flags |= BPF_F_RDONLY_PROG;
	/* htab_map_alloc(): per-CPU LRU lists get the same share of the entries each */
	if ((type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH) &&
	    (flags & BPF_F_NO_COMMON_LRU) && max_entries % n && max_entries <= UINT32_MAX - n)
		max_entries += n - max_entries % n;
	*kflags = flags;
	*kmax = max_entries;
}

bool lpm_key_canonicalise(uint8_t *key, uint32_t key_size)
{
	uint32_t plen, bits, i;
	bool clean = true;

	if (key_size < sizeof(plen))
		return false;
	memcpy(&plen, key, sizeof(plen)); /* host order, like struct bpf_lpm_trie_key_u8 */
	bits = (key_size - (uint32_t)sizeof(plen)) * 8;
	if (plen > bits)
		return false;
	for (i = plen; i < bits; i++) {
		uint8_t *byte = &key[sizeof(plen) + i / 8], bit = (uint8_t)(0x80u >> (i % 8));

		if (*byte & bit) {
			*byte &= (uint8_t)~bit;
			clean = false;
		}
	}
	return clean;
}

const struct maptype *maptype_at(unsigned idx)
{
	return idx < ARRAY_LEN(maptypes) ? &maptypes[idx] : NULL;
}

const char *maptype_name(uint32_t type)
{
	static char buf[32];
	const struct maptype *t = maptype_by_type(type);

	if (t)
		return t->name;
	snprintf(buf, sizeof(buf), "type %u", type);
	return buf;
}

static const struct mapflag mapflags[] = {
	{ "no_prealloc", BPF_F_NO_PREALLOC },
	{ "no_common_lru", BPF_F_NO_COMMON_LRU },
	{ "rdonly", BPF_F_RDONLY },
	{ "wronly", BPF_F_WRONLY },
	{ "stack_build_id", BPF_F_STACK_BUILD_ID },
	{ "zero_seed", BPF_F_ZERO_SEED },
	{ "rdonly_prog", BPF_F_RDONLY_PROG },
	{ "wronly_prog", BPF_F_WRONLY_PROG },
	{ "clone", BPF_F_CLONE },
	{ "mmapable", BPF_F_MMAPABLE },
	{ "preserve_elems", BPF_F_PRESERVE_ELEMS },
	{ "inner_map", BPF_F_INNER_MAP },
};

const struct mapflag *mapflag_by_name(const char *name)
{
	unsigned i;

	if (!name)
		return NULL;
	for (i = 0; i < ARRAY_LEN(mapflags); i++)
		if (!strcmp(mapflags[i].name, name))
			return &mapflags[i];
	return NULL;
}

const struct mapflag *mapflag_at(unsigned idx)
{
	return idx < ARRAY_LEN(mapflags) ? &mapflags[idx] : NULL;
}

/* Append to buf without overflowing; the result is always terminated. */
static void append(char *buf, unsigned len, unsigned *used, const char *s)
{
	int n;

	if (*used >= len)
		return;
	n = snprintf(buf + *used, len - *used, "%s%s", *used ? "," : "", s);
	if (n < 0)
		return;
	*used += (unsigned)n < len - *used ? (unsigned)n : len - *used;
}

void mapflags_format(uint32_t flags, char *buf, unsigned len)
{
	uint32_t rest = flags;
	unsigned used = 0, i;
	char hex[16];

	if (!buf || !len)
		return;
	buf[0] = '\0';
	for (i = 0; i < ARRAY_LEN(mapflags); i++) {
		if (flags & mapflags[i].bit) {
			append(buf, len, &used, mapflags[i].name);
			rest &= ~mapflags[i].bit;
		}
	}
	if (rest) {
		snprintf(hex, sizeof(hex), "0x%x", rest);
		append(buf, len, &used, hex);
	}
}
