/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel probes: what the running kernel accepts, found by asking it (the
 * smallest program or map of a kind, loaded and closed at once), never by
 * its version number.  One module serves `plan`, `validate --kernel`,
 * `features` and the messages of a failed load, so they always agree.
 *
 * The explaining half (probe_explain_*) is pure: it turns an errno, the
 * capabilities held and a probe's answer into a sentence, and is unit
 * tested without a kernel.
 */
#ifndef BPFAPPLY_PROBE_H
#define BPFAPPLY_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/diag.h"
#include "model.h"

enum probe_answer {
	PROBE_NO = 0,      /* the kernel refuses it */
	PROBE_YES = 1,     /* the kernel accepts it */
	PROBE_UNKNOWN = 2, /* cannot tell (capability missing, nothing to ask with) */
};

/* The capabilities the bpf() checks look at (CAP_SYS_ADMIN stands in for each). */
enum probe_cap {
	PCAP_BPF = 1 << 0,
	PCAP_PERFMON = 1 << 1,
	PCAP_NET_ADMIN = 1 << 2,
	PCAP_SYS_ADMIN = 1 << 3,
};

/* Effective capabilities of this process as PCAP_* bits. */
unsigned probe_caps(void);
/* The PCAP_* bits of caps that are missing for need (CAP_SYS_ADMIN covers BPF,
 * PERFMON and NET_ADMIN, as the kernel's bpf_capable()/perfmon_capable() do). */
unsigned probe_caps_missing(unsigned need, unsigned have);
/* "CAP_BPF, CAP_PERFMON" for a set of PCAP_* bits. */
void probe_caps_str(unsigned caps, char *buf, size_t len);

/* One program as the kernel is asked to load it. */
struct probe_prog {
	uint32_t type;       /* enum bpf_prog_type */
	uint32_t attach;     /* enum bpf_attach_type (expected) */
	const char *section; /* ELF section: "iter/bpf_map_elem", "fentry/f", "xdp" */
};

/* The capabilities loading a program of this type needs (kernel's bpf_prog_load). */
unsigned probe_prog_caps(uint32_t type);
/* Names for messages: "tracing", "iter/bpf_map_elem" ... (static strings or section). */
const char *probe_prog_type_name(uint32_t type);
/* Does the program's attach target come from kernel BTF (tracing, lsm)? */
bool probe_prog_needs_btf(uint32_t type);

/*
 * Ask the kernel whether it loads a program like pp (type, attach type, BTF
 * target); on PROBE_NO *err is the kernel's errno (positive), and why (if
 * not NULL) a short reason when there is one beyond the errno ("no kernel
 * BTF", "no iterator target 'x'").
 */
enum probe_answer probe_prog(const struct probe_prog *pp, int *err, const char **why);
enum probe_answer probe_map_type(uint32_t type, int *err);
/* Create (and close at once) a map as declared, with its inner template;
 * max_entries is capped so that a probe never allocates much. */
enum probe_answer probe_map_spec(const struct manifest *m, const struct map_spec *ms, int *err);
/* An unpinned map like ms (capped as probe_map_spec does): fd, or -errno. */
int probe_map_create(const struct manifest *m, const struct map_spec *ms);
/* Can an iterator link of this section (iter/TARGET) be created with these
 * parameters?  PROBE_UNKNOWN when its program cannot be probed. */
union bpf_iter_link_info;
enum probe_answer probe_iter_link(const char *section, const union bpf_iter_link_info *linfo,
				  int *err);
/* Is kernel BTF (/sys/kernel/btf/vmlinux) there? */
bool probe_have_btf(void);
/* Every iterator target the kernel's BTF names ("bpf_map_elem", "task", ...),
 * in BTF order; -ENOENT without BTF, or fn's non-zero return. */
typedef int (*probe_name_fn)(void *ctx, const char *name);
int probe_iter_targets(probe_name_fn fn, void *ctx);

/*
 * Pure: why the kernel refused to load a program (err: positive errno of the
 * load, caps: probe_caps(), kernel: what probe_prog answered for its type,
 * why: the probe's reason).  Writes a sentence to buf and returns true, or
 * returns false when there is nothing better to say than the verifier log.
 */
bool probe_explain_prog(const struct probe_prog *pp, int err, unsigned caps,
			enum probe_answer kernel, const char *why, char *buf, size_t len);
/* Pure: the same for a map (kernel: probe_map_type's answer for its type). */
bool probe_explain_map(uint32_t type, uint32_t flags, int err, unsigned caps,
		       enum probe_answer kernel, char *buf, size_t len);

/*
 * Check what a manifest asks against the running kernel (changing nothing):
 * every map type and flag set, every program's type and attach target, the
 * cgroup of cgroup iterators.  only: NULL for every declared resource, or a
 * predicate on "map"/"program"/"iterator"/"link" and a name choosing the ones to check (those a plan
 * creates or replaces).  Refusals are located errors in d; the capabilities
 * that apply needs and this process lacks are returned as PCAP_* bits.
 */
typedef bool (*probe_only_fn)(void *ctx, const char *kind, const char *name);
unsigned probe_check_manifest(const struct manifest *m, probe_only_fn only, void *ctx,
			      struct diag *d);

#endif
