// SPDX-License-Identifier: GPL-2.0-only
/*
 * features: what this kernel supports, in the manifest's terms, one section
 * per kind (map types, program types as `type:` and section names spell
 * them, iterator targets, link hooks: kinds/KIND/probe.c), like `bpftool
 * feature probe` but answered by the probes plan uses.  With -f, only what
 * the manifests use, and the refusals plan would report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "core/elf.h"
#include "kernel_features.h"
#include "kind.h"

static const char *answer_str(enum probe_answer a)
{
	return a == PROBE_YES ? "yes" : a == PROBE_NO ? "no" : "unknown";
}

void features_emit(struct features *f, const char *name, enum probe_answer a, int err, const char *why)
{
	char reason[256] = "";

	if (a == PROBE_NO || (a == PROBE_UNKNOWN && why))
		snprintf(reason, sizeof(reason), "%s", why ? why : strerror(err));
	else if (a == PROBE_UNKNOWN)
		snprintf(reason, sizeof(reason), "cannot probe%s%s", err ? ": " : "",
			 err ? strerror(err) : " (capability missing, or needs a target)");
	if (g_json) {
		json_key(&f->j, name);
		json_obj_begin(&f->j);
		json_kv_str(&f->j, "supported", answer_str(a));
		if (reason[0])
			json_kv_str(&f->j, "reason", reason);
		json_obj_end(&f->j);
	} else {
		printf("  %-40s %s%s%s\n", name, answer_str(a), reason[0] ? ": " : "", reason);
	}
}

void features_probe_section(struct features *f, const char *sec, const char *label)
{
	enum bpf_attach_type at = 0;
	enum bpf_prog_type pt = 0;
	struct probe_prog pp = {.section = sec};
	const char *why = NULL;
	enum probe_answer a;
	char text[320];
	int err = 0;

	if (libbpf_prog_type_by_name(sec, &pt, &at)) {
		features_emit(f, label, PROBE_UNKNOWN, EINVAL, NULL);
		return;
	}
	pp.type = pt;
	pp.attach = at;
	a = probe_prog(&pp, &err, &why);
	if (a == PROBE_NO && probe_explain_prog(&pp, err, f->caps, a, why, text, sizeof(text)))
		why = text;
	if (a == PROBE_UNKNOWN && probe_caps_missing(probe_prog_caps(pt), f->caps)) {
		char need[96];

		probe_caps_str(probe_caps_missing(probe_prog_caps(pt), f->caps), need,
			       sizeof(need));
		snprintf(text, sizeof(text), "cannot ask without %s", need);
		why = text;
	}
	features_emit(f, label, a, err, why);
}

/* One kind's section: what the kernel supports of it. */
static void section(struct features *f, const struct kind_kernel_ops *ops)
{
	if (g_json) {
		json_key(&f->j, ops->features_key);
		json_obj_begin(&f->j);
	} else {
		printf("%s:\n", ops->features_title);
	}
	ops->features(f);
	if (g_json)
		json_obj_end(&f->j);
}

int cmd_features(const struct opts *o)
{
	struct features f = {.caps = probe_caps()};
	unsigned int k;
	struct manifest *m = NULL;
	struct diag d = {0};
	char caps[96];
	int rc = EXIT_OK;

	if (o->n_files && !(m = load_manifest(o, true)))
		return EXIT_ERR;
	f.m = m;
	probe_caps_str(f.caps, caps, sizeof(caps));
	if (g_json) {
		json_init(&f.j, stdout, o->pretty);
		json_obj_begin(&f.j);
		json_kv_bool(&f.j, "btf", probe_have_btf());
		json_kv_str(&f.j, "capabilities", caps);
	} else {
		printf("Kernel BTF: %s\nCapabilities: %s\n", probe_have_btf() ? "yes" : "no",
		       caps[0] ? caps : "none");
	}
	for_each_kind(k)
		if (kind_kernel_get(k)->features)
			section(&f, kind_kernel_get(k));
	if (m)
		probe_check_manifest(m, NULL, NULL, &d);
	if (g_json) {
		size_t i;

		json_key(&f.j, "refusals");
		json_arr_begin(&f.j);
		for (i = 0; i < d.n; i++) {
			char *s = diag_format(&d.msgs[i]);

			json_str(&f.j, s);
			free(s);
		}
		json_arr_end(&f.j);
		json_obj_end(&f.j);
		json_finish(&f.j);
	} else if (diag_count(&d)) {
		printf("This kernel refuses:\n");
		diag_print(&d, stdout);
	}
	if (diag_count(&d))
		rc = EXIT_ERR;
	diag_free(&d);
	manifest_free(m);
	return rc;
}
