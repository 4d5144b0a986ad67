// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `maps:` section: one block per map, its attributes, the checks a map
 * type allows offline, and its declared entries.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "core/maptypes.h"
#include "model.h"
#include "core/progress.h"
#include "kinds/map/map.h"

#define MAX_KEY_SIZE 512
#define MAX_VALUE_SIZE 1048576
#define RINGBUF_PAGE 4096

enum map_key {
	MK_TYPE,
	MK_KEY_SIZE,
	MK_VALUE_SIZE,
	MK_MAX_ENTRIES,
	MK_FLAGS,
	MK_NAME,
	MK_INNER_MAP,
	MK_POLICY,
	MK_ENTRIES,
	MK_ENTRIES_FILE,
	MK_FROZEN,
	MK_PREVENT_DESTROY,
	MK_PRESERVE_ENTRIES,
	MK_N,
};

static const char *const map_keys[MK_N] = {
	[MK_TYPE] = "type",
	[MK_KEY_SIZE] = "key_size",
	[MK_VALUE_SIZE] = "value_size",
	[MK_MAX_ENTRIES] = "max_entries",
	[MK_FLAGS] = "flags",
	[MK_NAME] = "name",
	[MK_INNER_MAP] = "inner_map",
	[MK_POLICY] = "entries_policy",
	[MK_ENTRIES] = "entries",
	[MK_ENTRIES_FILE] = "entries_file",
	[MK_FROZEN] = "frozen",
	[MK_PREVENT_DESTROY] = "prevent_destroy",
	[MK_PRESERVE_ENTRIES] = "preserve_entries",
};

/* One map block while it is read: its nodes and which attributes came out well. */
struct map_ctx {
	struct ytree *t;
	struct map_spec *s;
	const char *context; /* map "NAME" */
	const yaml_node_t *body;
	yaml_node_t *keys[MK_N];
	yaml_node_t *vals[MK_N];
	const struct maptype *mt; /* NULL if the type is missing or bad */
	bool key_ok, value_ok, max_ok, flags_ok;
};

/* ---- attributes -------------------------------------------------------------- */

static void parse_type(struct map_ctx *c)
{
	const yaml_node_t *v = c->vals[MK_TYPE];
	const struct maptype *mt;
	const char *s;
	char q[128];

	if (!v || !yget_str(c->t, v, "type", &s))
		return;
	mt = maptype_by_name(s);
	if (!mt) {
		yerr(c->t, v, "type: unknown map type %s", yquote(s, q, sizeof(q)));
		return;
	}
	if (!(mt->caps & MT_CREATABLE)) {
		yerr(c->t, v, "type: cannot create a \"%s\" map from a manifest: it %s", mt->name,
		     mt->why_not);
		return;
	}
	c->mt = mt;
	c->s->type = mt->type;
}

static void list_flags(char *buf, size_t len)
{
	const struct mapflag *f;
	size_t o = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; (f = mapflag_at(i)); i++) {
		int r = snprintf(buf + o, len - o, "%s%s", i ? ", " : "", f->name);

		if (r < 0 || (size_t)r >= len - o)
			break;
		o += (size_t)r;
	}
}

static bool parse_flag_list(struct ytree *t, const yaml_node_t *n, uint32_t *flags)
{
	char q[128], known[256];
	bool ok = true;
	size_t i;

	for (i = 0; i < yseq_len(n); i++) {
		yaml_node_t *item = yseq_item(t, n, i);
		const struct mapflag *f;
		const char *s;

		if (!yget_str(t, item, "flags", &s)) {
			ok = false;
			continue;
		}
		f = mapflag_by_name(s);
		if (!f) {
			list_flags(known, sizeof(known));
			yerr(t, item, "flags: unknown flag %s (known: %s)", yquote(s, q, sizeof(q)),
			     known);
			ok = false;
		} else if (*flags & f->bit) {
			yerr(t, item, "flags: \"%s\" is listed twice", f->name);
			ok = false;
		}
		if (f)
			*flags |= f->bit;
	}
	return ok;
}

static void parse_flags(struct map_ctx *c)
{
	const yaml_node_t *v = c->vals[MK_FLAGS];
	char buf[128];
	uint64_t x;

	if (!v) {
		c->flags_ok = true;
		return;
	}
	if (yis_seq(v)) {
		c->flags_ok = parse_flag_list(c->t, v, &c->s->flags);
	} else if (yis_plain(v) && parse_int_literal(yscalar(v), NULL, NULL)) {
		c->flags_ok = yget_uint(c->t, v, "flags", 0, UINT32_MAX, &x);
		c->s->flags = (uint32_t)x;
	} else {
		yerr(c->t, v, "flags: expected a list of flag names or an integer 0..%u, got %s",
		     UINT32_MAX, ydescribe(v, buf, sizeof(buf)));
	}
}

static void parse_kname(struct map_ctx *c)
{
	const yaml_node_t *v = c->vals[MK_NAME];
	const char *s;
	char buf[128];
	size_t i;

	if (v) {
		if (!yget_str(c->t, v, "name", &s))
			return;
		if (!valid_kname(s)) {
			yerr(c->t, v, "name: expected 0..%d characters from A-Z a-z 0-9 _ ., got %s",
			     KNAME_MAX, ydescribe(v, buf, sizeof(buf)));
			return;
		}
		snprintf(c->s->kname, sizeof(c->s->kname), "%s", s);
		return;
	}
	/* The kernel allows no '-' in object names. */
	for (i = 0; i < KNAME_MAX && c->s->name[i]; i++)
		c->s->kname[i] = c->s->name[i] == '-' ? '_' : c->s->name[i];
	c->s->kname[i] = '\0';
}

static void parse_attrs(struct map_ctx *c)
{
	static const char *const policies[] = { "seed", "merge", "exact" };
	static const enum entries_policy policy_vals[] = {
		POLICY_SEED,
		POLICY_MERGE,
		POLICY_EXACT,
	};
	struct ytree *t = c->t;
	yaml_node_t **v = c->vals;
	const char *s;
	uint64_t x;
	int p;

	parse_type(c);
	if (v[MK_KEY_SIZE] && (c->key_ok = yget_uint(t, v[MK_KEY_SIZE], "key_size", 0,
						     MAX_KEY_SIZE, &x)))
		c->s->key_size = (uint32_t)x;
	if (v[MK_VALUE_SIZE] && (c->value_ok = yget_uint(t, v[MK_VALUE_SIZE], "value_size", 0,
							 MAX_VALUE_SIZE, &x)))
		c->s->value_size = (uint32_t)x;
	if (v[MK_MAX_ENTRIES] && (c->max_ok = yget_uint(t, v[MK_MAX_ENTRIES], "max_entries", 0,
							UINT32_MAX, &x)))
		c->s->max_entries = (uint32_t)x;
	parse_flags(c);
	parse_kname(c);
	if (v[MK_INNER_MAP] && yget_str(t, v[MK_INNER_MAP], "inner_map", &s)) {
		c->s->inner_map = xstrdup(s);
		c->s->inner_loc = ytree_loc(t, v[MK_INNER_MAP]);
	}
	if (v[MK_POLICY] && yget_enum(t, v[MK_POLICY], "entries_policy", policies, 3, &p))
		c->s->policy = policy_vals[p];
	if (v[MK_FROZEN])
		yget_bool(t, v[MK_FROZEN], "frozen", &c->s->frozen);
	if (v[MK_PREVENT_DESTROY])
		yget_bool(t, v[MK_PREVENT_DESTROY], "prevent_destroy", &c->s->prevent_destroy);
	if (v[MK_PRESERVE_ENTRIES])
		yget_bool(t, v[MK_PRESERVE_ENTRIES], "preserve_entries", &c->s->preserve_entries);
}

/* ---- per-type rules ------------------------------------------------------------ */

/* Types whose key is a u32 index below max_entries. */
static bool array_like(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_PROG_ARRAY;
}

static bool is_ringbuf(const struct maptype *mt)
{
	return !strcmp(mt->name, "ringbuf") || !strcmp(mt->name, "user_ringbuf");
}

static void check_sizes(struct map_ctx *c)
{
	const struct maptype *mt = c->mt;
	uint32_t ks = c->s->key_size, vs = c->s->value_size, max = c->s->max_entries;
	struct ytree *t = c->t;

	if (c->key_ok) {
		if ((mt->caps & MT_KEYLESS) && ks != 0)
			yerr(t, c->vals[MK_KEY_SIZE], "key_size: expected 0 for map type \"%s\", got %u",
			     mt->name, ks);
		else if (!(mt->caps & MT_KEYLESS) && ks == 0)
			yerr(t, c->vals[MK_KEY_SIZE],
			     "key_size: expected at least 1 for map type \"%s\", got 0", mt->name);
		else if (array_like(mt->type) && ks != 4)
			yerr(t, c->vals[MK_KEY_SIZE], "key_size: expected 4 for map type \"%s\", got %u",
			     mt->name, ks);
	}
	if (c->value_ok) {
		if ((mt->caps & (MT_OF_MAPS | MT_PROG_VALUES)) && vs != 4)
			yerr(t, c->vals[MK_VALUE_SIZE],
			     "value_size: expected 4 for map type \"%s\", got %u", mt->name, vs);
		else if (is_ringbuf(mt) && vs != 0)
			yerr(t, c->vals[MK_VALUE_SIZE],
			     "value_size: expected 0 for map type \"%s\", got %u", mt->name, vs);
	}
	if (c->max_ok && is_ringbuf(mt) &&
	    (max == 0 || (max & (max - 1)) || max % RINGBUF_PAGE))
		yerr(t, c->vals[MK_MAX_ENTRIES],
		     "max_entries: expected a power of 2 that is a multiple of %d for map type \"%s\", got %u",
		     RINGBUF_PAGE, mt->name, max);
}

static void check_type_rules(struct map_ctx *c)
{
	const struct maptype *mt = c->mt;
	struct ytree *t = c->t;

	if (!mt)
		return;
	check_sizes(c);
	if ((mt->caps & MT_OF_MAPS) && !c->vals[MK_INNER_MAP])
		yerr(t, c->body, "%s: missing required key \"inner_map\" (map type \"%s\" needs a template map)",
		     c->context, mt->name);
	if (!(mt->caps & MT_OF_MAPS) && c->vals[MK_INNER_MAP]) {
		yerr(t, c->vals[MK_INNER_MAP],
		     "inner_map: not allowed for map type \"%s\" (only array_of_maps and hash_of_maps have one)",
		     mt->name);
		free(c->s->inner_map);
		c->s->inner_map = NULL;
	}
	if (c->flags_ok && (c->s->flags & BPF_F_RDONLY) && c->s->preserve_entries)
		yerr(t, c->vals[MK_PRESERVE_ENTRIES],
		     "preserve_entries: not allowed with the rdonly flag (user space cannot write "
		     "the replacement, so nothing could be copied into it)");
	if (mt->type == BPF_MAP_TYPE_LPM_TRIE && c->flags_ok && !(c->s->flags & BPF_F_NO_PREALLOC))
		yerr(t, c->vals[MK_FLAGS] ? c->vals[MK_FLAGS] : c->vals[MK_TYPE],
		     "map type \"lpm_trie\" requires the no_prealloc flag");
}

/* ---- entries ------------------------------------------------------------------ */

/* {map: NAME} or {program: REF}; reports when the map type takes the other kind. */
static bool parse_ref_value(struct map_ctx *c, struct ytree *t, const yaml_node_t *v,
			    struct map_entry_ref *r)
{
	const char *k = ymap_key_text(t, v, 0), *s;
	yaml_node_t *rv = ymap_value(t, v, 0);
	char q[128];

	if (ymap_len(v) != 1) {
		yerr(t, v, "value: expected {map: NAME} or {program: REF}, got a mapping with %zu keys",
		     ymap_len(v));
		return false;
	}
	if (!k || (strcmp(k, "map") && strcmp(k, "program"))) {
		yerr(t, v, "value: expected {map: NAME} or {program: REF}, got key %s",
		     yquote(k ? k : "?", q, sizeof(q)));
		return false;
	}
	if (!strcmp(k, "map") && !(c->mt->caps & MT_OF_MAPS)) {
		yerr(t, v, "value: {map: NAME} is only allowed in array_of_maps and hash_of_maps, not in \"%s\"",
		     c->mt->name);
		return false;
	}
	if (!strcmp(k, "program") && !(c->mt->caps & MT_PROG_VALUES)) {
		yerr(t, v, "value: {program: REF} is only allowed in prog_array, not in \"%s\"",
		     c->mt->name);
		return false;
	}
	if (!yget_str(t, rv, k, &s))
		return false;
	if (!strcmp(k, "program") && !check_prog_ref(t, rv, "program", s))
		return false;
	r->vkind = !strcmp(k, "map") ? VAL_MAP : VAL_PROGRAM;
	r->ref = xstrdup(s);
	r->ref_loc = ytree_loc(t, rv);
	r->ref_index = -1;
	r->ref_prog = -1;
	return true;
}

/* A value: bytes into *value, or a reference into *r (r->vkind set). */
static bool parse_value(struct map_ctx *c, struct ytree *t, const yaml_node_t *v,
			struct bytes *value, struct map_entry_ref *r, uint8_t *dst)
{
	unsigned caps = c->mt->caps;

	if (yis_map(v))
		return parse_ref_value(c, t, v, r);
	if (caps & MT_OF_MAPS) {
		yerr(t, v, "value: expected {map: NAME} for map type \"%s\"", c->mt->name);
		return false;
	}
	if (caps & MT_PROG_VALUES) {
		yerr(t, v, "value: expected {program: REF} for map type \"%s\"", c->mt->name);
		return false;
	}
	return parse_bytes_into(t, v, "value", c->value_ok ? (int64_t)c->s->value_size : -1,
				"value_size", value, dst);
}

/* Array-like maps index by a u32 key: it must be below max_entries. */
static bool check_index(struct map_ctx *c, struct ytree *t, const yaml_node_t *key_node,
			const struct bytes *key)
{
	uint32_t idx;

	if (!c->max_ok || !array_like(c->mt->type) || key->len != 4)
		return true;
	idx = (uint32_t)key->data[0] | (uint32_t)key->data[1] << 8 |
	      (uint32_t)key->data[2] << 16 | (uint32_t)key->data[3] << 24;
	if (idx < c->s->max_entries)
		return true;
	yerr(t, key_node, "key %u is out of range (max_entries %u)", idx, c->s->max_entries);
	return false;
}

/*
 * An lpm_trie key is a prefix length and the address.  Bits past the prefix
 * do not tell trie nodes apart, so a key carrying them would name a node
 * the kernel stores under other bytes: refused rather than silently changed.
 */
static bool check_lpm_key(struct map_ctx *c, struct ytree *t, const yaml_node_t *key_node,
			  const struct bytes *key)
{
	uint8_t canon[4 + 256];
	struct bytes b = { .data = canon, .len = key->len };
	uint32_t plen;
	char *d;

	if (c->mt->type != BPF_MAP_TYPE_LPM_TRIE || key->len < 5 || key->len > sizeof(canon))
		return true;
	memcpy(canon, key->data, key->len);
	if (lpm_key_canonicalise(canon, key->len))
		return true;
	memcpy(&plen, key->data, sizeof(plen));
	if (plen > (key->len - 4) * 8) {
		yerr(t, key_node, "key: prefix length %u is longer than the key's %u bits of data",
		     plen, (key->len - 4) * 8);
		return false;
	}
	d = describe_bytes(&b);
	yerr(t, key_node, "key: bits set past the prefix length %u (the trie ignores them); "
	     "write \"%s\"", plen, d);
	free(d);
	return false;
}

/* The `entries:` list while it is read: the map, and where its entries go. */
struct entries_acc {
	struct map_ctx *c;
	const char *ctx; /* entry of map "NAME" */
	struct entry_loc *key_locs;
	size_t room; /* entries the packed arrays have room for */
};

/* A good entry into the packed arrays: its key and value are whole, as checked. */
static void store_entry(struct entries_acc *a, const struct loc *item, const struct loc *key_loc,
			const struct bytes *key, const struct bytes *value,
			const struct map_entry_ref *r)
{
	struct map_spec *s = a->c->s;
	size_t n = s->n_entries;

	/* integers were written in place already */
	if (a->c->key_ok && key->len && key->data != s->keys + n * s->key_size)
		memcpy(s->keys + n * s->key_size, key->data, s->key_size);
	if (a->c->value_ok && value->data != s->values + n * s->value_size) {
		if (value->len)
			memcpy(s->values + n * s->value_size, value->data, s->value_size);
		else
			memset(s->values + n * s->value_size, 0, s->value_size);
	}
	s->locs[n] = (struct entry_loc){ (uint32_t)item->line, (uint32_t)item->col };
	a->key_locs[n] = (struct entry_loc){ (uint32_t)key_loc->line, (uint32_t)key_loc->col };
	if (r->vkind != VAL_BYTES) {
		s->refs = xgrow(s->refs, s->n_refs, sizeof(*s->refs));
		s->refs[s->n_refs] = *r;
		s->refs[s->n_refs++].entry = n;
	}
	s->n_entries++;
}

/* Reports every problem of the entry (key and value both), not just the first. */
static void parse_entry(void *arg, struct ytree *t, const yaml_node_t *item, size_t i)
{
	static const char *const entry_keys[] = { "key", "value" };
	struct entries_acc *a = arg;
	struct map_ctx *c = a->c;
	int64_t key_size = c->key_ok ? (int64_t)c->s->key_size : -1;
	struct map_entry_ref r = { .vkind = VAL_BYTES };
	struct bytes key = { 0 }, value = { 0 };
	struct loc item_loc = ytree_loc(t, item), key_loc;
	yaml_node_t *keys[2], *vals[2];
	uint8_t *kdst = NULL, *vdst = NULL;
	bool ok = true;

	/* integers straight into the entry's slot (kept only if the entry is good) */
	if (c->s->n_entries < a->room) {
		kdst = c->key_ok ? c->s->keys + c->s->n_entries * c->s->key_size : NULL;
		vdst = c->value_ok ? c->s->values + c->s->n_entries * c->s->value_size : NULL;
	}
	progress("parsing the entries of", "map", c->s->name, i, a->room);
	if (!yfields(t, item, "entries", a->ctx, entry_keys, 2, keys, vals) && !yis_map(item))
		return;
	if (!yrequire(t, item, vals[0], "key", a->ctx))
		ok = false;
	else if (!parse_bytes_into(t, vals[0], "key", key_size, "key_size", &key, kdst))
		ok = false;
	else if (!check_index(c, t, vals[0], &key))
		ok = false;
	else if (!check_lpm_key(c, t, vals[0], &key))
		ok = false;
	if (!yrequire(t, item, vals[1], "value", a->ctx))
		ok = false;
	else if (!parse_value(c, t, vals[1], &value, &r, vdst))
		ok = false;
	key_loc = ytree_loc(t, vals[0]);
	if (ok && c->s->n_entries < a->room)
		store_entry(a, &item_loc, &key_loc, &key, &value, &r);
	else
		free(r.ref);
	if (key.data != kdst)
		bytes_free(&key);
	if (value.data != vdst)
		bytes_free(&value);
}

static int cmp_key_at(const void *pa, const void *pb, void *arg)
{
	const struct map_spec *s = arg;
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	int r = memcmp(s->keys + (size_t)a * s->key_size, s->keys + (size_t)b * s->key_size,
		       s->key_size);

	return r ? r : (a > b) - (a < b);
}

static void dup_entry_error(struct ytree *t, const struct map_spec *s, const struct entry_loc *locs,
			    size_t i, size_t first)
{
	struct bytes k = { s->keys + i * s->key_size, s->key_size };
	struct loc at = { t->file, (int)locs[i].line, (int)locs[i].col };
	char *d = describe_bytes(&k);

	diag_error(t->d, &at, "duplicate entry key \"%s\" (first at %d:%d)", d,
		   (int)locs[first].line, (int)locs[first].col);
	free(d);
}

/* Keys of 4 or 8 bytes that ascend as little-endian integers (0, 1, 2 ... as lists are numbered). */
static bool ascend_as_integers(const struct map_spec *s)
{
	uint64_t prev = 0, k = 0;
	size_t i;

	if (s->key_size != 4 && s->key_size != 8)
		return false;
	for (i = 0; i < s->n_entries; i++, prev = k) {
		const uint8_t *p = s->keys + i * s->key_size;
		unsigned b;

		for (k = 0, b = s->key_size; b-- > 0;)
			k = k << 8 | p[b];
		if (i && k <= prev)
			return false;
	}
	return true;
}

/*
 * On the packed keys: one pass proves they ascend (generated lists usually
 * do, bytewise or as integers) and nothing more is needed; otherwise an
 * index is sorted.
 */
static void check_duplicate_keys(struct ytree *t, const struct map_spec *s,
				 const struct entry_loc *locs)
{
	size_t i, n = s->n_entries, ks = s->key_size, first = 0;
	uint32_t *order;

	if (n < 2 || !s->keys)
		return;
	for (i = 1; i < n; i++)
		if (memcmp(s->keys + (i - 1) * ks, s->keys + i * ks, ks) >= 0)
			break;
	if (i == n || ascend_as_integers(s))
		return;
	order = xreallocarray(NULL, n, sizeof(*order));
	for (i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	qsort_r(order, n, sizeof(*order), cmp_key_at, (void *)s);
	for (i = 1; i < n; i++) {
		if (memcmp(s->keys + (size_t)order[first] * ks, s->keys + (size_t)order[i] * ks, ks))
			first = i;
		else
			dup_entry_error(t, s, locs, order[i], order[first]);
	}
	free(order);
}

/* what: "entries" or "entries_file", whichever is there (the first if both are). */
static bool entries_allowed(struct map_ctx *c, const yaml_node_t *v, const char *what)
{
	if (!c->mt)
		return false; /* sizes and value forms depend on the type */
	if (!(c->mt->caps & MT_ENTRIES)) {
		yerr(c->t, v, "%s: not supported for map type \"%s\"", what, c->mt->name);
		return false;
	}
	if (c->flags_ok && (c->s->flags & BPF_F_RDONLY)) {
		yerr(c->t, v, "%s: not allowed with the rdonly flag (user space cannot write the map)",
		     what);
		return false;
	}
	if (c->flags_ok && (c->s->flags & BPF_F_WRONLY) &&
	    (c->mt->caps & (MT_OF_MAPS | MT_PROG_VALUES))) {
		/* a slot follows its target only when bpfapply can see which one it holds */
		yerr(c->t, v, "%s: a %s with the wronly flag cannot be read back, so its slots "
			      "could not follow their targets; drop wronly or the entries",
		     what, c->mt->name);
		return false;
	}
	if (c->flags_ok && (c->s->flags & BPF_F_WRONLY) && c->s->policy != POLICY_SEED) {
		/* merge and exact compare with what the map holds: it cannot be read */
		yerr(c->t, v, "%s: a map with the wronly flag cannot be read back; "
			      "use entries_policy: seed", what);
		return false;
	}
	return true;
}

/*
 * The `entries:` list, read again from the file item by item (the loader
 * streamed it: no document tree) straight into the packed arrays.  Returns
 * its keys' locations (malloc'd) for the entries_file checks.
 */
static struct entry_loc *parse_yaml_entries(struct map_ctx *c, const yaml_node_t *v)
{
	struct map_spec *s = c->s;
	struct entries_acc a = { .c = c };
	size_t n;

	if (!v || yis_null(v) || !yexpect_seq(c->t, v, "entries"))
		return NULL;
	n = ystream_len(c->t, v);
	if (c->max_ok && n > s->max_entries) {
		/* refused anyway: not read, so memory stays bounded by max_entries */
		yerr(c->t, v, "entries: %zu entries exceed max_entries %u", n, s->max_entries);
		return NULL;
	}
	if (!c->max_ok && !ystream_bounded(c->t, v))
		return NULL;
	a.room = n;
	a.key_locs = xreallocarray(NULL, n, sizeof(*a.key_locs));
	s->locs = xreallocarray(NULL, n, sizeof(*s->locs));
	s->keys = c->key_ok ? xreallocarray(NULL, n, s->key_size) : NULL;
	s->values = c->value_ok ? xzalloc(n * (size_t)s->value_size) : NULL;
	a.ctx = xasprintf("entry of %s", c->context);
	ystream_items(c->t, v, parse_entry, &a);
	free((char *)a.ctx);
	s->n_yaml_entries = s->n_entries;
	if (c->key_ok)
		check_duplicate_keys(c->t, s, a.key_locs);
	return a.key_locs;
}

static void parse_entries(struct map_ctx *c)
{
	const yaml_node_t *v = c->vals[MK_ENTRIES], *fv = c->vals[MK_ENTRIES_FILE];
	struct entry_loc *key_locs;

	if ((!v && !fv) || !entries_allowed(c, v ? v : fv, v ? "entries" : "entries_file"))
		return;
	c->s->has_entries = true;
	key_locs = parse_yaml_entries(c, v);
	if (fv && c->key_ok && c->value_ok)
		parse_entries_file(c->t, fv, c->s, c->mt, c->max_ok, array_like(c->mt->type),
				   key_locs);
	free(key_locs);
}

/* ---- the section ---------------------------------------------------------------- */

static void parse_map_body(struct ytree *t, struct map_spec *s, const yaml_node_t *body)
{
	struct map_ctx c = { .t = t, .s = s, .body = body };
	char q[128];
	int i;

	c.context = xasprintf("map %s", yquote(s->name, q, sizeof(q)));
	if (!yfields(t, body, c.context, c.context, map_keys, MK_N, c.keys, c.vals) &&
	    !yis_map(body))
		goto free_ctx;
	for (i = MK_TYPE; i <= MK_MAX_ENTRIES; i++)
		yrequire(t, body, c.vals[i], map_keys[i], c.context);
	parse_attrs(&c);
	check_type_rules(&c);
	parse_entries(&c);
free_ctx:
	free((char *)c.context);
}

void parse_maps(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section)
{
	struct manifest *m = pc->m;
	size_t i;

	if (yis_null(section) || !yexpect_map(t, section, "maps"))
		return;
	for (i = 0; i < ymap_len(section); i++) {
		const char *name = ymap_key_text(t, section, i);
		yaml_node_t *key = ymap_key(t, section, i);
		struct map_spec s = { .inner_index = -1 };
		size_t before = diag_count(pc->d);
		int prev;
		bool keep;

		if (!name)
			continue;
		prev = manifest_map_index(m, name);
		keep = check_resource_name(t, key, "map", prev >= 0 ? &m->maps[prev].loc : NULL);
		s.name = xstrdup(name);
		s.loc = ytree_loc(t, key);
		parse_map_body(t, &s, ymap_value(t, section, i));
		if (!keep) {
			map_spec_clear(&s);
			continue;
		}
		m->maps = xgrow(m->maps, m->n_maps, sizeof(*m->maps));
		pc->map_bad = xgrow(pc->map_bad, m->n_maps, sizeof(*pc->map_bad));
		pc->map_bad[m->n_maps] = diag_count(pc->d) != before;
		m->maps[m->n_maps++] = s;
	}
}

void map_spec_clear(struct map_spec *s)
{
	size_t i;

	for (i = 0; i < s->n_refs; i++)
		free(s->refs[i].ref);
	free(s->refs);
	free(s->keys);
	free(s->values);
	free(s->locs);
	free(s->records);
	free(s->entries_file);
	free(s->entries_file_path);
	free(s->inner_map);
	free(s->name);
	memset(s, 0, sizeof(*s));
}
