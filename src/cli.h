/* SPDX-License-Identifier: GPL-2.0-only */
/* Command line: parsed options and the commands they drive. */
#ifndef BPFAPPLY_CLI_H
#define BPFAPPLY_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "live.h"
#include "model.h"
#include "plan.h"

#include <bpfapply/bpfapply.h>

/* Exit codes (design.md §7). */
#define EXIT_OK BPFAPPLY_EXIT_OK
#define EXIT_ERR BPFAPPLY_EXIT_ERROR
#define EXIT_CHANGES BPFAPPLY_EXIT_CHANGES

#define MAX_FILES 64

struct opts {
	const char *files[MAX_FILES];
	size_t n_files;
	const char *out;        /* plan -o */
	const char *planfile;   /* apply PLANFILE */
	const char *scope;      /* --scope */
	const char *root;
	bool root_is_default;
	bool nomount;
	bool pretty;
	bool color;
	bool destroy;           /* plan --destroy */
	bool detailed_exitcode;
	bool kernel;            /* validate --kernel */
	double lock_timeout;
};

/* What plan, apply and destroy share: manifest, lock, live snapshot, plan. */
struct run {
	struct manifest *m;
	struct live lv;
	struct plan plan;
	int lock_fd;
	bool have_live;
	bool have_plan;
	bool write;     /* apply/destroy, not plan */
	bool destroy;   /* set before run_open: a destroy reads no map entries */
};

int cmd_validate(const struct opts *o);
int cmd_plan(const struct opts *o);
int cmd_apply(const struct opts *o);
int cmd_destroy(const struct opts *o);
int cmd_show(const struct opts *o);
int cmd_graph(const struct opts *o);
int cmd_features(const struct opts *o);

/* Shared steps (cmd_run.c). */
/* Parse and check the -f files; check_elf: open the ELF objects too (not
 * needed to remove things, so destroy works when an object is gone). */
struct manifest *load_manifest(const struct opts *o, bool check_elf);
int run_open(struct run *r, const struct opts *o, const char *scope, bool write);
int run_plan(struct run *r, bool destroy);
void run_close(struct run *r);
void print_diags(const struct diag *d);

#endif
