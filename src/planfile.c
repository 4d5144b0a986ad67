// SPDX-License-Identifier: GPL-2.0-only
/*
 * Saved plans: a small line-oriented text file, readable by people (the
 * plan itself is in it as comments) and strict to read back.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/elf.h"
#include "core/fingerprint.h"
#include "kind.h"
#include "planfile.h"
#include "core/readfile.h"

uint64_t live_fingerprint(const struct live *lv)
{
	unsigned int k;
	struct fp f;

	/* not root_on_bpffs: a root apply has still to mount holds what an empty one does */
	if (fp_init(&f))
		return 0;
	fp_u32(&f, lv->have_state);
	fp_u64(&f, lv->state.serial);
	fp_u32(&f, lv->state.pending);
	for_each_kind(k)
		kind_kernel_get(k)->fingerprint_live(&f, lv);
	return fp_final(&f);
}

/* A manifest has no size cap: its contents are hashed as they are read. */
static int fp_file(struct fp *f, const char *path)
{
	char buf[65536];
	uint64_t left;
	struct stat st;
	ssize_t got;
	int fd, err;

	err = readfile_open(path, &fd, &st);
	if (err)
		return err;
	/* contents only: apply reloads the files by their absolute paths */
	fp_u32(f, 0x66696c65);
	fp_bytes_begin(f, (size_t)st.st_size);
	for (left = (uint64_t)st.st_size; left; left -= (uint64_t)got) {
		got = read(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));
		if (got < 0 && errno == EINTR) {
			got = 0;
			continue;
		}
		if (got <= 0) {
			err = got ? -errno : -EAGAIN; /* shorter than it was: it changed */
			break;
		}
		fp_bytes_more(f, buf, (size_t)got);
	}
	close(fd);
	return err;
}

uint64_t desired_fingerprint(const struct manifest *m)
{
	unsigned int k;
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
	for_each_kind(k)
		if (kind_ops_get(k)->fingerprint_inputs)
			kind_ops_get(k)->fingerprint_inputs(&f, m);
	return fp_final(&f);
}

/* Is out one of the files the plan is made from?  Then writing it would lose that file. */
static bool out_is_input(const struct stat *out, const struct manifest *m)
{
	unsigned int k;
	struct stat st;
	size_t i;

	for (i = 0; i < m->n_files; i++)
		if (!stat(m->files[i], &st) && st.st_dev == out->st_dev && st.st_ino == out->st_ino)
			return true;
	for_each_kind(k)
		if (kind_ops_get(k)->is_input && kind_ops_get(k)->is_input(m, out->st_dev, out->st_ino))
			return true;
	return false;
}

/* What is at path now may be replaced by a plan: nothing, or a regular file that is no input. */
static int check_out(const char *path, const struct manifest *m)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(st.st_mode)) {
		err_msg("-o %s: %s; a saved plan replaces only a regular file", path,
			S_ISLNK(st.st_mode) ? "is a symbolic link" : "is not a regular file");
		return -EINVAL;
	}
	if (out_is_input(&st, m)) {
		err_msg("-o %s: is one of the plan's inputs (a manifest, an ELF object or a data file); "
			"choose another file", path);
		return -EINVAL;
	}
	return 0;
}

static void write_body(FILE *f, const char *path, const struct plan *p, const struct manifest *m,
		       const struct live *lv, const char *root)
{
	struct render_opts ro = { .color = false };
	char abs[PATH_MAX], *text = NULL, *line;
	size_t len = 0, i;
	FILE *mem;

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
}

/*
 * Written to a temporary file beside path and renamed over it, mode 0600:
 * a reader sees the old plan or the new one whole, never a part.
 */
int planfile_write(const char *path, const struct plan *p, const struct manifest *m,
		   const struct live *lv, const char *root)
{
	char *tmp = NULL;
	FILE *f = NULL;
	int fd, err;

	err = check_out(path, m);
	if (err)
		return err;
	if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		err = -ENOMEM;
		goto remove_tmp;
	}
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		free(tmp);
		tmp = NULL;
		goto remove_tmp;
	}
	write_body(f, path, p, m, lv, root);
	if (fflush(f) || fsync(fileno(f)) || ferror(f))
		err = -errno ?: -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
remove_tmp:
	if (err) {
		err_msg("cannot write the plan to %s: %s", path, strerror(-err));
		if (tmp)
			unlink(tmp);
	}
	free(tmp);
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

/* One line of a saved plan; header: the magic line was seen (version in *version). */
static int parse_one(struct planfile *pf, char *line, bool *header, int *version)
{
	char magic[32], *sp;

	if (line[0] == '#' || !line[0])
		return 0;
	if (!*header) {
		int v = 0;

		*header = sscanf(line, "%31s %d", magic, &v) == 2 && !strcmp(magic, PLANFILE_MAGIC);
		if (*header)
			*version = v;
		return *header && v == PLANFILE_VERSION ? 0 : -EINVAL;
	}
	sp = strchr(line, ' ');
	if (!sp)
		return -EINVAL;
	*sp = '\0';
	return parse_line(pf, line, sp + 1);
}

int planfile_parse(const char *buf, size_t len, struct planfile *pf, int *version)
{
	bool header = false;
	char *copy, *line, *nl;
	int err = 0;

	memset(pf, 0, sizeof(*pf));
	*version = 0;
	/* text only: a NUL would cut a line short without a trace */
	if (memchr(buf, '\0', len))
		return -EINVAL;
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (line = copy; !err && line < copy + len; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			nl = copy + len;
		*nl = '\0';
		err = parse_one(pf, line, &header, version);
	}
	free(copy);
	if (!err && (!header || !pf->scope || !pf->root || !pf->n_files))
		err = -EINVAL;
	if (err)
		planfile_free(pf);
	return err;
}

int planfile_read(const char *path, struct planfile *pf)
{
	int version, err;
	size_t len;
	char *buf;

	memset(pf, 0, sizeof(*pf));
	err = readfile(path, PLANFILE_MAX_BYTES, &buf, &len);
	if (err) {
		err_msg("cannot read %s: %s", path, readfile_strerror(err, PLANFILE_MAX_BYTES));
		return err;
	}
	err = planfile_parse(buf, len, pf, &version);
	free(buf);
	if (err == -ENOMEM)
		err_msg("cannot read %s: %s", path, strerror(ENOMEM));
	else if (err)
		err_msg("%s is not a saved plan this bpfapply can read%s", path,
			version && version != PLANFILE_VERSION ? " (another format version)" : "");
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
