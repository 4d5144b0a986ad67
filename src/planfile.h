/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Saved plans (plan -o FILE, apply FILE).  A saved plan records what it was
 * computed from: the manifest files (by absolute path) with a fingerprint of
 * their bytes and of their ELF objects, and a fingerprint of the live state
 * (state record serial, every object id, the content of the maps whose
 * entries the manifest manages).  apply FILE recomputes both and refuses
 * the plan when either changed, so what is applied is what was reviewed.
 */
#ifndef BPFAPPLY_PLANFILE_H
#define BPFAPPLY_PLANFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "live.h"
#include "model.h"
#include "plan.h"

#define PLANFILE_MAGIC "bpfapply-plan"
#define PLANFILE_VERSION 1

struct planfile {
	char *root;
	char *scope;
	char **files;
	size_t n_files;
	bool destroy;
	uint64_t serial;
	uint64_t live_fp;
	uint64_t desired_fp;
};

/* Pure fingerprints of the two sides. */
uint64_t live_fingerprint(const struct live *lv);
/* Reads the manifest files again; 0 on failure (errno set). */
uint64_t desired_fingerprint(const struct manifest *m);

int planfile_write(const char *path, const struct plan *p, const struct manifest *m,
		   const struct live *lv, const char *root);
/* -EINVAL (message printed) when path is not a saved plan this version reads. */
int planfile_read(const char *path, struct planfile *pf);
/* The same from bytes (the fuzzer's entry): -EINVAL, -ENOMEM; *version as read. */
int planfile_parse(const char *buf, size_t len, struct planfile *pf, int *version);
void planfile_free(struct planfile *pf);

#endif
