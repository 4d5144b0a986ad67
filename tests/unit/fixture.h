/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture the plan tests share (test_diff, test_diff_kinds,
 * test_plan_render): a desired model parsed from a small manifest, a live
 * snapshot and state record built by hand the way live_read() fills them,
 * and plan_compute() in between.  Every helper fails the running test when
 * something it needs does not hold.
 */
#ifndef BPFAPPLY_UNIT_FIXTURE_H
#define BPFAPPLY_UNIT_FIXTURE_H

#include "unit.h"

#include <stdbool.h>
#include <stdio.h>

#include "core/diag.h"
#include "live.h"
#include "model.h"
#include "plan.h"

#define ROOT "/sys/fs/bpf/bpfapply"
#define SCOPE_DIR ROOT "/t"
/* The header of a manifest that declares maps only; it takes MAPS_HEADER_LINES lines. */
#define MAPS_HEADER "bpfapply: v1\nscope: t\nmaps:\n"
#define MAPS_HEADER_LINES 3

struct fx {
	struct manifest *m;
	struct live lv;
	struct plan p;
	struct diag d;
	char *out; /* last rendering */
	size_t out_len;
	char json_path[64]; /* a file the test wrote, removed at teardown when set */
};

/* cmocka setup and teardown: an empty snapshot of SCOPE_DIR on bpffs, ncpus CPUs. */
int fx_setup_ncpus(void **state, int ncpus);
int fx_setup(void **state); /* 2 CPUs */
int fx_teardown(void **state);

/* ---- the desired model -------------------------------------------------------------- */

/*
 * Parse header + body from a file in a fresh temporary directory; any
 * diagnostic fails the test.
 */
struct manifest *fx_parse(const char *header, const char *body);

/* Make m the fixture's model and give each map it declares its live slot. */
void fx_adopt(struct fx *f, struct manifest *m);

/* The declared map name. */
const struct map_spec *spec(const struct fx *f, const char *name);

/* ---- live snapshot and state record, built as live_read() would -------------------- */

/* The live map slot for name (nothing pinned), added if missing. */
struct live_map *lmap(struct fx *f, const char *name);

/* The live map as the kernel would report a map created from its spec. */
struct live_map *live_as_spec(struct fx *f, const char *name, uint32_t id);

/* A map state record; also makes sure the live snapshot has a slot for it. */
void rec(struct fx *f, const char *name, uint32_t id, uint64_t spec_fp, uint32_t flags);

/* A map bpfapply created from its current spec and that nobody touched since. */
struct live_map *managed(struct fx *f, const char *name, uint32_t id);

/* A state record of a map that is no longer declared, pinned as recorded. */
struct live_map *recorded_map(struct fx *f, const char *name, uint32_t id);

void le32(uint8_t *b, uint32_t v);

/* A live entry: a u32 key (little endian) and vlen bytes of value. */
void kv(struct live_map *lm, uint32_t key, const void *val, uint32_t vlen);

/* key and value both u32 (a prog_array slot reads back as the program's id) */
void kv32(struct live_map *lm, uint32_t key, uint32_t val);

/* ---- the plan and its checks ------------------------------------------------------- */

void compute_m(struct fx *f, const struct manifest *m, bool destroy);
void compute(struct fx *f, bool destroy); /* for f->m */

struct change *fx_change(const struct fx *f, enum kind k, const char *name);

void assert_summary(const struct plan *p, unsigned add, unsigned change, unsigned replace,
		    unsigned remove);

/* Diagnostic i exists and its text contains needle. */
void assert_diag(const struct diag *d, size_t i, const char *needle);

/* Render the plan as text into f->out (o may be NULL). */
const char *fx_render_text(struct fx *f, const struct manifest *m, const struct render_opts *o);

#endif
