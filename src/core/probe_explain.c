// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel probes, the pure half: which capabilities a program type needs and
 * what to tell the user when the kernel refuses something.  libbpf's own
 * hint for EPERM ("try raising 'ulimit -l'") is wrong on every kernel since
 * 5.11 (BPF memory is charged to the cgroup, not to RLIMIT_MEMLOCK), so
 * bpfapply says what it knows instead: which capability is missing, or that
 * the kernel refuses the program type although every one is held.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/maptypes.h"
#include "core/probe.h"

unsigned probe_caps_missing(unsigned need, unsigned have)
{
	if (have & PCAP_SYS_ADMIN)
		return 0; /* bpf_capable(), perfmon_capable(), bpf_net_capable() */
	return need & ~have;
}

void probe_caps_str(unsigned caps, char *buf, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	    {PCAP_BPF, "CAP_BPF"},
	    {PCAP_PERFMON, "CAP_PERFMON"},
	    {PCAP_NET_ADMIN, "CAP_NET_ADMIN"},
	    {PCAP_SYS_ADMIN, "CAP_SYS_ADMIN"},
	};
	size_t i, off = 0;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(caps & names[i].bit) || off >= len)
			continue;
		off +=
		    (size_t)snprintf(buf + off, len - off, "%s%s", off ? ", " : "", names[i].name);
	}
}

/* The kernel's bpf_prog_load(): is_net_admin_prog_type / is_perfmon_prog_type. */
unsigned probe_prog_caps(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_EXT:
		return PCAP_BPF | PCAP_NET_ADMIN;
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_STRUCT_OPS:
		return PCAP_BPF | PCAP_PERFMON;
	default:
		return PCAP_BPF;
	}
}

bool probe_prog_needs_btf(uint32_t type)
{
	return type == BPF_PROG_TYPE_TRACING || type == BPF_PROG_TYPE_LSM ||
	       type == BPF_PROG_TYPE_EXT || type == BPF_PROG_TYPE_STRUCT_OPS;
}

const char *probe_prog_type_name(uint32_t type)
{
	const char *n = libbpf_bpf_prog_type_str((enum bpf_prog_type)type);

	return n ? n : "unknown";
}

static bool is_tracing_family(uint32_t type)
{
	return type == BPF_PROG_TYPE_TRACING || type == BPF_PROG_TYPE_LSM ||
	       type == BPF_PROG_TYPE_EXT;
}

bool probe_explain_prog(const struct probe_prog *pp, int err, unsigned caps,
			enum probe_answer kernel, const char *why, char *buf, size_t len)
{
	const char *tn = probe_prog_type_name(pp->type);
	unsigned missing = probe_caps_missing(probe_prog_caps(pp->type), caps);
	char need[96];

	if ((err == EPERM || err == EACCES) && missing) {
		probe_caps_str(missing, need, sizeof(need));
		snprintf(buf, len, "loading %s programs needs %s, which bpfapply runs without", tn,
			 need);
		return true;
	}
	if (err == EACCES && probe_caps_missing(PCAP_PERFMON, caps)) {
		/* the verifier: pointer arithmetic, speculation checks */
		snprintf(buf, len,
			 "the verifier refused it; without CAP_PERFMON it also rejects "
			 "pointer arithmetic that it accepts from a loader that has it");
		return true;
	}
	if (kernel != PROBE_NO)
		return false; /* the type loads here: the verifier log says why this one did not */
	if (why) {
		snprintf(buf, len, "this kernel refuses it: %s", why);
		return true;
	}
	if (err == EPERM && is_tracing_family(pp->type)) {
		snprintf(buf, len,
			 "this kernel refuses %s programs: they are disabled on this "
			 "kernel (EPERM as root with CAP_BPF and CAP_PERFMON)",
			 tn);
		return true;
	}
	if (err == EPERM) {
		snprintf(buf, len,
			 "this kernel refuses %s programs although bpfapply holds every "
			 "capability they need (a security module or sysctl forbids them)",
			 tn);
		return true;
	}
	snprintf(buf, len, "this kernel does not support %s programs (%s)", tn, strerror(err));
	return true;
}

bool probe_explain_map(uint32_t type, uint32_t flags, int err, unsigned caps,
		       enum probe_answer kernel, char *buf, size_t len)
{
	char fl[128];

	if ((err == EPERM || err == EACCES) && probe_caps_missing(PCAP_BPF, caps)) {
		snprintf(buf, len, "creating maps needs CAP_BPF, which bpfapply runs without");
		return true;
	}
	if (kernel == PROBE_NO) {
		snprintf(buf, len, "this kernel does not support %s maps", maptype_name(type));
		return true;
	}
	if (kernel == PROBE_YES && (err == EINVAL || err == EOPNOTSUPP)) {
		mapflags_format(flags, fl, sizeof(fl));
		snprintf(buf, len,
			 "this kernel refuses a %s map with these attributes (flags %s): %s",
			 maptype_name(type), flags ? fl : "none", strerror(err));
		return true;
	}
	return false;
}
