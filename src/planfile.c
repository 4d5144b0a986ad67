// SPDX-License-Identifier: GPL-2.0-only
/*
 * Saved plans: a small line-oriented text file, readable by people (the
 * plan itself is in it as comments) and strict to read back.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "fingerprint.h"
#include "kinds/link/link.h"
#include "planfile.h"

static void fp_pins(struct fp *f, const struct live_pin *pins, size_t n)
{
	size_t i;

	fp_u64(f, n);
	for (i = 0; i < n; i++) {
		fp_str(f, pins[i].name);
		fp_u32(f, pins[i].pin_state);
		fp_u32(f, pins[i].id);
	}
}

static void fp_map(struct fp *f, const struct live_map *lm)
{
	size_t i;

	fp_str(f, lm->name);
	fp_u32(f, lm->pin_state);
	fp_u32(f, lm->info.id);
	fp_u32(f, lm->frozen);
	fp_u32(f, lm->contents_read);
	fp_u64(f, lm->n_kvs);
	for (i = 0; i < lm->n_kvs; i++) {
		fp_bytes(f, lm->kvs[i].key.data, lm->kvs[i].key.len);
		fp_bytes(f, lm->kvs[i].value.data, lm->kvs[i].value.len);
	}
}

uint64_t live_fingerprint(const struct live *lv)
{
	struct fp f;
	size_t i;

	/* not root_on_bpffs: a root apply has still to mount holds what an empty one does */
	if (fp_init(&f))
		return 0;
	fp_u32(&f, lv->have_state);
	fp_u64(&f, lv->state.serial);
	fp_u32(&f, lv->state.pending);
	for (i = 0; i < lv->n_maps; i++)
		fp_map(&f, &lv->maps[i]);
	for (i = 0; i < lv->n_programs; i++) {
		const struct live_program *lp = &lv->programs[i];

		fp_str(&f, lp->name);
		fp_u32(&f, lp->dir_exists);
		fp_u32(&f, lp->has_pins);
		fp_pins(&f, lp->progs, lp->n_progs);
		fp_pins(&f, lp->maps, lp->n_maps);
		fp_pins(&f, lp->bound, lp->n_bound);
	}
	for (i = 0; i < lv->n_iterators; i++) {
		fp_str(&f, lv->iterators[i].name);
		fp_u32(&f, lv->iterators[i].pin_state);
		fp_u32(&f, lv->iterators[i].link_id);
		fp_u32(&f, lv->iterators[i].param_map_id);
	}
	for (i = 0; i < lv->n_links; i++)
		link_fingerprint_live(&f, &lv->links[i]);
	return fp_final(&f);
}

static int fp_file(struct fp *f, const char *path)
{
	char buf[65536];
	FILE *in = fopen(path, "rb");
	size_t n;

	if (!in)
		return -errno;
	/* contents only: apply reloads the files by their absolute paths */
	fp_u32(f, 0x66696c65);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fp_bytes(f, buf, n);
	fclose(in);
	return 0;
}

uint64_t desired_fingerprint(const struct manifest *m)
{
	struct fp f;
	size_t i;

	if (fp_init(&f))
		return 0;
	for (i = 0; i < m->n_files; i++) {
		if (fp_file(&f, m->files[i])) {
			fp_final(&f);
			return 0;
		}
	}
	for (i = 0; i < m->n_programs; i++)
		fp_u64(&f, m->programs[i].elf ? m->programs[i].elf->fp : 0);
	return fp_final(&f);
}

int planfile_write(const char *path, const struct plan *p, const struct manifest *m,
		   const struct live *lv, const char *root)
{
	struct render_opts ro = { .color = false };
	char abs[PATH_MAX], *text = NULL, *line;
	size_t len = 0, i;
	FILE *f, *mem;
	int err = 0;

	f = fopen(path, "w");
	if (!f) {
		err = -errno;
		err_msg("cannot write the plan to %s: %s", path, strerror(errno));
		return err;
	}
	fprintf(f, "# A bpfapply saved plan: 'bpfapply apply %s' carries it out, if neither the\n"
		   "# manifest nor the live state changed since it was made.\n", path);
	fprintf(f, "%s %d\n", PLANFILE_MAGIC, PLANFILE_VERSION);
	fprintf(f, "scope %s\ndestroy %d\nserial %" PRIu64 "\n", p->scope, p->destroy,
		p->state_serial);
	fprintf(f, "live %016" PRIx64 "\ndesired %016" PRIx64 "\n", live_fingerprint(lv),
		desired_fingerprint(m));
	fprintf(f, "root %s\n", root);
	for (i = 0; i < m->n_files; i++)
		fprintf(f, "file %s\n", realpath(m->files[i], abs) ? abs : m->files[i]);
	mem = open_memstream(&text, &len);
	if (mem) {
		plan_render_text(p, m, mem, &ro);
		fclose(mem);
	}
	for (line = text ? strtok(text, "\n") : NULL; line; line = strtok(NULL, "\n"))
		fprintf(f, "#%s\n", line);
	free(text);
	if (fclose(f)) {
		err = -errno;
		err_msg("cannot write the plan to %s: %s", path, strerror(errno));
	}
	return err;
}

static int take(char **dst, const char *val)
{
	free(*dst);
	*dst = strdup(val);
	return *dst ? 0 : -ENOMEM;
}

static int add_file(struct planfile *pf, const char *val)
{
	char **v = realloc(pf->files, (pf->n_files + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	pf->files = v;
	v[pf->n_files] = strdup(val);
	return v[pf->n_files++] ? 0 : -ENOMEM;
}

static int parse_line(struct planfile *pf, const char *key, const char *val)
{
	char *end = NULL;

	if (!strcmp(key, "scope"))
		return valid_scope_name(val) ? take(&pf->scope, val) : -EINVAL;
	if (!strcmp(key, "root"))
		return val[0] == '/' ? take(&pf->root, val) : -EINVAL;
	if (!strcmp(key, "file"))
		return add_file(pf, val);
	if (!strcmp(key, "destroy"))
		pf->destroy = !strcmp(val, "1");
	else if (!strcmp(key, "serial"))
		pf->serial = strtoull(val, &end, 10);
	else if (!strcmp(key, "live"))
		pf->live_fp = strtoull(val, &end, 16);
	else if (!strcmp(key, "desired"))
		pf->desired_fp = strtoull(val, &end, 16);
	else
		return -EINVAL;
	return end && *end ? -EINVAL : 0;
}

int planfile_read(const char *path, struct planfile *pf)
{
	char line[PATH_MAX + 64], magic[32];
	bool header = false;
	int version = 0, err = 0;
	FILE *f;

	memset(pf, 0, sizeof(*pf));
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		err_msg("cannot read %s: %s", path, strerror(errno));
		return err;
	}
	while (!err && fgets(line, sizeof(line), f)) {
		char *sp;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		if (!header) {
			header = sscanf(line, "%31s %d", magic, &version) == 2 &&
				 !strcmp(magic, PLANFILE_MAGIC);
			err = header && version == PLANFILE_VERSION ? 0 : -EINVAL;
			continue;
		}
		sp = strchr(line, ' ');
		if (!sp) {
			err = -EINVAL;
			continue;
		}
		*sp = '\0';
		err = parse_line(pf, line, sp + 1);
	}
	fclose(f);
	if (!err && (!header || !pf->scope || !pf->root || !pf->n_files))
		err = -EINVAL;
	if (err) {
		err_msg("%s is not a saved plan this bpfapply can read%s", path,
			header && version != PLANFILE_VERSION ? " (another format version)" : "");
		planfile_free(pf);
	}
	return err;
}

void planfile_free(struct planfile *pf)
{
	size_t i;

	for (i = 0; i < pf->n_files; i++)
		free(pf->files[i]);
	free(pf->files);
	free(pf->root);
	free(pf->scope);
	memset(pf, 0, sizeof(*pf));
}
