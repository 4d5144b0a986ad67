/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpfapply's public interface: load a manifest, plan it against the live
 * kernel, render or carry out the plan -- what the bpfapply command does,
 * for programs that want to drive it themselves.  Link with
 * -lbpfapply -lbpf -lelf -lz -lyaml -lxxhash.
 *
 * Conventions, as libbpf's: functions return 0 or a negative errno;
 * types are opaque and named object__verb; option structs start with
 * their size so that they can grow without breaking callers.
 */
#ifndef BPFAPPLY_BPFAPPLY_H
#define BPFAPPLY_BPFAPPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BPFAPPLY_MAJOR_VERSION 0
#define BPFAPPLY_MINOR_VERSION 1

/* Exit codes of the command line tool (design contract). */
#define BPFAPPLY_EXIT_OK 0
#define BPFAPPLY_EXIT_ERROR 1
#define BPFAPPLY_EXIT_CHANGES 2

const char *bpfapply_version(void);

/*
 * Messages that are not about the manifest or the plan (system errors,
 * warnings, --debug lines) go through one print function, as libbpf's do
 * (libbpf_set_print).  The default writes them to stderr as the command
 * does ("bpfapply: MSG", "bpfapply: warning: MSG", "debug: MSG", a log as
 * it is).  msg has no trailing newline.  Returns the previous function; NULL silences.
 */
enum bpfapply_print_level {
	BPFAPPLY_ERROR,
	BPFAPPLY_WARN,
	BPFAPPLY_DEBUG, /* only when debugging is on (the command's --debug) */
	BPFAPPLY_LOG,   /* text from libbpf or the verifier, verbatim (line ends inside) */
};
typedef void (*bpfapply_print_fn_t)(enum bpfapply_print_level level, const char *msg);
bpfapply_print_fn_t bpfapply_set_print(bpfapply_print_fn_t fn);

struct bpfapply_manifest;
struct bpfapply_plan;

/*
 * Parse, resolve and check (ELF objects included) one or more manifest
 * files of one scope.  On failure every located error, one per line as
 * FILE:LINE:COL: message, is written to errors (if not NULL).
 */
int bpfapply_manifest__load(const char *const *files, size_t n_files, FILE *errors,
			    struct bpfapply_manifest **out);
const char *bpfapply_manifest__scope(const struct bpfapply_manifest *m);
void bpfapply_manifest__free(struct bpfapply_manifest *m);

struct bpfapply_plan_opts {
	size_t sz;           /* sizeof(struct bpfapply_plan_opts) */
	const char *root;    /* pin root; NULL: /sys/fs/bpf/bpfapply */
	bool destroy;        /* plan removing what the scope owns */
	bool for_apply;      /* mount bpffs if needed, take the exclusive lock */
	bool nomount;
	double lock_timeout; /* seconds; 0 means the default, 30 */
};

/*
 * Read the live state of the manifest's scope and compute the plan.  With
 * for_apply, the scope stays locked until the plan is freed.  Problems
 * that forbid the plan are written to errors.
 */
int bpfapply_plan__compute(const struct bpfapply_manifest *m, const struct bpfapply_plan_opts *opts,
			   FILE *errors, struct bpfapply_plan **out);
bool bpfapply_plan__has_changes(const struct bpfapply_plan *p);
/* The plan as the command prints it: text (design.md §7), or JSON. */
int bpfapply_plan__render(const struct bpfapply_plan *p, FILE *f, bool json, bool pretty);
/* Carry out a plan computed with for_apply, once (-EALREADY after). */
int bpfapply_plan__apply(struct bpfapply_plan *p);
void bpfapply_plan__free(struct bpfapply_plan *p);

#ifdef __cplusplus
}
#endif

#endif
