/* SPDX-License-Identifier: GPL-2.0-only */
/* xxh3 fingerprints over a canonical, length-prefixed encoding. */
#ifndef BPFAPPLY_FINGERPRINT_H
#define BPFAPPLY_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

struct fp {
	void *state; /* XXH3_state_t */
};

int fp_init(struct fp *f);
void fp_u32(struct fp *f, uint32_t v);
void fp_u64(struct fp *f, uint64_t v);
void fp_str(struct fp *f, const char *s); /* NULL and "" differ */
void fp_bytes(struct fp *f, const void *p, size_t len);
/* fp_bytes() of len bytes given in pieces: the same fingerprint. */
void fp_bytes_begin(struct fp *f, size_t len);
void fp_bytes_more(struct fp *f, const void *p, size_t len);
uint64_t fp_final(struct fp *f); /* also frees the state */
uint64_t fp_buf(const void *p, size_t len);

#endif
