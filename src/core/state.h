/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state record: what bpfapply knows that the kernel cannot tell — which
 * pins of a scope it created, the fingerprints of the specs that produced
 * them, their ids at commit time, and policies such as prevent_destroy.
 *
 * Encoding (version 1), little-endian:
 *   header  "BPFA" magic, u16 version, u16 header size, u64 serial,
 *           u32 raw length, u32 compressed length, u64 xxh3(raw payload)
 *   payload zlib(compress2) of a sequence of TLV records; unknown tags are
 *           skipped so that later versions can add fields.
 * It is stored as the single value of a BPF array map pinned at
 * ROOT/SCOPE/state (see state_io.c), so it lives and dies with the objects
 * it describes.
 */
#ifndef BPFAPPLY_STATE_H
#define BPFAPPLY_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_MAGIC "BPFA"
#define STATE_VERSION 1

#define STATE_F_PREVENT_DESTROY (1u << 0)
/*
 * Intent records only: no committed record named this object before the
 * apply that wrote the intent, so only the recorded id proves the pin is
 * ours (anything else there was pinned by someone else in the crash window).
 */
#define STATE_F_INTENT_NEW (1u << 1)
/* The map was declared wronly: the kernel does not report it, and a map
 * user space is not to read is not read to preserve its entries either. */
#define STATE_F_WRONLY (1u << 2)

/* Kernel objects that belong to a resource: a program entry's programs and own maps. */
enum state_sub_kind {
	SUB_PROG = 1,
	SUB_MAP = 2,
	SUB_PINNED = 3, /* a {pinned: PATH} map bound at load: its id then */
};

struct state_sub {
	uint8_t kind;
	char *name;
	uint32_t id;
};

struct state_res {
	uint8_t kind;         /* enum kind (kinds.h): the record stores its code */
	char *name;
	uint32_t id;          /* kernel id of the pinned object at commit (map id, link id) */
	uint64_t spec_fp;     /* fingerprint of the spec (and ELF) that produced it */
	uint64_t entries_fp;  /* fingerprint of the declared entries last written; 0: none
			       * (links: of the program REF) */
	uint8_t policy;       /* enum entries_policy at the last write */
	uint32_t flags;       /* STATE_F_* */
	uint64_t hook_id;     /* links: ifindex or cgroup id of the hook at commit */
	/*
	 * Intent records only: the id of the map pinned at the path when the
	 * apply began, which the commit was about to swap out (0: none).  While
	 * an apply is unfinished the pin holds id or prev_id; anything else
	 * there was put by someone else.
	 */
	uint32_t prev_id;
	struct state_sub *subs;
	size_t n_subs;
};

struct nameidx;

struct state {
	uint64_t serial;      /* bumped by every commit */
	uint64_t updated_at;  /* unix seconds of the last commit */
	char *scope;
	char *tool_version;   /* bpfapply version that wrote it */
	bool pending;         /* an apply's commit started and did not finish */
	struct state_res *res;
	size_t n;
	struct nameidx *names; /* state_find's hash of res names; NULL: linear (nameidx.h) */
};

int state_encode(const struct state *s, uint8_t **buf, size_t *len);
/* -EINVAL on anything malformed (bad magic, checksum, truncation); -EPROTO on a newer version. */
int state_decode(const uint8_t *buf, size_t len, struct state *s);
void state_free(struct state *s);
/* A record's members (state_model.c, as the rest of the in-memory operations). */
void state_res_free(struct state_res *r);

struct state_res *state_find(const struct state *s, uint8_t kind, const char *name);
/* Add (or return the existing) record for kind/name. */
struct state_res *state_upsert(struct state *s, uint8_t kind, const char *name);
void state_remove(struct state *s, uint8_t kind, const char *name);
int state_res_add_sub(struct state_res *r, uint8_t kind, const char *name, uint32_t id);
void state_res_clear_subs(struct state_res *r);
/* Replace dst's sub-records with copies of src's. */
int state_res_copy_subs(struct state_res *dst, const struct state_res *src);
int state_copy(struct state *dst, const struct state *src);

/*
 * I/O on bpffs.  state_read() returns -ENOENT when there is no record at
 * path, -EINVAL when the pin is not a bpfapply state map.  state_write()
 * builds a new map holding the encoded record, pins it at tmp_path and
 * renames it over path, so a reader sees the old or the new record whole.
 */
int state_read(const char *path, struct state *s, uint32_t *map_id);
int state_write(const char *path, const char *tmp_path, const struct state *s, uint32_t *map_id);

#endif
