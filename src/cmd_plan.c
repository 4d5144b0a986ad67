// SPDX-License-Identifier: GPL-2.0-only
/* validate, plan, apply and destroy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "exec.h"
#include "kind.h"
#include "core/json.h"
#include "core/paths.h"
#include "planfile.h"
#include "core/probe.h"

/*
 * validate --kernel: ask the running kernel about everything the manifest
 * declares, changing nothing.  A question it cannot answer (a capability
 * missing) is an error too: --kernel was asked for an answer.
 */
static int check_kernel(const struct manifest *m)
{
	struct diag d = { 0 };
	unsigned missing = probe_check_manifest(m, NULL, NULL, &d);
	char caps[96];
	int err = 0;

	if (diag_count(&d)) {
		diag_sort(&d);
		print_diags(&d);
		err = -EINVAL;
	} else if (missing) {
		probe_caps_str(missing, caps, sizeof(caps));
		err_msg("validate --kernel: asking the kernel about this manifest needs %s, "
			"which this process does not have", caps);
		err = -EPERM;
	}
	diag_free(&d);
	return err;
}

int cmd_validate(const struct opts *o)
{
	struct manifest *m = load_manifest(o, true);
	unsigned int k;
	struct json j;

	if (!m)
		return EXIT_ERR;
	if (o->kernel && check_kernel(m)) {
		manifest_free(m);
		return EXIT_ERR;
	}
	if (g_json) {
		json_init(&j, stdout, o->pretty);
		json_obj_begin(&j);
		json_kv_bool(&j, "valid", true);
		json_kv_str(&j, "scope", m->scope);
		for_each_kind(k)
			json_kv_uint(&j, kind_ops_get(k)->section, kind_count(k, m));
		json_kv_bool(&j, "kernel_checked", o->kernel);
		json_obj_end(&j);
		json_finish(&j);
	} else {
		printf("Manifest valid%s: scope %s", o->kernel ? " and accepted by this kernel" : "",
		       m->scope);
		for_each_kind(k)
			printf(", %zu %s", kind_count(k, m), kind_ops_get(k)->section);
		printf(".\n");
	}
	manifest_free(m);
	return EXIT_OK;
}

static void render(const struct run *r, const struct opts *o)
{
	struct render_opts ro = { .color = o->color };

	if (g_json)
		plan_render_json(&r->plan, r->m, stdout, o->pretty);
	else
		plan_render_text(&r->plan, r->m, stdout, &ro);
}

int cmd_plan(const struct opts *o)
{
	struct run r = { .lock_fd = -1 };
	int rc = EXIT_ERR;

	r.m = load_manifest(o, !o->destroy);
	if (!r.m)
		return EXIT_ERR;
	r.destroy = o->destroy;
	if (run_open(&r, o, r.m->scope, false))
		goto close_run;
	if (run_plan(&r, o->destroy))
		goto close_run;
	render(&r, o);
	if (o->out) {
		if (planfile_write(o->out, &r.plan, r.m, &r.lv, o->root))
			goto close_run;
		if (!g_json)
			printf("Saved the plan to %s: 'bpfapply apply %s' carries it out.\n", o->out,
			       o->out);
	}
	rc = o->detailed_exitcode && plan_has_changes(&r.plan) ? EXIT_CHANGES : EXIT_OK;
close_run:
	run_close(&r);
	return rc;
}

static void report_done(const struct run *r, const struct opts *o, bool destroy)
{
	const struct plan *p = &r->plan;
	struct json j;

	if (g_json) {
		json_init(&j, stdout, o->pretty);
		json_obj_begin(&j);
		plan_render_json_body(p, r->m, &j);
		json_kv_bool(&j, "applied", true);
		json_kv_bool(&j, "changed", plan_has_changes(p));
		json_obj_end(&j);
		json_finish(&j);
		return;
	}
	render(r, o);
	if (destroy)
		printf("Destroy complete: %u destroyed.\n", p->remove);
	else
		printf("Apply complete: %u added, %u changed, %u replaced, %u destroyed.\n",
		       p->add, p->change, p->replace, p->remove);
}

/* A saved plan applies only to the live state it was computed from. */
static int check_saved(const struct run *r, const struct planfile *pf)
{
	if (live_fingerprint(&r->lv) == pf->live_fp)
		return 0;
	err_msg("the live state of scope %s changed since the plan was saved (state serial %llu, "
		"now %llu, or objects changed): run plan again",
		pf->scope, (unsigned long long)pf->serial,
		(unsigned long long)(r->lv.have_state ? r->lv.state.serial : 0));
	return -ESTALE;
}

/* Does the scope still own anything (is there a state record)? */
static bool scope_owns_anything(const struct opts *o, const char *scope)
{
	char *state = path_join3(o->root, scope, "state");
	struct stat st;
	/* lstat: whatever is at the record's path, even a dangling link, is not ours to tidy */
	bool owns = !state || lstat(state, &st) == 0;

	free(state);
	return owns;
}

static int converge(struct run *r, const struct opts *o, const char *scope, bool destroy,
		    const struct planfile *pf)
{
	int rc = EXIT_ERR;

	r->destroy = destroy;
	if (run_open(r, o, scope, true))
		goto remove_empty_dirs;
	if (pf && check_saved(r, pf))
		goto remove_empty_dirs;
	if (run_plan(r, destroy) || exec_apply(&r->plan, r->m, &r->lv))
		goto remove_empty_dirs;
	report_done(r, o, destroy);
	rc = o->detailed_exitcode && plan_has_changes(&r->plan) ? EXIT_CHANGES : EXIT_OK;
remove_empty_dirs:
	/*
	 * A destroy, or a first apply that failed, leaves no empty directories
	 * behind; still under the lock, so that a waiting run finds the
	 * directory gone and makes it again (scope_lock re-checks).
	 */
	if (r->lock_fd >= 0 && !scope_owns_anything(o, scope))
		exec_remove_scope_dirs(o->root, scope); /* only a real scope directory we hold locked */
	return rc;
}

/* apply PLANFILE: the manifest and the root the plan was made with. */
static int apply_saved(const struct opts *o)
{
	struct run r = { .lock_fd = -1 };
	struct opts so = *o;
	struct planfile pf;
	size_t i;
	int rc = EXIT_ERR;

	if (o->n_files) {
		err_msg("apply: give either -f FILE... or a saved PLANFILE, not both");
		return EXIT_ERR;
	}
	if (planfile_read(o->planfile, &pf))
		return EXIT_ERR;
	if (!o->root_is_default && strcmp(o->root, pf.root)) {
		err_msg("%s was made for root %s, not %s", o->planfile, pf.root, o->root);
		planfile_free(&pf);
		return EXIT_ERR;
	}
	if (pf.n_files > MAX_FILES) {
		err_msg("%s names more than %d manifest files", o->planfile, MAX_FILES);
		goto close_run;
	}
	for (i = 0; i < pf.n_files; i++)
		so.files[i] = pf.files[i];
	so.n_files = pf.n_files;
	so.root = pf.root;
	so.root_is_default = !strcmp(pf.root, DEFAULT_ROOT);
	r.m = load_manifest(&so, !pf.destroy);
	if (!r.m)
		goto close_run;
	if (strcmp(r.m->scope, pf.scope)) {
		/* the record would name one scope and the objects live in another */
		err_msg("%s names scope %s, but its manifest declares scope %s: the plan file "
			"was edited; run plan again", o->planfile, pf.scope, r.m->scope);
		goto close_run;
	}
	if (desired_fingerprint(r.m) != pf.desired_fp) {
		err_msg("the manifest, its ELF objects or its data files changed since the plan %s "
			"was saved: run plan again", o->planfile);
		goto close_run;
	}
	rc = converge(&r, &so, pf.scope, pf.destroy, &pf);
close_run:
	run_close(&r);
	planfile_free(&pf);
	return rc;
}

int cmd_apply(const struct opts *o)
{
	struct run r = { .lock_fd = -1 };
	struct manifest *m;
	int rc;

	if (o->planfile)
		return apply_saved(o);
	m = load_manifest(o, true);
	if (!m)
		return EXIT_ERR;
	r.m = m;
	rc = converge(&r, o, m->scope, false, NULL);
	run_close(&r);
	return rc;
}

int cmd_destroy(const struct opts *o)
{
	struct run r = { .lock_fd = -1 };
	const char *scope = o->scope;
	int rc;

	if (o->n_files && o->scope) {
		err_msg("destroy: give either -f FILE... or --scope NAME, not both");
		return EXIT_ERR;
	}
	if (o->n_files) {
		r.m = load_manifest(o, false);
		if (!r.m)
			return EXIT_ERR;
		scope = r.m->scope;
	} else if (!scope) {
		err_msg("destroy: give -f FILE... or --scope NAME");
		return EXIT_ERR;
	} else if (!valid_scope_name(scope)) {
		err_msg("--scope: \"%s\" is not a scope name ([a-z0-9_-]{1,64})", scope);
		return EXIT_ERR;
	}
	rc = converge(&r, o, scope, true, NULL);
	run_close(&r);
	return rc;
}
