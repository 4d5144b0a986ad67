// SPDX-License-Identifier: GPL-2.0-only
/*
 * features: what this kernel supports, in the manifest's terms (map types,
 * program types as `type:` and section names spell them, iterator targets),
 * like `bpftool feature probe` but answered by the probes plan uses.  With
 * -f, only what the manifests use, and the refusals plan would report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "core/elf.h"
#include "core/json.h"
#include "kinds/link/link.h"
#include "kinds/map/maptypes.h"
#include "core/probe.h"

/* Program kinds as a manifest meets them: the section that selects each. */
static const char *const prog_sections[] = {
    "xdp",
    "tc",
    "cgroup/skb",
    "cgroup/sock",
    "cgroup/connect4",
    "cgroup/getsockopt",
    "cgroup/sysctl",
    "cgroup/dev",
    "sockops",
    "sk_skb",
    "sk_msg",
    "flow_dissector",
    "socket",
    "kprobe/do_nanosleep",
    "tracepoint/syscalls/sys_enter_nanosleep",
    "raw_tracepoint/sys_enter",
    "perf_event",
    "fentry/bpf_fentry_test1",
    "lsm/file_open",
};

struct feat {
	struct json j;
	const struct manifest *m; /* -f: only what it uses */
	unsigned caps;
};

static const char *answer_str(enum probe_answer a)
{
	return a == PROBE_YES ? "yes" : a == PROBE_NO ? "no" : "unknown";
}

static void emit(struct feat *f, const char *name, enum probe_answer a, int err, const char *why)
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

static bool manifest_uses_map_type(const struct manifest *m, uint32_t type)
{
	size_t i;

	for (i = 0; m && i < m->n_maps; i++)
		if (m->maps[i].type == type)
			return true;
	return !m;
}

static void map_types(struct feat *f)
{
	const struct maptype *mt;
	unsigned i;
	int err;

	for (i = 0; (mt = maptype_at(i)); i++) {
		if (!(mt->caps & MT_CREATABLE) || !manifest_uses_map_type(f->m, mt->type))
			continue;
		enum probe_answer a = probe_map_type(mt->type, &err);

		emit(f, mt->name, a, err,
		     a == PROBE_UNKNOWN && probe_caps_missing(PCAP_BPF, f->caps)
			 ? "cannot ask without CAP_BPF"
			 : NULL);
	}
}

/* Every program of the manifest, as its section names it. */
static bool manifest_uses_section(const struct manifest *m, const char *sec)
{
	size_t i, k;

	if (!m)
		return true;
	for (i = 0; i < m->n_programs; i++)
		for (k = 0; k < m->programs[i].elf->n_progs; k++)
			if (!strcmp(m->programs[i].elf->progs[k].section, sec))
				return true;
	return false;
}

static void probe_section(struct feat *f, const char *sec, const char *label)
{
	enum bpf_attach_type at = 0;
	enum bpf_prog_type pt = 0;
	struct probe_prog pp = {.section = sec};
	const char *why = NULL;
	enum probe_answer a;
	char text[320];
	int err = 0;

	if (libbpf_prog_type_by_name(sec, &pt, &at)) {
		emit(f, label, PROBE_UNKNOWN, EINVAL, NULL);
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
	emit(f, label, a, err, why);
}

static void program_types(struct feat *f)
{
	size_t i, k;

	if (f->m) {
		for (i = 0; i < f->m->n_programs; i++)
			for (k = 0; k < f->m->programs[i].elf->n_progs; k++) {
				const char *sec = f->m->programs[i].elf->progs[k].section;

				if (strncmp(sec, "iter", 4))
					probe_section(f, sec, sec);
			}
		return;
	}
	for (i = 0; i < sizeof(prog_sections) / sizeof(prog_sections[0]); i++) {
		char label[64];

		snprintf(label, sizeof(label), "%.*s", (int)strcspn(prog_sections[i], "/"),
			 prog_sections[i]);
		if (!strcmp(label, "cgroup"))
			snprintf(label, sizeof(label), "%s", prog_sections[i]);
		probe_section(f, prog_sections[i], label);
	}
}

static int one_iter(void *ctx, const char *target)
{
	struct feat *f = ctx;
	char sec[128];

	snprintf(sec, sizeof(sec), "iter/%s", target);
	if (manifest_uses_section(f->m, sec))
		probe_section(f, sec, target);
	return 0;
}

static void section(struct feat *f, const char *key, const char *title, void (*fn)(struct feat *))
{
	if (g_json) {
		json_key(&f->j, key);
		json_obj_begin(&f->j);
	} else {
		printf("%s:\n", title);
	}
	fn(f);
	if (g_json)
		json_obj_end(&f->j);
}

static void iterators(struct feat *f)
{
	if (probe_iter_targets(one_iter, f) == -ENOENT && !g_json)
		printf("  (no kernel BTF: iterators cannot be loaded)\n");
}

/* Does the kernel's BTF have enumerator NAME in enum bpf_link_type? */
static bool btf_has_link_type(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, "bpf_link_type", BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_enum *e = t ? btf_enum(t) : NULL;
	unsigned i;

	for (i = 0; t && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), name))
			return true;
	return false;
}

static bool manifest_uses_hook(const struct manifest *m, enum link_hook h)
{
	size_t i;

	for (i = 0; m && i < m->n_links; i++)
		if (m->links[i].hook == h)
			return true;
	return !m;
}

/*
 * Link hooks: a kernel names the bpf_link types it can create in its own BTF
 * (enum bpf_link_type), so asking changes nothing and attaches nothing.
 */
static void link_hooks(struct feat *f)
{
	static const struct {
		enum link_hook hook;
		const char *link_type, *since;
	} hooks[] = {
		{HOOK_XDP, "BPF_LINK_TYPE_XDP", "XDP links need Linux 5.9"},
		{HOOK_TC, "BPF_LINK_TYPE_TCX", "tcx links need Linux 6.6"},
		{HOOK_CGROUP, "BPF_LINK_TYPE_CGROUP", "cgroup links need Linux 5.7"},
	};
	struct btf *btf = btf__load_vmlinux_btf();
	int err = libbpf_get_error(btf);
	size_t i;

	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		if (!manifest_uses_hook(f->m, hooks[i].hook))
			continue;
		if (err)
			emit(f, link_hook_name(hooks[i].hook), PROBE_UNKNOWN, (int)-err,
			     "no kernel BTF to ask");
		else if (btf_has_link_type(btf, hooks[i].link_type))
			emit(f, link_hook_name(hooks[i].hook), PROBE_YES, 0, NULL);
		else
			emit(f, link_hook_name(hooks[i].hook), PROBE_NO, 0, hooks[i].since);
	}
	if (!err)
		btf__free(btf);
}

int cmd_features(const struct opts *o)
{
	struct feat f = {.caps = probe_caps()};
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
	section(&f, "map_types", "Map types", map_types);
	section(&f, "program_types", "Program types (by section)", program_types);
	section(&f, "iterators", "Iterator targets (SEC(\"iter/TARGET\"))", iterators);
	section(&f, "links", "Link hooks (links:)", link_hooks);
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
