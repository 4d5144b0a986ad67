// SPDX-License-Identifier: GPL-2.0-only
/* The plan tests' shared fixture: see fixture.h. */
#include "fixture.h"
#include "core/maptypes.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kinds/map/map.h"
#include "core/state.h"
#include "kinds.h"

int fx_setup_ncpus(void **state, int ncpus)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->lv.root = strdup(ROOT);
	f->lv.scope_dir = strdup(SCOPE_DIR);
	f->lv.root_on_bpffs = true;
	f->lv.ncpus = ncpus;
	if (!f->lv.root || !f->lv.scope_dir) {
		live_free(&f->lv);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int fx_setup(void **state)
{
	return fx_setup_ncpus(state, 2);
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	if (f->json_path[0])
		unlink(f->json_path);
	free(f->out);
	plan_free(&f->p);
	live_free(&f->lv);
	manifest_free(f->m);
	diag_free(&f->d);
	free(f);
	return 0;
}

/* ---- the desired model -------------------------------------------------------------- */

struct manifest *fx_parse(const char *header, const char *body)
{
	char dir[] = "/tmp/bpfapply-fx-XXXXXX";
	char path[sizeof(dir) + 16];
	const char *files[1] = { path };
	struct diag d = { 0 };
	struct manifest *m;
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.yaml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(header, fp);
	fputs(body, fp);
	assert_int_equal(fclose(fp), 0);
	m = manifest_load(files, 1, &d);
	/* the model keeps its own copy of the file name */
	unlink(path);
	rmdir(dir);
	if (diag_count(&d))
		diag_print(&d, stderr);
	assert_int_equal(diag_count(&d), 0);
	assert_non_null(m);
	diag_free(&d);
	return m;
}

void fx_adopt(struct fx *f, struct manifest *m)
{
	size_t i;

	f->m = m;
	for (i = 0; i < m->n_maps; i++)
		lmap(f, m->maps[i].name);
}

const struct map_spec *spec(const struct fx *f, const char *name)
{
	int i = manifest_map_index(f->m, name);

	assert_true(i >= 0);
	return &f->m->maps[i];
}

/* ---- live snapshot and state record ------------------------------------------------ */

struct live_map *lmap(struct fx *f, const char *name)
{
	struct live_map *lm = live_find_map(&f->lv, name), *maps;
	char *pin;

	if (lm)
		return lm;
	assert_true(asprintf(&pin, "%s/maps/%s", SCOPE_DIR, name) > 0);
	maps = realloc(f->lv.maps, (f->lv.n_maps + 1) * sizeof(*maps));
	assert_non_null(maps);
	f->lv.maps = maps;
	lm = &maps[f->lv.n_maps++];
	memset(lm, 0, sizeof(*lm));
	lm->fd = -1;
	lm->pin_state = PIN_ABSENT;
	lm->name = strdup(name);
	lm->pin = pin;
	assert_non_null(lm->name);
	return lm;
}

struct live_map *live_as_spec(struct fx *f, const char *name, uint32_t id)
{
	const struct map_spec *ms = spec(f, name);
	struct live_map *lm = lmap(f, name);

	lm->pin_state = PIN_MAP;
	memset(&lm->info, 0, sizeof(lm->info));
	lm->info.id = id;
	lm->info.type = ms->type;
	lm->info.key_size = ms->key_size;
	lm->info.value_size = ms->value_size;
	/* what the kernel reports for the spec, not the spec itself */
	maptype_normalise(ms->type, ms->flags, ms->max_entries, f->lv.ncpus, &lm->info.map_flags,
			  &lm->info.max_entries);
	snprintf(lm->info.name, sizeof(lm->info.name), "%s", ms->kname);
	lm->frozen = ms->frozen;
	lm->contents_read = ms->has_entries;
	lm->full_dump = ms->has_entries && ms->policy == POLICY_EXACT;
	return lm;
}

void rec(struct fx *f, const char *name, uint32_t id, uint64_t spec_fp, uint32_t flags)
{
	struct state_res *r = state_upsert(&f->lv.state, KIND_MAP, name);

	assert_non_null(r);
	r->id = id;
	r->spec_fp = spec_fp;
	r->flags = flags;
	f->lv.have_state = true;
	lmap(f, name);
}

struct live_map *managed(struct fx *f, const char *name, uint32_t id)
{
	const struct map_spec *ms = spec(f, name);

	rec(f, name, id, map_spec_fp(f->m, ms), ms->prevent_destroy ? STATE_F_PREVENT_DESTROY : 0);
	return live_as_spec(f, name, id);
}

struct live_map *recorded_map(struct fx *f, const char *name, uint32_t id)
{
	struct live_map *lm;

	rec(f, name, id, 0x1234, 0);
	lm = lmap(f, name);
	lm->pin_state = PIN_MAP;
	lm->info.id = id;
	lm->info.type = BPF_MAP_TYPE_HASH;
	lm->info.key_size = 4;
	lm->info.value_size = 4;
	lm->info.max_entries = 4;
	return lm;
}

void le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

void kv(struct live_map *lm, uint32_t key, const void *val, uint32_t vlen)
{
	struct live_kv *kvs = realloc(lm->kvs, (lm->n_kvs + 1) * sizeof(*kvs));
	uint8_t k[4];

	assert_non_null(kvs);
	lm->kvs = kvs;
	memset(&kvs[lm->n_kvs], 0, sizeof(kvs[0]));
	le32(k, key);
	assert_int_equal(bytes_dup(&kvs[lm->n_kvs].key, k, 4), 0);
	assert_int_equal(bytes_dup(&kvs[lm->n_kvs].value, val, vlen), 0);
	lm->n_kvs++;
}

void kv32(struct live_map *lm, uint32_t key, uint32_t val)
{
	uint8_t v[4];

	le32(v, val);
	kv(lm, key, v, 4);
}

/* ---- the plan and its checks ------------------------------------------------------- */

void compute_m(struct fx *f, const struct manifest *m, bool destroy)
{
	plan_free(&f->p);
	assert_int_equal(plan_compute(&f->p, m, &f->lv, destroy, &f->d), 0);
}

void compute(struct fx *f, bool destroy)
{
	compute_m(f, f->m, destroy);
}

struct change *fx_change(const struct fx *f, enum kind k, const char *name)
{
	struct change *c = plan_find(&f->p, k, name);

	if (!c)
		fail_msg("no change for %s.%s", kind_name(k), name);
	return c;
}

void assert_summary(const struct plan *p, unsigned add, unsigned change, unsigned replace,
		    unsigned remove)
{
	assert_int_equal(p->add, add);
	assert_int_equal(p->change, change);
	assert_int_equal(p->replace, replace);
	assert_int_equal(p->remove, remove);
	assert_int_equal(plan_has_changes(p), add + change + replace + remove > 0);
}

void assert_diag(const struct diag *d, size_t i, const char *needle)
{
	assert_true(i < diag_count(d));
	if (!strstr(d->msgs[i].text, needle))
		fail_msg("diag \"%s\" lacks \"%s\"", d->msgs[i].text, needle);
}

const char *fx_render_text(struct fx *f, const struct manifest *m, const struct render_opts *o)
{
	FILE *s;

	free(f->out);
	f->out = NULL;
	s = open_memstream(&f->out, &f->out_len);
	assert_non_null(s);
	plan_render_text(&f->p, m, s, o);
	assert_int_equal(fclose(s), 0);
	return f->out;
}
