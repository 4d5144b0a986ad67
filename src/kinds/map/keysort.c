// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sorting keys of one size, packed or strided, into the diff's key order (bytes_cmp:
 * for keys of one length, memcmp order).  Both sides of the entries diff
 * are sorted this way: a million u32 keys in a few passes, where a
 * comparison sort spends most of a no-op plan's time in memcmp (little-
 * endian integers that ascend as numbers do not ascend as bytes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/map/map.h"

/* Keys up to this size are radix sorted (a pass a byte), longer ones compared. */
#define RADIX_MAX_KEY 16u

struct packed {
	const uint8_t *keys;
	uint32_t ksz;
	size_t stride;
};

static bool keys_ascend(const struct packed *p, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (memcmp(p->keys + (i - 1) * p->stride, p->keys + i * p->stride, p->ksz) >= 0)
			return false;
	return true;
}

static int cmp_key_at(const void *a, const void *b, void *ctx)
{
	const struct packed *p = ctx;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = memcmp(p->keys + ia * p->stride, p->keys + ib * p->stride, p->ksz);

	return c ? c : (ia > ib) - (ia < ib); /* stable, as the radix sort is */
}

/*
 * LSD radix sort of the indices, last key byte first (stable: equal keys
 * keep their order).  The histograms do
 * not depend on the order, so one sequential pass counts them all, and a
 * byte every key shares costs no pass.
 */
static int radix_sort(const struct packed *p, size_t n, size_t *idx)
{
	const uint8_t *keys = p->keys;
	uint32_t ksz = p->ksz;
	size_t st = p->stride;
	size_t (*cnt)[256] = calloc(ksz, sizeof(*cnt));
	size_t *tmp = malloc(n * sizeof(*tmp)), i, sum, c, k;
	uint32_t byte;

	if (!cnt || !tmp) {
		free(cnt);
		free(tmp);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		for (byte = 0; byte < ksz; byte++)
			cnt[byte][keys[i * st + byte]]++;
	for (byte = ksz; byte-- > 0;) {
		if (cnt[byte][keys[byte]] == n)
			continue; /* every key has the first key's byte here */
		for (sum = 0, c = 0; c < 256; c++) {
			k = cnt[byte][c];
			cnt[byte][c] = sum;
			sum += k;
		}
		for (i = 0; i < n; i++)
			tmp[cnt[byte][keys[idx[i] * st + byte]]++] = idx[i];
		memcpy(idx, tmp, n * sizeof(*idx));
	}
	free(cnt);
	free(tmp);
	return 0;
}

int keys_sort(const uint8_t *keys, size_t n, uint32_t ksz, size_t stride, size_t **out)
{
	struct packed p = { keys, ksz, stride };
	size_t *idx = malloc((n ? n : 1) * sizeof(*idx)), i;
	int err = 0;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		idx[i] = i;
	if (n < 2 || !ksz || keys_ascend(&p, n))
		;
	else if (ksz <= RADIX_MAX_KEY)
		err = radix_sort(&p, n, idx);
	else
		qsort_r(idx, n, sizeof(*idx), cmp_key_at, &p);
	if (err)
		free(idx);
	else
		*out = idx;
	return err;
}
