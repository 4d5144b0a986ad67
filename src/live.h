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

#include "core/bytes.h"
#include "model.h"
#include "core/state.h"

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
	uint32_t other_id;    /* PIN_OTHER: id of the program or link at the pin, 0 if none */
	bool frozen;
	bool contents_read;   /* kvs hold the declared keys (merge) or the whole map (exact) */
	bool full_dump;
	struct live_kv *kvs;   /* the live reader's: in key order (readback.c) */
	size_t n_kvs;
	size_t cap_kvs;
	size_t *by_key;        /* indices of kvs sorted by key, for lookups (may be NULL) */
	uint8_t *key_arena;    /* the live reader's kvs point into these two (NULL: kvs own theirs) */
	uint8_t *val_arena;
};

/* One pin bpfapply expects, with what the kernel holds there. */
struct live_pin {
	char *name;
	char *path;
	enum pin_state pin_state; /* PIN_MAP is used for "the expected kind is there" */
	uint32_t id;
};

/* A program entry: ROOT/SCOPE/programs/ENTRY and what lies below it. */
struct live_program {
	char *name;
	char *dir;
	bool dir_exists;
	bool has_pins;            /* anything pinned below dir */
	char *unrecorded;         /* a pin below dir the state record does not name, or NULL */
	struct live_pin *progs;   /* programs named by the state record */
	size_t n_progs;
	struct live_pin *maps;    /* the object's own maps named by the state record */
	size_t n_maps;
	struct live_pin *bound;   /* {pinned: PATH} maps the manifest binds, by ELF map name */
	size_t n_bound;
};

/* An iterator link pinned at ROOT/SCOPE/iterators/NAME. */
struct live_iterator {
	char *name;
	char *pin;
	enum pin_state pin_state; /* PIN_MAP here means "an iter link" */
	uint32_t link_id;
	uint32_t prog_id;
	uint32_t param_map_id;    /* the id of a {pinned: PATH} map parameter now */
};

struct nameidx;

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
	struct live_program *programs;
	size_t n_programs;
	struct live_iterator *iterators;
	size_t n_iterators;
	struct live_link *links;    /* kinds/link/link.h */
	size_t n_links;
	struct nameidx *map_names;  /* live_find_map's hash of maps[].name; NULL: linear */
	bool no_entries;  /* destroy: no map entries read (nothing of a destroy compares them) */
};

/*
 * Read the live state of scope under root: the state record and every map
 * named by the manifest (may be NULL, e.g. for destroy --scope) or the state
 * record, with the entries the diff needs (none with no_entries: a
 * destroy).  Returns 0 or -errno with a message printed.
 */
int live_read(struct live *lv, const char *root, bool root_on_bpffs, const char *scope,
	      const struct manifest *m, bool no_entries);
void live_free(struct live *lv);

/* Look-ups in the snapshot (kinds/KIND/snapshot.c); NULL when absent. */
struct live_map *live_find_map(const struct live *lv, const char *name);
/* Value of key in a map's snapshot, NULL if the key is absent. */
const struct bytes *live_map_value(const struct live_map *lm, const struct bytes *key);
struct live_program *live_find_program(const struct live *lv, const char *name);
const struct live_pin *live_pin_find(const struct live_pin *pins, size_t n, const char *name);
struct live_iterator *live_find_iterator(const struct live *lv, const char *name);

/* Every key/value of the map behind fd (vlen: live_value_buf_size); fn
 * returning non-zero stops the walk with that value. */
typedef int (*live_kv_fn)(void *ctx, const void *key, const void *value);
int live_map_walk(int fd, uint32_t key_size, uint32_t vlen, live_kv_fn fn, void *ctx);

/* Helpers shared with the executor. */
enum bpf_fd_kind {
	BPF_FD_UNKNOWN = -1, /* /proc/self/fd could not be read */
	BPF_FD_OTHER = 0,
	BPF_FD_MAP,
	BPF_FD_PROG,
	BPF_FD_LINK,
};
/* What kind of BPF object an fd refers to (bpf_obj_get_info_by_fd works on
 * any of them and would read a program as a map): from its anon inode name. */
enum bpf_fd_kind live_fd_kind(int fd);
/*
 * The live reader fails closed: a pin it cannot open is not an absent pin,
 * and an fd whose kind it cannot read is not "something else".
 * live_pin_open: fd, -ENOENT when nothing is pinned at path, other -errno
 * with a message.  live_pin_kind: the kind, or -errno with a message.
 */
int live_pin_open(const char *path);
int live_pin_kind(int fd, const char *path);
uint32_t live_fd_id(int fd);
int live_map_info(int fd, struct bpf_map_info *info);
int live_prog_info(int fd, struct bpf_prog_info *info);
int live_link_info(int fd, struct bpf_link_info *info);
/* 0 and *frozen, or -errno when /proc/self/fdinfo cannot be read. */
int live_fd_frozen(int fd, bool *frozen);
/* Bytes of one value in a syscall buffer: round_up(value_size, 8) * ncpus for per-CPU maps. */
uint32_t live_value_buf_size(uint32_t type, uint32_t value_size, int ncpus);

#endif
