// SPDX-License-Identifier: GPL-2.0-only
/*
 * `entries_file: PATH`: a map's entries from a packed binary data file,
 * key_size bytes of key then value_size bytes of value per record, exactly
 * as the kernel stores them.  Meant for generated data sets of millions of
 * entries, so the records are not copied: they stay in the one buffer the
 * file was read into (struct map_spec.records).
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "core/fingerprint.h"
#include "core/maptypes.h"
#include "model.h"
#include "core/readfile.h"
#include "kinds/map/map.h"

/* Without a usable max_entries the file is still bounded (the parse fails anyway). */
#define ENTRIES_FILE_FALLBACK_MAX (1ull << 30)

/* The records the file holds, while they are checked. */
struct records {
	const uint8_t *base;
	size_t n;
	uint32_t ks, rec;
	uint32_t *order; /* record numbers by ascending key; NULL when the file ascends */
};

static const uint8_t *rec_key(const struct records *r, size_t i)
{
	return r->base + i * r->rec;
}

static void dup_error(struct ytree *t, const yaml_node_t *v, const struct records *r, size_t rec,
		      size_t first)
{
	struct bytes k = { .data = (uint8_t *)rec_key(r, rec), .len = r->ks };
	char *d = describe_bytes(&k);

	yerr(t, v, "entries_file: record %zu: duplicate key \"%s\" (first at record %zu)", rec + 1,
	     d, first + 1);
	free(d);
}

/*
 * Duplicate keys.  Generated files usually come sorted: one pass proves the
 * keys ascend and nothing more is needed; otherwise an index is sorted.
 */
static void check_file_duplicates(struct ytree *t, const yaml_node_t *v, struct records *r)
{
	size_t i, *idx = NULL;
	int c = -1;

	for (i = 1; i < r->n; i++) {
		c = memcmp(rec_key(r, i - 1), rec_key(r, i), r->ks);
		if (c >= 0)
			break;
	}
	if (r->n < 2 || c < 0)
		return;
	r->order = xzalloc(r->n * sizeof(*r->order));
	/* radix (keysort.c): little-endian integers that ascend do not ascend as bytes */
	if (keys_sort(r->base, r->n, r->ks, r->rec, &idx))
		xoom(); /* out of memory, as the x* allocators report it */
	for (i = 0; i < r->n; i++)
		r->order[i] = (uint32_t)idx[i];
	free(idx);
	for (i = 1; i < r->n; i++)
		if (!memcmp(rec_key(r, r->order[i - 1]), rec_key(r, r->order[i]), r->ks))
			dup_error(t, v, r, r->order[i], r->order[i - 1]);
}

/* The record holding key, or -1. */
static long find_record(const struct records *r, const uint8_t *key)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, i = r->order ? r->order[mid] : mid;
		int c = memcmp(rec_key(r, i), key, r->ks);

		if (!c)
			return (long)i;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* A key declared under `entries:` and in the file. */
static void check_both(struct ytree *t, const yaml_node_t *v, const struct map_spec *s,
		       const struct records *r, const struct entry_loc *yaml_locs)
{
	size_t i;

	for (i = 0; i < s->n_entries; i++) {
		struct bytes k = { (uint8_t *)map_entry_key(s, i), s->key_size };
		long rec = find_record(r, k.data);
		char *d;

		if (rec < 0)
			continue;
		d = describe_bytes(&k);
		yerr(t, v,
		     "entries_file: record %ld: key \"%s\" is also declared under entries: at %d:%d",
		     rec + 1, d, (int)yaml_locs[i].line, (int)yaml_locs[i].col);
		free(d);
	}
}

/* Array-like maps index by a u32 key: every record's must be below max_entries. */
static void check_indexes(struct ytree *t, const yaml_node_t *v, const struct map_spec *s,
			  const struct records *r)
{
	size_t i, bad = 0;

	for (i = 0; i < r->n; i++) {
		const uint8_t *k = rec_key(r, i);
		uint32_t idx = (uint32_t)k[0] | (uint32_t)k[1] << 8 | (uint32_t)k[2] << 16 |
			       (uint32_t)k[3] << 24;

		if (idx < s->max_entries)
			continue;
		if (bad++ < 10)
			yerr(t, v,
			     "entries_file: record %zu: key %u is out of range (max_entries %u)",
			     i + 1, idx, s->max_entries);
	}
	if (bad > 10)
		yerr(t, v, "entries_file: %zu more records with keys out of range", bad - 10);
}

/*
 * lpm_trie keys are a prefix length then the data: bits past the prefix do
 * not tell trie nodes apart, so a record carrying them is refused as under
 * entries: (the kernel would store it under other bytes).
 */
static void check_lpm_keys(struct ytree *t, const yaml_node_t *v, const struct map_spec *s,
			   const struct records *r)
{
	uint8_t canon[4 + 256];
	size_t i, bad = 0;
	uint32_t plen;

	if (s->type != BPF_MAP_TYPE_LPM_TRIE || r->ks < 5 || r->ks > sizeof(canon))
		return;
	for (i = 0; i < r->n; i++) {
		memcpy(canon, rec_key(r, i), r->ks);
		if (lpm_key_canonicalise(canon, r->ks) || bad++ >= 10)
			continue;
		memcpy(&plen, canon, sizeof(plen));
		if (plen > (r->ks - 4) * 8)
			yerr(t, v, "entries_file: record %zu: prefix length %u is longer than the "
				   "key's %u bits of data", i + 1, plen, (r->ks - 4) * 8);
		else
			yerr(t, v, "entries_file: record %zu: bits set past the prefix length %u "
				   "(the trie ignores them)", i + 1, plen);
	}
	if (bad > 10)
		yerr(t, v, "entries_file: %zu more records with bad lpm_trie keys", bad - 10);
}

static bool read_records(struct ytree *t, const yaml_node_t *v, struct map_spec *s, bool max_ok,
			 uint8_t **buf, size_t *len)
{
	uint64_t rec = (uint64_t)s->key_size + s->value_size;
	uint64_t max = max_ok ? rec * s->max_entries : ENTRIES_FILE_FALLBACK_MAX;
	int err;

	err = readfile(s->entries_file_path, (size_t)max, (char **)buf, len);
	if (err == -EFBIG && max_ok) {
		yerr(t, v, "entries_file: %s holds more than max_entries %u records of %llu bytes",
		     s->entries_file, s->max_entries, (unsigned long long)rec);
		return false;
	}
	if (err) {
		yerr(t, v, "entries_file: cannot read %s: %s", s->entries_file,
		     readfile_strerror(err, (size_t)max));
		return false;
	}
	if (*len % rec) {
		yerr(t, v, "entries_file: %s is %zu bytes, not a whole number of %llu-byte records "
			   "(key_size %u + value_size %u)",
		     s->entries_file, *len, (unsigned long long)rec, s->key_size, s->value_size);
		free(*buf);
		*buf = NULL;
		return false;
	}
	return true;
}

/* The records become entries after the YAML ones, read from the buffer. */
static void append_records(struct map_spec *s, uint8_t *buf, const struct records *r,
			   const struct loc *loc)
{
	s->n_yaml_entries = s->n_entries;
	s->n_entries += r->n;
	s->records = buf;
	s->records_loc = *loc;
}

void parse_entries_file(struct ytree *t, const yaml_node_t *v, struct map_spec *s,
			const struct maptype *mt, bool max_ok, bool indexed,
			const struct entry_loc *yaml_locs)
{
	struct records r = { .ks = s->key_size, .rec = s->key_size + s->value_size };
	size_t len, before = diag_count(t->d);
	struct loc loc = ytree_loc(t, v);
	uint8_t *buf;
	const char *path;

	if (!yget_str(t, v, "entries_file", &path))
		return;
	if (!*path) {
		yerr(t, v, "entries_file: expected the path of a data file, got \"\"");
		return;
	}
	if (mt->caps & (MT_OF_MAPS | MT_PROG_VALUES)) {
		yerr(t, v, "entries_file: not for map type \"%s\": "
			   "its values name maps or programs; use entries:", mt->name);
		return;
	}
	s->entries_file = xstrdup(path);
	s->entries_file_path = manifest_relative_path(t->file, path);
	s->entries_file_loc = loc;
	if (!r.rec || !read_records(t, v, s, max_ok, &buf, &len))
		return;
	s->entries_file_fp = fp_buf(buf, len);
	r.base = buf;
	r.n = len / r.rec;
	if (max_ok && s->n_entries + r.n > s->max_entries)
		yerr(t, v, "entries_file: %zu entries (%zu in the file) exceed max_entries %u",
		     s->n_entries + r.n, r.n, s->max_entries);
	if (indexed && s->key_size == 4)
		check_indexes(t, v, s, &r);
	check_lpm_keys(t, v, s, &r);
	check_file_duplicates(t, v, &r);
	check_both(t, v, s, &r, yaml_locs);
	free(r.order);
	if (diag_count(t->d) != before) {
		free(buf);
		return;
	}
	append_records(s, buf, &r, &loc);
}

/* Data files are inputs like ELF objects: a saved plan is stale once one changes. */
void map_fingerprint_inputs(struct fp *f, const struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->n_maps; i++)
		fp_u64(f, m->maps[i].entries_file_fp);
}
