// SPDX-License-Identifier: GPL-2.0-only
/*
 * The public interface (include/bpfapply/bpfapply.h): thin handles around
 * the pipeline stages the command line uses.  Messages that are not about
 * the manifest or the plan (system errors) still go to stderr.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpfapply/bpfapply.h>

#include "core/elf.h"
#include "exec.h"
#include "live.h"
#include "model.h"
#include "core/paths.h"
#include "plan.h"

struct bpfapply_manifest {
	struct manifest *m;
};

struct bpfapply_plan {
	const struct manifest *m;
	struct live lv;
	struct plan plan;
	int lock_fd;
	bool for_apply;
	bool applied; /* a plan is carried out once: its snapshot is stale after */
};

const char *bpfapply_version(void)
{
	return BPFAPPLY_VERSION;
}

static void write_diags(struct diag *d, FILE *errors)
{
	if (!errors)
		return;
	diag_sort(d);
	diag_print(d, errors);
}

int bpfapply_manifest__load(const char *const *files, size_t n_files, FILE *errors,
			    struct bpfapply_manifest **out)
{
	struct bpfapply_manifest *h;
	struct diag d = { 0 };
	int err = 0;

	*out = NULL;
	if (!files || !n_files)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->m = manifest_load(files, n_files, &d);
	if (h->m && !diag_count(&d))
		manifest_check_objects(h->m, &d);
	if (!h->m || diag_count(&d)) {
		write_diags(&d, errors);
		bpfapply_manifest__free(h);
		err = -EINVAL;
	} else {
		*out = h;
	}
	diag_free(&d);
	return err;
}

const char *bpfapply_manifest__scope(const struct bpfapply_manifest *m)
{
	return m ? m->m->scope : NULL;
}

void bpfapply_manifest__free(struct bpfapply_manifest *m)
{
	if (!m)
		return;
	manifest_free(m->m);
	free(m);
}

int bpfapply_plan__compute(const struct bpfapply_manifest *m, const struct bpfapply_plan_opts *opts,
			   FILE *errors, struct bpfapply_plan **out)
{
	struct bpfapply_plan_opts o = { 0 };
	struct scope_open_opts so = { 0 };
	struct bpfapply_plan *p;
	struct diag d = { 0 };
	int err;

	*out = NULL;
	if (!m || !opts || opts->sz < offsetof(struct bpfapply_plan_opts, lock_timeout))
		return -EINVAL;
	memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->m = m->m;
	p->lock_fd = -1;
	p->for_apply = o.for_apply;
	so.root = o.root ? o.root : DEFAULT_ROOT;
	so.root_is_default = !strcmp(so.root, DEFAULT_ROOT);
	so.write = o.for_apply;
	so.nomount = o.nomount;
	so.lock_timeout = o.lock_timeout > 0 ? o.lock_timeout : 30;
	so.no_entries = o.destroy;
	err = exec_open_scope(&p->lv, &p->lock_fd, m->m->scope, p->m, &so);
	if (!err)
		err = plan_compute(&p->plan, p->m, &p->lv, o.destroy, &d);
	if (!err && diag_count(&d)) {
		write_diags(&d, errors);
		err = -EINVAL;
	}
	diag_free(&d);
	if (err)
		bpfapply_plan__free(p);
	else
		*out = p;
	return err;
}

bool bpfapply_plan__has_changes(const struct bpfapply_plan *p)
{
	return p && plan_has_changes(&p->plan);
}

int bpfapply_plan__render(const struct bpfapply_plan *p, FILE *f, bool json, bool pretty)
{
	struct render_opts ro = { .color = false };

	if (!p || !f)
		return -EINVAL;
	if (json)
		plan_render_json(&p->plan, p->m, f, pretty);
	else
		plan_render_text(&p->plan, p->m, f, &ro);
	return ferror(f) ? -EIO : 0;
}

int bpfapply_plan__apply(struct bpfapply_plan *p)
{
	if (!p || !p->for_apply)
		return -EINVAL;
	if (p->applied)
		return -EALREADY;
	p->applied = true;
	return exec_apply(&p->plan, p->m, &p->lv);
}

void bpfapply_plan__free(struct bpfapply_plan *p)
{
	if (!p)
		return;
	plan_free(&p->plan);
	live_free(&p->lv);
	scope_unlock(p->lock_fd);
	free(p);
}
