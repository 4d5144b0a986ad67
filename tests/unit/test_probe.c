// SPDX-License-Identifier: GPL-2.0-only
/* The error mapping of kernel refusals: what bpfapply says for an errno,
 * the capabilities held and what the kernel probe answered. */
#include "unit.h"

#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "core/probe.h"

#define ALL (PCAP_BPF | PCAP_PERFMON | PCAP_NET_ADMIN)

static const struct probe_prog iter = {BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, "iter/bpf_map_elem"};
static const struct probe_prog fentry = {BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY,
					 "fentry/bpf_fentry_test1"};
static const struct probe_prog xdp = {BPF_PROG_TYPE_XDP, BPF_XDP, "xdp"};

static const char *explain(const struct probe_prog *pp, int err, unsigned caps, enum probe_answer a,
			   const char *why)
{
	static char buf[512];

	buf[0] = '\0';
	if (!probe_explain_prog(pp, err, caps, a, why, buf, sizeof(buf)))
		return NULL;
	return buf;
}

static void assert_has(const char *s, const char *part)
{
	if (!s || !strstr(s, part))
		fail_msg("\"%s\" does not contain \"%s\"", s ? s : "(null)", part);
}

/* EPERM as root with CAP_BPF and CAP_PERFMON: tracing is disabled here. */
static void test_tracing_disabled(void **state)
{
	const char *s;

	(void)state;
	s = explain(&iter, EPERM, ALL, PROBE_NO, NULL);
	assert_string_equal(s, "this kernel refuses tracing programs: they are disabled on this "
			       "kernel (EPERM as root with CAP_BPF and CAP_PERFMON)");
	assert_null(strstr(s, "ulimit"));
	/* CAP_SYS_ADMIN alone holds every capability bpf() checks */
	assert_string_equal(explain(&fentry, EPERM, PCAP_SYS_ADMIN, PROBE_NO, NULL), s);
}

/* The same EPERM without CAP_PERFMON is about the capability, not the kernel. */
static void test_missing_capability_named(void **state)
{
	(void)state;
	assert_string_equal(explain(&iter, EPERM, PCAP_BPF, PROBE_UNKNOWN, NULL),
			    "loading tracing programs needs CAP_PERFMON, which bpfapply runs "
			    "without");
	assert_string_equal(
	    explain(&xdp, EPERM, PCAP_BPF | PCAP_PERFMON, PROBE_UNKNOWN, NULL),
	    "loading xdp programs needs CAP_NET_ADMIN, which bpfapply runs without");
	assert_string_equal(explain(&xdp, EPERM, 0, PROBE_UNKNOWN, NULL),
			    "loading xdp programs needs CAP_BPF, CAP_NET_ADMIN, which bpfapply "
			    "runs without");
	/* the verifier, not the type: EACCES without CAP_PERFMON */
	assert_has(explain(&xdp, EACCES, PCAP_BPF | PCAP_NET_ADMIN, PROBE_YES, NULL),
		   "without CAP_PERFMON");
}

/* A type the kernel loads: the verifier log says why this program did not. */
static void test_supported_type_left_to_verifier(void **state)
{
	(void)state;
	assert_null(explain(&xdp, EACCES, ALL, PROBE_YES, NULL));
	assert_null(explain(&xdp, EINVAL, ALL, PROBE_YES, NULL));
	assert_null(explain(&iter, EINVAL, ALL, PROBE_UNKNOWN, NULL));
}

static void test_kernel_lacks_it(void **state)
{
	(void)state;
	assert_string_equal(explain(&xdp, EINVAL, ALL, PROBE_NO, NULL),
			    "this kernel does not support xdp programs (Invalid argument)");
	assert_string_equal(
	    explain(&iter, ENOENT, ALL, PROBE_NO, "this kernel has no such iterator target"),
	    "this kernel refuses it: this kernel has no such iterator target");
	assert_has(explain(&xdp, EPERM, ALL, PROBE_NO, NULL),
		   "although bpfapply holds every capability");
}

static void test_prog_caps(void **state)
{
	(void)state;
	assert_int_equal(probe_prog_caps(BPF_PROG_TYPE_XDP), PCAP_BPF | PCAP_NET_ADMIN);
	assert_int_equal(probe_prog_caps(BPF_PROG_TYPE_SCHED_CLS), PCAP_BPF | PCAP_NET_ADMIN);
	assert_int_equal(probe_prog_caps(BPF_PROG_TYPE_TRACING), PCAP_BPF | PCAP_PERFMON);
	assert_int_equal(probe_prog_caps(BPF_PROG_TYPE_KPROBE), PCAP_BPF | PCAP_PERFMON);
	assert_int_equal(probe_prog_caps(BPF_PROG_TYPE_CGROUP_SKB), PCAP_BPF);
	assert_int_equal(probe_caps_missing(PCAP_BPF | PCAP_PERFMON, PCAP_SYS_ADMIN), 0);
	assert_int_equal(probe_caps_missing(PCAP_BPF | PCAP_PERFMON, PCAP_BPF), PCAP_PERFMON);
}

static void test_maps(void **state)
{
	char buf[256];

	(void)state;
	assert_true(
	    probe_explain_map(BPF_MAP_TYPE_HASH, 0, EPERM, 0, PROBE_UNKNOWN, buf, sizeof(buf)));
	assert_string_equal(buf, "creating maps needs CAP_BPF, which bpfapply runs without");
	assert_true(probe_explain_map(BPF_MAP_TYPE_BLOOM_FILTER, 0, EINVAL, PCAP_BPF, PROBE_NO, buf,
				      sizeof(buf)));
	assert_string_equal(buf, "this kernel does not support bloom_filter maps");
	assert_true(probe_explain_map(BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC | BPF_F_MMAPABLE, EINVAL,
				      PCAP_BPF, PROBE_YES, buf, sizeof(buf)));
	assert_string_equal(buf, "this kernel refuses a hash map with these attributes "
				 "(flags no_prealloc,mmapable): Invalid argument");
	/* an error the kernel's support does not explain */
	assert_false(
	    probe_explain_map(BPF_MAP_TYPE_HASH, 0, ENOMEM, PCAP_BPF, PROBE_YES, buf, sizeof(buf)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tracing_disabled),
	    cmocka_unit_test(test_missing_capability_named),
	    cmocka_unit_test(test_supported_type_left_to_verifier),
	    cmocka_unit_test(test_kernel_lacks_it),
	    cmocka_unit_test(test_prog_caps),
	    cmocka_unit_test(test_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
