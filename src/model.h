/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The desired model: what a manifest (one or more files of one scope) asks
 * for, fully typed, with the location of everything a later stage may need
 * to complain about.  Produced by manifest_load(), read by everything else.
 */
#ifndef BPFAPPLY_MODEL_H
#define BPFAPPLY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/bytes.h"
#include "core/diag.h"
#include "kinds.h"

#define NAME_MAX_LEN 64 /* manifest names: [A-Za-z0-9_-]{1,64} */
#define KNAME_MAX 15    /* kernel object names: BPF_OBJ_NAME_LEN - 1 */

enum entries_policy {
	POLICY_MERGE = 0, /* default */
	POLICY_SEED,
	POLICY_EXACT,
};
const char *policy_name(enum entries_policy p);

enum value_kind {
	VAL_BYTES = 0, /* DATA string, byte list or integer */
	VAL_MAP,       /* {map: NAME}: a map of this manifest (map-in-map) */
	VAL_PROGRAM,   /* {program: REF}: a program of this manifest (prog_array) */
};

struct elf_info;

/*
 * One declared entry as the later stages read it: a view built by
 * map_entry_get() over the map's packed arrays.  Nothing in it is owned.
 */
struct map_entry {
	struct loc loc; /* of the entry (the "- " item) */
	struct bytes key;
	enum value_kind vkind;
	struct bytes value; /* VAL_BYTES: exactly value_size bytes */
	const char *ref;    /* VAL_MAP: map name; VAL_PROGRAM: "ENTRY/PROG" or "ENTRY" */
	struct loc ref_loc;
	int ref_index;      /* resolved: VAL_MAP -> index in manifest.maps; VAL_PROGRAM -> program entry */
	int ref_prog;       /* resolved: VAL_PROGRAM -> index in that entry's program list, -1 = only one */
};

/* Where an `entries:` item starts, in the file of its map (4 bytes each: lines and columns fit). */
struct entry_loc {
	uint32_t line, col;
};

/* An entry whose value is a reference ({map: NAME}, {program: REF}): few, kept aside. */
struct map_entry_ref {
	size_t entry; /* index of the entry */
	enum value_kind vkind;
	char *ref;
	struct loc ref_loc;
	int ref_index;
	int ref_prog;
};

struct map_spec {
	char *name;       /* manifest key: pin name under ROOT/SCOPE/maps/ */
	struct loc loc;   /* of the key */
	char kname[KNAME_MAX + 1]; /* kernel object name */
	uint32_t type;    /* enum bpf_map_type */
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t flags;   /* map_flags */
	char *inner_map;  /* template map name, NULL if none */
	struct loc inner_loc;
	int inner_index;  /* resolved index into manifest.maps, -1 if none */
	enum entries_policy policy;
	/*
	 * The declared entries, packed as BPF_MAP_UPDATE_BATCH takes them:
	 * entries [0, n_yaml_entries) come from `entries:` (keys, values,
	 * locs), the rest are the records of entries_file (key and value
	 * interleaved in records).  Read them through map_entry_key(),
	 * map_entry_value(), map_entry_loc() and map_entry_get().
	 */
	size_t n_entries;
	size_t n_yaml_entries;
	uint8_t *keys;   /* n_yaml_entries * key_size */
	uint8_t *values; /* n_yaml_entries * value_size; zero for reference values */
	struct entry_loc *locs;
	struct map_entry_ref *refs; /* ascending entry */
	size_t n_refs;
	bool has_entries;  /* an `entries:` or `entries_file:` key was present (even if empty) */
	char *entries_file;      /* entries_file: as written, or NULL */
	char *entries_file_path; /* resolved against the manifest file's directory */
	struct loc entries_file_loc;
	uint64_t entries_file_fp; /* of its contents: saved plans go stale when it changes */
	uint8_t *records; /* the file's contents */
	struct loc records_loc; /* reported for every record */
	bool frozen;
	bool prevent_destroy;
	bool preserve_entries;
};

/* A map a program or iterator uses: a manifest map, or an outside pin. */
struct map_ref {
	char *name;   /* manifest map name, or NULL */
	char *pinned; /* {pinned: PATH}: existing map not owned by bpfapply */
	struct loc loc;
	int index;    /* resolved index into manifest.maps, -1 for pinned */
};

struct map_binding {
	char *elf_name; /* map name in the ELF object */
	struct loc loc;
	struct map_ref target;
};

struct global_var {
	char *name;
	struct loc loc;
	bool is_int;      /* integer literal: sized from BTF at load time */
	char *int_text;   /* the literal, when is_int */
	struct bytes data; /* DATA string / byte list, when !is_int */
};

struct program_spec {
	char *name;        /* ENTRY: pin dir under ROOT/SCOPE/programs/ */
	struct loc loc;
	char *object;      /* as written */
	char *object_path; /* resolved against the manifest file's directory */
	struct loc object_loc;
	char *type;        /* program type override (bpftool/libbpf name), or NULL */
	struct loc type_loc;
	char **progs;      /* selection; n_progs == 0 means all */
	struct loc *prog_locs;
	size_t n_progs;
	struct map_binding *maps;
	size_t n_maps;
	struct global_var *globals;
	size_t n_globals;
	struct elf_info *elf; /* filled by manifest_check_objects(); owned */
};

enum iter_param {
	ITER_PARAM_NONE = 0,
	ITER_PARAM_MAP,
	ITER_PARAM_TASK,
	ITER_PARAM_CGROUP,
};

struct iterator_spec {
	char *name;
	struct loc loc;
	char *program; /* REF */
	struct loc program_loc;
	int prog_entry; /* resolved index into manifest.programs */
	int prog_index; /* resolved index into that entry's selection, -1 = only one */
	enum iter_param param;
	struct loc param_loc;
	struct map_ref map;   /* ITER_PARAM_MAP */
	uint32_t task_id;     /* ITER_PARAM_TASK */
	bool task_is_tid;
	char *cgroup_path;    /* ITER_PARAM_CGROUP */
	char *cgroup_order;   /* descendants_pre | descendants_post | ancestors_up | self_only */
};

struct link_spec; /* kinds/link/link.h */
struct nameidx;

struct manifest {
	char *scope;
	struct loc scope_loc;
	struct map_spec *maps;
	size_t n_maps;
	struct program_spec *programs;
	size_t n_programs;
	struct iterator_spec *iterators;
	size_t n_iterators;
	struct link_spec *links;
	size_t n_links;
	char **files; /* every file read; struct loc.file points into these */
	size_t n_files;
	/* hashed look-ups by name, one per kind (by enum kind); NULL: linear (see nameidx.h) */
	struct nameidx *names;
};

/*
 * Parse and resolve the given files (all must name the same scope) into one
 * model.  Every problem is added to d; returns NULL if there was any.
 */
struct manifest *manifest_load(const char *const *files, size_t n_files, struct diag *d);
/*
 * Read the objects the manifest names (ELF files) and check it against them:
 * selected programs, reused map names and shapes, globals, program REFs of
 * prog_array values, iterators and links, iterator sections and parameters,
 * program types against hooks.  Located errors go to d; returns 0.
 */
int manifest_check_objects(struct manifest *m, struct diag *d);
void manifest_free(struct manifest *m);

/* Entry i of s (i < s->n_entries), see struct map_spec. */
const uint8_t *map_entry_key(const struct map_spec *s, size_t i);
const uint8_t *map_entry_value(const struct map_spec *s, size_t i);
struct loc map_entry_loc(const struct map_spec *s, size_t i);
/* The reference value of entry i, or NULL for bytes. */
struct map_entry_ref *map_entry_ref_of(const struct map_spec *s, size_t i);
/* The whole of entry i as a view into s; returns e. */
const struct map_entry *map_entry_get(const struct map_spec *s, size_t i, struct map_entry *e);

/* Look-ups by name (hashed once the manifest is loaded; kinds.c); -1 when absent. */
int manifest_index(const struct manifest *m, unsigned int kind, const char *name);
static inline int manifest_map_index(const struct manifest *m, const char *name)
{
	return manifest_index(m, KIND_MAP, name);
}
static inline int manifest_program_index(const struct manifest *m, const char *name)
{
	return manifest_index(m, KIND_PROGRAM, name);
}
static inline int manifest_iterator_index(const struct manifest *m, const char *name)
{
	return manifest_index(m, KIND_ITERATOR, name);
}
static inline int manifest_link_index(const struct manifest *m, const char *name)
{
	return manifest_index(m, KIND_LINK, name);
}

/* Kernel name rule: [A-Za-z0-9_.]{0,15}.  Manifest name rule: [A-Za-z0-9_-]{1,64}. */
bool valid_kname(const char *s);
bool valid_resource_name(const char *s);
bool valid_scope_name(const char *s); /* [a-z0-9_-]{1,64} */

#endif
