// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `links:` section: one program of the manifest attached to exactly one
 * hook (xdp, tc or cgroup), and the cross-references of the links once
 * every file is read.
 */
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "kinds/link/link.h"
#include "kinds/program/program.h"
#include "parse.h"

/* bpftool-cgroup(8)'s ATTACH_TYPE names, with the program type each takes. */
static const struct link_cgroup_attach cgroup_attaches[] = {
	{ "ingress", BPF_CGROUP_INET_INGRESS, BPF_PROG_TYPE_CGROUP_SKB },
	{ "egress", BPF_CGROUP_INET_EGRESS, BPF_PROG_TYPE_CGROUP_SKB },
	{ "sock_create", BPF_CGROUP_INET_SOCK_CREATE, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "sock_release", BPF_CGROUP_INET_SOCK_RELEASE, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "post_bind4", BPF_CGROUP_INET4_POST_BIND, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "post_bind6", BPF_CGROUP_INET6_POST_BIND, BPF_PROG_TYPE_CGROUP_SOCK },
	{ "sock_ops", BPF_CGROUP_SOCK_OPS, BPF_PROG_TYPE_SOCK_OPS },
	{ "device", BPF_CGROUP_DEVICE, BPF_PROG_TYPE_CGROUP_DEVICE },
	{ "bind4", BPF_CGROUP_INET4_BIND, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "bind6", BPF_CGROUP_INET6_BIND, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "connect4", BPF_CGROUP_INET4_CONNECT, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "connect6", BPF_CGROUP_INET6_CONNECT, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getpeername4", BPF_CGROUP_INET4_GETPEERNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getpeername6", BPF_CGROUP_INET6_GETPEERNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getsockname4", BPF_CGROUP_INET4_GETSOCKNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "getsockname6", BPF_CGROUP_INET6_GETSOCKNAME, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "sendmsg4", BPF_CGROUP_UDP4_SENDMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "sendmsg6", BPF_CGROUP_UDP6_SENDMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "recvmsg4", BPF_CGROUP_UDP4_RECVMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "recvmsg6", BPF_CGROUP_UDP6_RECVMSG, BPF_PROG_TYPE_CGROUP_SOCK_ADDR },
	{ "sysctl", BPF_CGROUP_SYSCTL, BPF_PROG_TYPE_CGROUP_SYSCTL },
	{ "getsockopt", BPF_CGROUP_GETSOCKOPT, BPF_PROG_TYPE_CGROUP_SOCKOPT },
	{ "setsockopt", BPF_CGROUP_SETSOCKOPT, BPF_PROG_TYPE_CGROUP_SOCKOPT },
};

#define N_ATTACHES (sizeof(cgroup_attaches) / sizeof(cgroup_attaches[0]))

const struct link_cgroup_attach *link_cgroup_attach_by_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < N_ATTACHES; i++)
		if (!strcmp(cgroup_attaches[i].name, name))
			return &cgroup_attaches[i];
	return NULL;
}

const struct link_cgroup_attach *link_cgroup_attach_by_type(uint32_t attach_type)
{
	size_t i;

	for (i = 0; i < N_ATTACHES; i++)
		if (cgroup_attaches[i].attach_type == attach_type)
			return &cgroup_attaches[i];
	return NULL;
}

void link_spec_clear(struct link_spec *ls)
{
	free(ls->name);
	free(ls->program);
	free(ls->interface);
	free(ls->cgroup_path);
	memset(ls, 0, sizeof(*ls));
}

/* An interface name as the kernel takes it (dev_valid_name()). */
static bool parse_interface(struct ytree *t, struct link_spec *ls, const yaml_node_t *v)
{
	const char *s;
	char buf[128];

	if (!yget_str(t, v, "interface", &s))
		return false;
	if (!*s || strlen(s) > LINK_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, "..") ||
	    strpbrk(s, "/: \t\n")) {
		yerr(t, v, "interface: expected an interface name (1..%d characters, no '/', ':' or "
			   "blanks), got %s",
		     LINK_IFNAME_MAX, ydescribe(v, buf, sizeof(buf)));
		return false;
	}
	ls->interface = xstrdup(s);
	return true;
}

static void parse_xdp(struct ytree *t, struct link_spec *ls, const yaml_node_t *v)
{
	static const char *const keys[] = { "interface", "mode" };
	static const char *const modes[] = { "native", "generic" };
	yaml_node_t *k[2], *val[2];
	int mode;

	if (!yfields(t, v, "xdp", "xdp", keys, 2, k, val))
		return;
	if (yrequire(t, v, val[0], "interface", "xdp"))
		parse_interface(t, ls, val[0]);
	if (val[1] && yget_enum(t, val[1], "mode", modes, 2, &mode))
		ls->mode = mode == 0 ? XDPM_NATIVE : XDPM_GENERIC;
}

static void parse_tc(struct ytree *t, struct link_spec *ls, const yaml_node_t *v)
{
	static const char *const keys[] = { "interface", "direction" };
	static const char *const dirs[] = { "ingress", "egress" };
	yaml_node_t *k[2], *val[2];
	int dir;

	if (!yfields(t, v, "tc", "tc", keys, 2, k, val))
		return;
	if (yrequire(t, v, val[0], "interface", "tc"))
		parse_interface(t, ls, val[0]);
	/* no default: which side of the interface is not a detail to guess */
	if (yrequire(t, v, val[1], "direction", "tc") &&
	    yget_enum(t, val[1], "direction", dirs, 2, &dir))
		ls->egress = dir == 1;
}

static void parse_cgroup(struct ytree *t, struct link_spec *ls, const yaml_node_t *v)
{
	static const char *const keys[] = { "path", "attach" };
	yaml_node_t *k[2], *val[2];
	const char *s;
	char buf[128];

	if (!yfields(t, v, "cgroup", "cgroup", keys, 2, k, val))
		return;
	if (yrequire(t, v, val[0], "path", "cgroup") && yget_str(t, val[0], "path", &s)) {
		if (s[0] != '/')
			yerr(t, val[0], "path: expected an absolute path, got %s",
			     ydescribe(val[0], buf, sizeof(buf)));
		else
			ls->cgroup_path = xstrdup(s);
	}
	if (!yrequire(t, v, val[1], "attach", "cgroup") || !yget_str(t, val[1], "attach", &s))
		return;
	ls->cg = link_cgroup_attach_by_name(s);
	if (!ls->cg)
		yerr(t, val[1], "attach: expected a cgroup attach type of bpftool-cgroup(8) "
				"(ingress, egress, sock_create, sock_ops, device, connect4, sysctl, "
				"...), got %s",
		     ydescribe(val[1], buf, sizeof(buf)));
}

enum link_key { LK_PROGRAM, LK_XDP, LK_TC, LK_CGROUP, LK_N };

static const char *const link_keys[LK_N] = {
	[LK_PROGRAM] = "program",
	[LK_XDP] = "xdp",
	[LK_TC] = "tc",
	[LK_CGROUP] = "cgroup",
};

/* Exactly one hook block; the first in the file is read, the others are errors. */
static void parse_hook(struct ytree *t, struct link_spec *ls, const yaml_node_t *body,
		       yaml_node_t **keys, yaml_node_t **vals, const char *ctx)
{
	int first = -1, i;

	for (i = LK_XDP; i < LK_N; i++)
		if (keys[i] && (first < 0 || keys[i]->start_mark.index < keys[first]->start_mark.index))
			first = i;
	if (first < 0) {
		yerr(t, body, "%s: expected exactly one of xdp, tc or cgroup", ctx);
		return;
	}
	for (i = LK_XDP; i < LK_N; i++)
		if (keys[i] && i != first)
			yerr(t, keys[i], "%s: only one of xdp, tc or cgroup is allowed, got %s and %s",
			     ctx, link_keys[first], link_keys[i]);
	ls->hook_loc = ytree_loc(t, keys[first]);
	if (first == LK_XDP) {
		ls->hook = HOOK_XDP;
		parse_xdp(t, ls, vals[first]);
	} else if (first == LK_TC) {
		ls->hook = HOOK_TC;
		parse_tc(t, ls, vals[first]);
	} else {
		ls->hook = HOOK_CGROUP;
		parse_cgroup(t, ls, vals[first]);
	}
}

static void parse_link_body(struct ytree *t, struct link_spec *ls, const yaml_node_t *body)
{
	yaml_node_t *keys[LK_N], *vals[LK_N];
	char q[128], *ctx;
	const char *s;

	ctx = xasprintf("link %s", yquote(ls->name, q, sizeof(q)));
	if (!yfields(t, body, ctx, ctx, link_keys, LK_N, keys, vals) && !yis_map(body))
		goto free_ctx;
	if (yrequire(t, body, vals[LK_PROGRAM], "program", ctx) &&
	    yget_str(t, vals[LK_PROGRAM], "program", &s) &&
	    check_prog_ref(t, vals[LK_PROGRAM], "program", s)) {
		ls->program = xstrdup(s);
		ls->program_loc = ytree_loc(t, vals[LK_PROGRAM]);
	}
	parse_hook(t, ls, body, keys, vals, ctx);
free_ctx:
	free(ctx);
}

void parse_links(struct parse_ctx *pc, struct ytree *t, const yaml_node_t *section)
{
	struct manifest *m = pc->m;
	size_t i, j;

	if (yis_null(section) || !yexpect_map(t, section, "links"))
		return;
	for (i = 0; i < ymap_len(section); i++) {
		const char *name = ymap_key_text(t, section, i);
		yaml_node_t *key = ymap_key(t, section, i);
		struct link_spec ls = { .prog_entry = -1, .prog_index = -1 };
		const struct loc *prev = NULL;
		bool keep;

		if (!name)
			continue;
		for (j = 0; j < m->n_links && !prev; j++)
			if (!strcmp(m->links[j].name, name))
				prev = &m->links[j].loc;
		keep = check_resource_name(t, key, "link", prev);
		ls.name = xstrdup(name);
		ls.loc = ytree_loc(t, key);
		parse_link_body(t, &ls, ymap_value(t, section, i));
		if (!keep) {
			link_spec_clear(&ls);
			continue;
		}
		m->links = xgrow(m->links, m->n_links, sizeof(*m->links));
		m->links[m->n_links++] = ls;
	}
}

/* The kernel holds one XDP program per interface: two links cannot share one. */
static void check_xdp_unique(struct parse_ctx *pc, size_t i)
{
	const struct link_spec *ls = &pc->m->links[i], *o;
	size_t j;

	for (j = 0; j < i; j++) {
		o = &pc->m->links[j];
		if (o->hook == HOOK_XDP && o->interface && !strcmp(o->interface, ls->interface)) {
			diag_error(pc->d, &ls->hook_loc,
				   "link \"%s\": interface %s already has XDP link \"%s\" (%s:%d:%d); "
				   "an interface runs one XDP program",
				   ls->name, ls->interface, o->name, o->loc.file, o->loc.line,
				   o->loc.col);
			return;
		}
	}
}

void resolve_links(struct parse_ctx *pc)
{
	size_t i;

	for (i = 0; i < pc->m->n_links; i++) {
		struct link_spec *ls = &pc->m->links[i];

		if (ls->program)
			resolve_prog_ref(pc, ls->program, &ls->program_loc, &ls->prog_entry,
					 &ls->prog_index);
		if (ls->hook == HOOK_XDP && ls->interface)
			check_xdp_unique(pc, i);
	}
}
