/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Program entries: the `programs:` section (parse.c), the offline checks
 * against the ELF objects (elf_check.c), the live reader (live.c), the pure
 * diff (diff.c) and the executor's steps (exec.c); kind.c fills the pure
 * table, exec.c the kernel one.  This header is their shared interface.
 */
#ifndef BPFAPPLY_KIND_PROGRAM_H
#define BPFAPPLY_KIND_PROGRAM_H

#include <stdint.h>

#include "kind.h"
#include "parse.h"

/* refs.c: the programs an entry loads (its selection, or every program in
 * the ELF), and "ENTRY/PROG" or "ENTRY" resolved to an entry index and a
 * program name (0, -ENOENT, or -EINVAL for an ENTRY of several programs) */
size_t program_count(const struct program_spec *ps);
const char *program_name_at(const struct program_spec *ps, size_t i);
int ref_resolve(const struct manifest *m, const char *ref, int *entry, const char **prog);
/* At parse time: REF -> entry index and index in its selection (-1: the
 * ENTRY form, or no selection), reporting what is not declared */
void resolve_prog_ref(struct parse_ctx *pc, const char *ref, const struct loc *loc, int *entry,
		      int *prog);

/* parse.c */
void parse_programs(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
void program_spec_clear(struct program_spec *p);

/* elf_check.c: read the entries' ELF objects and check them; a program REF
 * resolved against them (*pos: in the entry's list of loaded programs) */
void program_load_objects(struct manifest *m, struct diag *d);
bool program_resolve_ref(const struct manifest *m, const char *ref, const struct loc *loc,
			 int *entry, int *pos, struct diag *d);

/* diff.c */
int program_diff(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
		 struct diag *d);
int program_diff_late(struct plan *p, const struct manifest *m, struct live *lv,
		      struct diag *d);
void program_describe(const struct change *c, const struct manifest *m, char *buf, size_t len);
void program_json_attrs(const struct change *c, const struct manifest *m, bool after,
			struct json *j);

/* Fingerprint of the load parameters: type, selection, bindings, globals. */
uint64_t program_params_fp(const struct program_spec *ps);

/* The first pin a program entry's record names that is gone (*removed) or
 * holds another object, or NULL when every one is as recorded. */
const char *program_drifted_pin(const struct live_program *lp, const struct state_res *r,
				bool *removed);

/* live.c: what a saved plan checks has not changed */
void program_fingerprint_live(struct fp *f, const struct live *lv);

/* probe.c: what the running kernel refuses (kind_kernel_ops.probe) */
unsigned program_probe(const struct manifest *m, bool (*only)(void *, const char *, const char *),
		       void *ctx, unsigned caps, struct diag *d);
struct features;
void program_features(struct features *f);
/* Does a program of m (every one, when m is NULL) have section sec? */
bool program_uses_section(const struct manifest *m, const char *sec);

/* exec.c; exec_prog_fd for the kinds that use programs: a new fd (close it)
 * for program prog of entry m->programs[entry], the staged one when the
 * entry is (re)loaded, else the live one; -errno */
int exec_prog_fd(const struct exec *x, int entry, const char *prog);
int program_stage(struct exec *x, struct change *c);
int program_commit(struct exec *x, struct change *c);
int program_record(struct exec *x, struct change *c, struct state *next);

/* live.c reads this kind's part of the snapshot, snapshot.c frees it */
int live_read_programs(struct live *lv, const struct manifest *m);
void live_free_programs(struct live *lv);

#endif
