// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel probes, the half that asks the kernel.  Each probe loads or creates
 * the smallest object of a kind and closes it at once: nothing is pinned,
 * nothing outlives the call.  libbpf's own probes are used where they answer
 * correctly; programs whose target comes from kernel BTF (iterators, fentry,
 * lsm) get a probe of their own, because libbpf's generic "tracing" probe
 * says no on kernels that refuse fentry but load iterators.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/maptypes.h"
#include "core/probe.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* Probes never allocate much: entries are only a sizing question here. */
#define PROBE_MAX_ENTRIES 64

unsigned probe_caps(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	static const struct {
		int cap;
		unsigned bit;
	} map[] = {
	    {CAP_BPF, PCAP_BPF},
	    {CAP_PERFMON, PCAP_PERFMON},
	    {CAP_NET_ADMIN, PCAP_NET_ADMIN},
	    {CAP_SYS_ADMIN, PCAP_SYS_ADMIN},
	};
	unsigned caps = 0;
	size_t i;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return 0;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (data[map[i].cap / 32].effective & (1u << (map[i].cap % 32)))
			caps |= map[i].bit;
	return caps;
}

static struct btf *vmlinux_btf(void)
{
	static struct btf *btf;
	static bool tried;

	if (!tried) {
		tried = true;
		btf = btf__load_vmlinux_btf();
		if (!btf)
			btf = NULL; /* libbpf returns NULL + errno */
	}
	return btf;
}

bool probe_have_btf(void)
{
	return vmlinux_btf() != NULL;
}

/* The BTF function a program of this section attaches to, or NULL. */
static const char *btf_target(const struct probe_prog *pp, char *buf, size_t len)
{
	const char *slash = pp->section ? strchr(pp->section, '/') : NULL;

	if (!slash || !slash[1] || strchr(slash + 1, ':'))
		return NULL; /* no target, or one in a module */
	if (pp->type == BPF_PROG_TYPE_TRACING && pp->attach == BPF_TRACE_ITER)
		snprintf(buf, len, "bpf_iter_%s", slash + 1);
	else if (pp->type == BPF_PROG_TYPE_LSM)
		snprintf(buf, len, "bpf_lsm_%s", slash + 1);
	else
		snprintf(buf, len, "%s", slash + 1);
	return buf;
}

/* r0 = 0; exit: every BTF-attached program type verifies it.  *fd: the
 * program, open, on PROBE_YES. */
static enum probe_answer load_btf(const struct probe_prog *pp, int *fd, int *err, const char **why)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = pp->attach);
	char name[160];
	int id;

	*fd = -1;
	if (pp->type == BPF_PROG_TYPE_EXT || pp->type == BPF_PROG_TYPE_STRUCT_OPS)
		return PROBE_UNKNOWN; /* they need another program or a struct to attach to */
	if (!vmlinux_btf()) {
		*err = ENOENT;
		*why = "this kernel has no BTF (/sys/kernel/btf/vmlinux)";
		return PROBE_NO;
	}
	if (!btf_target(pp, name, sizeof(name)))
		return PROBE_UNKNOWN;
	id = btf__find_by_name_kind(vmlinux_btf(), name, BTF_KIND_FUNC);
	if (id < 0) {
		*err = ENOENT;
		*why = pp->attach == BPF_TRACE_ITER ? "this kernel has no such iterator target"
						    : "this kernel has no such function in its BTF";
		return PROBE_NO;
	}
	opts.attach_btf_id = (uint32_t)id;
	*fd = bpf_prog_load(pp->type, "bpfapply_probe", "GPL", insns, 2, &opts);
	if (*fd >= 0)
		return PROBE_YES;
	*err = errno;
	return PROBE_NO;
}

static enum probe_answer load_btf_prog(const struct probe_prog *pp, int *err, const char **why)
{
	int fd;
	enum probe_answer a = load_btf(pp, &fd, err, why);

	if (fd >= 0)
		close(fd);
	return a;
}

enum probe_answer probe_iter_link(const char *section, const union bpf_iter_link_info *linfo,
				  int *err)
{
	const struct probe_prog pp = {BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, section};
	LIBBPF_OPTS(bpf_link_create_opts, opts, .iter_info = (union bpf_iter_link_info *)linfo,
		    .iter_info_len = sizeof(*linfo));
	const char *why = NULL;
	int fd, link;

	*err = 0;
	if (probe_caps_missing(probe_prog_caps(pp.type), probe_caps()) ||
	    load_btf(&pp, &fd, err, &why) != PROBE_YES)
		return PROBE_UNKNOWN; /* the program's own probe says why */
	link = bpf_link_create(fd, 0, BPF_TRACE_ITER, &opts);
	*err = link < 0 ? errno : 0;
	if (link >= 0)
		close(link);
	close(fd);
	return link >= 0 ? PROBE_YES : PROBE_NO;
}

enum probe_answer probe_prog(const struct probe_prog *pp, int *err, const char **why)
{
	int r;

	*err = 0;
	if (why)
		*why = NULL;
	if (probe_caps_missing(probe_prog_caps(pp->type), probe_caps()))
		return PROBE_UNKNOWN; /* the kernel would say EPERM whatever it supports */
	if (probe_prog_needs_btf(pp->type)) {
		const char *reason = NULL;
		enum probe_answer a = load_btf_prog(pp, err, &reason);

		if (why)
			*why = reason;
		return a;
	}
	r = libbpf_probe_bpf_prog_type(pp->type, NULL);
	if (r == 1)
		return PROBE_YES;
	*err = r == 0 ? EINVAL : -r;
	return r == 0 ? PROBE_NO : PROBE_UNKNOWN;
}

enum probe_answer probe_map_type(uint32_t type, int *err)
{
	int r;

	*err = 0;
	if (probe_caps_missing(PCAP_BPF, probe_caps()))
		return PROBE_UNKNOWN;
	r = libbpf_probe_bpf_map_type(type, NULL);
	if (r == 1)
		return PROBE_YES;
	*err = r == 0 ? EINVAL : -r;
	return r == 0 ? PROBE_NO : PROBE_UNKNOWN;
}

static int create_like(const struct manifest *m, const struct map_spec *ms, int depth)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = ms->flags);
	uint32_t max = ms->max_entries;
	int inner = -1, fd, saved;

	/* ring buffers are sized in pages; everything else may be small */
	if (max > PROBE_MAX_ENTRIES && ms->type != BPF_MAP_TYPE_RINGBUF &&
	    ms->type != BPF_MAP_TYPE_USER_RINGBUF)
		max = PROBE_MAX_ENTRIES;
	if (ms->inner_index >= 0 && depth < 2) {
		inner = create_like(m, &m->maps[ms->inner_index], depth + 1);
		if (inner < 0)
			return inner;
		opts.inner_map_fd = (uint32_t)inner;
	}
	fd = bpf_map_create(ms->type, "bpfapply_probe", ms->key_size, ms->value_size, max, &opts);
	saved = errno;
	if (inner >= 0)
		close(inner);
	return fd < 0 ? -saved : fd;
}

int probe_map_create(const struct manifest *m, const struct map_spec *ms)
{
	return create_like(m, ms, 0);
}

enum probe_answer probe_map_spec(const struct manifest *m, const struct map_spec *ms, int *err)
{
	int fd;

	*err = 0;
	if (probe_caps_missing(PCAP_BPF, probe_caps()))
		return PROBE_UNKNOWN;
	fd = create_like(m, ms, 0);
	if (fd >= 0) {
		close(fd);
		return PROBE_YES;
	}
	*err = -fd;
	return PROBE_NO;
}

/*
 * An iterator target is declared by DEFINE_BPF_ITER_FUNC as
 * bpf_iter_TARGET(struct bpf_iter_meta *meta, ...): other functions with
 * the prefix (bpf_iter_reg_target, the bpf_iter_num_* kfuncs) take no meta.
 */
static bool is_iter_target(const struct btf *btf, const struct btf_type *fn)
{
	const struct btf_type *proto = btf__type_by_id(btf, fn->type), *t;
	const char *name;

	if (!proto || !btf_is_func_proto(proto) || btf_vlen(proto) < 1)
		return false;
	t = btf__type_by_id(btf, btf_params(proto)[0].type);
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);
	name = t && btf_is_struct(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
	if (!name || strcmp(name, "bpf_iter_meta"))
		return false;
	/* the one helper with a meta argument that is not a target */
	return strcmp(btf__name_by_offset(btf, fn->name_off), "bpf_iter_get_info") != 0;
}

int probe_iter_targets(probe_name_fn fn, void *ctx)
{
	const struct btf *btf = vmlinux_btf();
	uint32_t i, n;
	int err = 0;

	if (!btf)
		return -ENOENT;
	n = btf__type_cnt(btf);
	for (i = 1; i < n && !err; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *name;

		if (!btf_is_func(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (name && !strncmp(name, "bpf_iter_", 9) && name[9] && is_iter_target(btf, t))
			err = fn(ctx, name + 9);
	}
	return err;
}
