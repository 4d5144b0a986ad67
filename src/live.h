/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The live model: what the kernel holds for one scope, read through bpffs
 * pins and bpf() info calls, plus the state record.  Only this stage reads
 * the kernel; the diff works on the snapshot it returns.
 */
#ifndef BPFAPPLY_LIVE_H
#define BPFAPPLY_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/bpf.h>

#include "bytes.h"
#include "model.h"
#include "state.h"

enum pin_state {
	PIN_ABSENT = 0, /* nothing pinned at the path */
	PIN_MAP,        /* a map: info is valid */
	PIN_OTHER,      /* something that is not a map (program, link) */
};

/* One key with its value as the kernel returns it (per-CPU values concatenated). */
struct live_kv {
	struct bytes key;
	struct bytes value;
};

struct live_map {
	char *name;
	char *pin;            /* ROOT/SCOPE/maps/NAME */
	enum pin_state pin_state;
	int fd;               /* open while the snapshot lives; -1 if absent */
	struct bpf_map_info info;
	bool frozen;
	bool contents_read;   /* kvs hold the declared keys (merge) or the whole map (exact) */
	bool full_dump;
	struct live_kv *kvs;
	size_t n_kvs;
};

struct live {
	char *root;       /* ROOT */
	char *scope_dir;  /* ROOT/SCOPE */
	bool root_on_bpffs; /* false: nothing there yet (apply would mount) */
	bool have_state;
	struct state state;
	uint32_t state_map_id;
	int ncpus;        /* possible CPUs, for per-CPU values */
	struct live_map *maps;
	size_t n_maps;
};

/*
 * Read the live state of scope under root: the state record and every map
 * named by the manifest (may be NULL, e.g. for destroy --scope) or the state
 * record, with the entries the diff needs.  Returns 0 or -errno with a
 * message printed.
 */
int live_read(struct live *lv, const char *root, bool root_on_bpffs, const char *scope,
	      const struct manifest *m);
void live_free(struct live *lv);

struct live_map *live_find_map(const struct live *lv, const char *name);
/* Value of key in a map's snapshot, NULL if the key is absent. */
const struct bytes *live_map_value(const struct live_map *lm, const struct bytes *key);

/* Helpers shared with the executor. */
int live_map_info(int fd, struct bpf_map_info *info);
bool live_fd_frozen(int fd);
/* Bytes of one value in a syscall buffer: round_up(value_size, 8) * ncpus for per-CPU maps. */
uint32_t live_value_buf_size(uint32_t type, uint32_t value_size, int ncpus);

#endif
