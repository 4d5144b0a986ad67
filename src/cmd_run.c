// SPDX-License-Identifier: GPL-2.0-only
/*
 * The steps plan, apply and destroy share: load the manifest, find the
 * bpffs root, take the scope lock, read the live state, compute the plan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "exec.h"
#include "core/elf.h"
#include "core/json.h"
#include "core/paths.h"
#include "core/probe.h"
#include "core/progress.h"

void print_diags(const struct diag *d)
{
	struct json j;
	size_t i;

	if (!g_json) {
		diag_print(d, stderr);
		return;
	}
	json_init(&j, stdout, false);
	json_obj_begin(&j);
	json_key(&j, "error");
	{
		size_t len = 0;
		char *all = NULL;
		FILE *mem = open_memstream(&all, &len);

		if (mem) {
			diag_print(d, mem);
			fclose(mem);
		}
		if (all && len && all[len - 1] == '\n')
			all[len - 1] = '\0';
		json_str(&j, all ? all : "invalid manifest");
		free(all);
	}
	json_key(&j, "errors");
	json_arr_begin(&j);
	for (i = 0; i < d->n; i++) {
		json_obj_begin(&j);
		json_kv_str(&j, "file", d->msgs[i].loc.file);
		json_kv_int(&j, "line", d->msgs[i].loc.line);
		json_kv_int(&j, "column", d->msgs[i].loc.col);
		json_kv_str(&j, "message", d->msgs[i].text);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

struct manifest *load_manifest(const struct opts *o, bool check_elf)
{
	struct diag d = { 0 };
	struct manifest *m;

	if (!o->n_files) {
		err_msg("no manifest given (use -f FILE)");
		return NULL;
	}
	m = manifest_load(o->files, o->n_files, &d);
	if (m && !diag_count(&d) && check_elf)
		manifest_check_objects(m, &d);
	progress_clear();
	if (!m || diag_count(&d)) {
		diag_sort(&d);
		print_diags(&d);
		manifest_free(m);
		m = NULL;
	}
	diag_free(&d);
	return m;
}

/*
 * r holds the manifest (or NULL); the rest of it is filled here.
 * write: apply/destroy (mount bpffs if needed, create the scope directory,
 * exclusive lock); otherwise only look (shared lock if there is anything).
 */
int run_open(struct run *r, const struct opts *o, const char *scope, bool write)
{
	struct scope_open_opts so = {
		.root = o->root,
		.root_is_default = o->root_is_default,
		.write = write,
		.nomount = o->nomount,
		.lock_timeout = o->lock_timeout,
		.no_entries = r->destroy,
	};
	int err = exec_open_scope(&r->lv, &r->lock_fd, scope, r->m, &so);

	r->have_live = true;
	r->write = write;
	progress_clear();
	return err;
}

/* Only what the plan creates or replaces is loaded, so only that is probed. */
static bool plan_builds(void *ctx, const char *kind, const char *name)
{
	const struct change *c = NULL;
	unsigned int k;

	for_each_kind(k)
		if (!c && !strcmp(kind, kind_name(k)))
			c = plan_find(ctx, k, name);
	return c && (c->action == ACT_CREATE || c->action == ACT_REPLACE);
}

/*
 * Before any apply: what this kernel refuses is an error of the plan, and
 * the capabilities apply will need and this process lacks are named (an
 * error for apply, a warning for plan, which only looks).
 */
static int check_kernel(struct run *r, bool destroy, struct diag *d)
{
	unsigned missing = 0;
	char caps[96];

	if (r->m && !destroy)
		missing = probe_check_manifest(r->m, plan_builds, &r->plan, d);
	/* any change rewrites the state record, a new BPF map */
	if (plan_has_changes(&r->plan))
		missing |= probe_caps_missing(PCAP_BPF, probe_caps());
	if (!missing)
		return 0;
	probe_caps_str(missing, caps, sizeof(caps));
	if (!r->write) {
		warn_msg("%s will need %s, which this process does not have",
			 destroy ? "destroy" : "apply", caps);
		return 0;
	}
	err_msg("%s needs %s to make the changes of this plan; this process does not have it",
		destroy ? "destroy" : "apply", caps);
	return -EPERM;
}

int run_plan(struct run *r, bool destroy)
{
	struct diag d = { 0 };
	int err;

	err = plan_compute(&r->plan, r->m, &r->lv, destroy, &d);
	r->have_plan = true;
	if (!err && !diag_count(&d))
		err = check_kernel(r, destroy, &d);
	progress_clear();
	if (err == -EPERM) {
		/* said already */
	} else if (err) {
		err_msg("cannot compute the plan: %s", strerror(-err));
	} else if (diag_count(&d)) {
		print_diags(&d);
		err = -EINVAL;
	}
	diag_free(&d);
	return err;
}

void run_close(struct run *r)
{
	if (r->have_plan)
		plan_free(&r->plan);
	if (r->have_live)
		live_free(&r->lv);
	scope_unlock(r->lock_fd);
	manifest_free(r->m);
	memset(r, 0, sizeof(*r));
	r->lock_fd = -1;
}
