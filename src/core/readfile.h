/* SPDX-License-Identifier: GPL-2.0-only */
/* Bounded reads of the files bpfapply is given: manifests, ELF objects, saved plans. */
#ifndef BPFAPPLY_READFILE_H
#define BPFAPPLY_READFILE_H

#include <stddef.h>

/*
 * Largest file of each kind bpfapply reads whole; far more than any real
 * one.  Manifests are not read whole (see core/yamlstream.c): no cap.
 */
#define ELF_MAX_BYTES (256u << 20)
/* a saved plan carries the plan's text, which can be long */
#define PLANFILE_MAX_BYTES (64u << 20)

/*
 * Read the whole of path, which must be a regular file of at most max bytes
 * (a device, FIFO or directory would never end or never start).  *buf is
 * malloc'd with a NUL after the *len bytes.  0, or -EINVAL (not a regular
 * file), -EFBIG (larger than max), -errno; readfile_strerror() words them.
 */
int readfile(const char *path, size_t max, char **buf, size_t *len);
/* Open path for reading, checked the same way; *st is what was opened. */
struct stat;
int readfile_open(const char *path, int *fd, struct stat *st);
const char *readfile_strerror(int err, size_t max);

#endif
