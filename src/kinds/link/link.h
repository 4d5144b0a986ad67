/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Links: programs of the manifest attached to XDP, tc (tcx) and cgroup
 * hooks as bpf_links pinned at ROOT/SCOPE/links/NAME.  One folder holds the
 * whole kind: the `links:` section (parse.c), the offline checks against
 * the ELF (check.c), the live reader (live.c), the pure diff (diff.c) and
 * the executor's steps (exec.c).  This header is their shared interface.
 */
#ifndef BPFAPPLY_KIND_LINK_H
#define BPFAPPLY_KIND_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "kind.h"
#include "parse.h"
#include "live.h"
#include "model.h"

/* Attach types and link types newer than the uapi headers of Debian 12
 * (libbpf 1.1, Linux 6.1 headers): tcx arrived in Linux 6.6. */
#define LINK_BPF_TCX_INGRESS 46
#define LINK_BPF_TCX_EGRESS 47
#define LINK_TYPE_TCX 11

#define LINK_IFNAME_MAX 15 /* IFNAMSIZ - 1 */

enum link_hook {
	HOOK_XDP = 1,
	HOOK_TC,
	HOOK_CGROUP,
};

enum link_xdp_mode {
	XDPM_DEFAULT = 0, /* the kernel's choice: native where the driver has it */
	XDPM_NATIVE,
	XDPM_GENERIC,
};

/* A cgroup attach point by its bpftool-cgroup(8) name. */
struct link_cgroup_attach {
	const char *name;
	uint32_t attach_type; /* enum bpf_attach_type */
	uint32_t prog_type;   /* enum bpf_prog_type it takes */
};

struct link_spec {
	char *name;
	struct loc loc;
	char *program; /* REF */
	struct loc program_loc;
	int prog_entry; /* resolved index into manifest.programs */
	int prog_index; /* resolved index into that entry's programs, -1 = only one */
	enum link_hook hook;
	struct loc hook_loc;
	char *interface;   /* xdp, tc */
	enum link_xdp_mode mode;
	bool egress;       /* tc */
	char *cgroup_path; /* cgroup */
	const struct link_cgroup_attach *cg; /* cgroup */
};

/* What the kernel holds at ROOT/SCOPE/links/NAME, and at the hook it names. */
struct live_link {
	char *name;
	char *pin;
	enum pin_state pin_state; /* PIN_MAP here means "a link of a hook type bpfapply makes" */
	uint32_t link_id;
	uint32_t link_type;      /* enum bpf_link_type */
	uint32_t prog_id;        /* the program the link runs */
	uint32_t ifindex;        /* xdp, tcx: 0 once detached or the interface is gone */
	uint32_t attach_type;
	uint64_t cgroup_id;      /* cgroup: 0 once detached or the cgroup is gone */
	/* the hook the manifest names, looked up now (declared links only) */
	bool target_read;
	int target_err;          /* -ENOENT: no such interface / cgroup */
	uint64_t target_id;      /* ifindex or cgroup id */
	/* whoever holds the hook, when it is not this link: XDP (one program per
	 * interface), or a cgroup program attached without BPF_F_ALLOW_MULTI */
	uint32_t holder_prog_id;
	uint32_t holder_link_id; /* 0: attached without a link (netlink, `ip link set xdp`) */
	char holder_prog_name[16];
	bool holder_ours;        /* held by another link of this scope (recorded or staged) */
};

const struct link_cgroup_attach *link_cgroup_attach_by_name(const char *name);
const struct link_cgroup_attach *link_cgroup_attach_by_type(uint32_t attach_type);
const char *link_hook_name(enum link_hook h);
/* "xdp veth0 native", "tc veth0 ingress", "cgroup /sys/fs/cgroup/x ingress" */
void link_describe_hook(const struct link_spec *ls, char *buf, size_t len);
/* Fingerprint of the hook a link attaches to (a change means a new link). */
uint64_t link_hook_fp(const struct link_spec *ls);
/* Fingerprint of the program REF (a change means bpf_link_update). */
uint64_t link_program_fp(const struct manifest *m, const struct link_spec *ls);


/* parse.c */
void parse_links(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section);
void resolve_links(struct parse_ctx *pc);
void link_spec_clear(struct link_spec *ls);

/* diff.c */
int link_diff(struct plan *p, const struct manifest *m, struct live *lv, bool destroy,
	      struct diag *d);
int link_diff_late(struct plan *p, const struct manifest *m, struct live *lv, struct diag *d);
void link_describe(const struct change *c, const struct manifest *m, char *buf, size_t len);
void link_json_attrs(const struct change *c, const struct manifest *m, bool after,
		     struct json *j);
/* check.c: the program's type fits the hook (needs the ELF objects). */
void link_check_objects(struct manifest *m, struct diag *d);

/* probe.c: what the running kernel lacks for the links (read-only questions) */
unsigned link_probe(const struct manifest *m, bool (*only)(void *, const char *, const char *),
		    void *ctx, unsigned caps, struct diag *d);
struct features;
void link_features(struct features *f);

/* live.c */
struct live_link *live_find_link(const struct live *lv, const char *name);
/* What a saved plan checks has not changed (planfile.c). */
struct fp;
void link_fingerprint_live(struct fp *f, const struct live *lv);
/* The id bpf gives the cgroup at path (its kernfs id); -errno. */
int link_cgroup_id(const char *path, uint64_t *id);

/* exec.c */
int link_stage(struct exec *x, struct change *c);
int link_attach(struct exec *x, struct change *c);
void link_undo_attach(struct exec *x, struct change *c);
int link_commit(struct exec *x, struct change *c);
int link_record(struct exec *x, struct change *c, struct state *next);

/* live.c reads this kind's part of the snapshot, snapshot.c frees it */
int live_read_links(struct live *lv, const struct manifest *m);
void live_free_links(struct live *lv);

#endif
