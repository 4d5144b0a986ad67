// SPDX-License-Identifier: GPL-2.0-only
/* Program entries against the running kernel: each program type loaded in its smallest form. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kernel_features.h"
#include "core/elf.h"
#include "core/probe.h"
#include "kinds/program/program.h"

/* The type and attach type libbpf will load a program with, as configure() sets them. */
static int prog_of(const struct program_spec *ps, struct bpf_program *p, struct probe_prog *pp)
{
	enum bpf_attach_type at = 0;
	enum bpf_prog_type pt = 0;

	pp->type = bpf_program__type(p);
	pp->attach = bpf_program__expected_attach_type(p);
	pp->section = bpf_program__section_name(p);
	if (ps->type) {
		if (libbpf_prog_type_by_name(ps->type, &pt, &at))
			return -EINVAL;
		pp->type = pt;
		pp->attach = at;
	}
	return 0;
}

static unsigned check_program(const struct program_spec *ps, unsigned caps, struct diag *d)
{
	struct bpf_object *obj = elf_open_object(ps->elf, ps->object_path);
	unsigned need = 0;
	size_t i;

	if (!obj)
		return 0; /* validate reported it */
	for (i = 0; i < program_count(ps); i++) {
		const char *name = program_name_at(ps, i), *reason;
		struct bpf_program *p = bpf_object__find_program_by_name(obj, name);
		struct probe_prog pp;
		enum probe_answer a;
		char why[320];
		int err;

		if (!p || prog_of(ps, p, &pp))
			continue;
		need |= probe_prog_caps(pp.type);
		a = probe_prog(&pp, &err, &reason);
		if (a == PROBE_NO &&
		    probe_explain_prog(&pp, err, caps, a, reason, why, sizeof(why)))
			diag_error(d, &ps->object_loc,
				   "program entry '%s': program '%s' (%s, %s): %s", ps->name, name,
				   probe_prog_type_name(pp.type), pp.section ? pp.section : "?",
				   why);
	}
	bpf_object__close(obj);
	return need;
}

unsigned program_probe(const struct manifest *m, probe_only_fn only, void *ctx, unsigned caps,
		       struct diag *d)
{
	unsigned need = 0;
	size_t i;

	for (i = 0; i < m->n_programs; i++) {
		if (only && !only(ctx, "program", m->programs[i].name))
			continue;
		need |= PCAP_BPF | check_program(&m->programs[i], caps, d);
	}
	return need;
}

/* Every program of the manifest, as its section names it. */
bool program_uses_section(const struct manifest *m, const char *sec)
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


void program_features(struct features *f)
{
	size_t i, k;

	if (f->m) {
		for (i = 0; i < f->m->n_programs; i++)
			for (k = 0; k < f->m->programs[i].elf->n_progs; k++) {
				const char *sec = f->m->programs[i].elf->progs[k].section;

				if (strncmp(sec, "iter", 4))
					features_probe_section(f, sec, sec);
			}
		return;
	}
	for (i = 0; i < sizeof(prog_sections) / sizeof(prog_sections[0]); i++) {
		char label[64];

		snprintf(label, sizeof(label), "%.*s", (int)strcspn(prog_sections[i], "/"),
			 prog_sections[i]);
		if (!strcmp(label, "cgroup"))
			snprintf(label, sizeof(label), "%s", prog_sections[i]);
		features_probe_section(f, prog_sections[i], label);
	}
}
