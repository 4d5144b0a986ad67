/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * state_read / state_write against the running kernel, on a bpffs of our
 * own: a private mount namespace and a fresh bpffs on a temp dir, so that
 * nothing outside this process ever sees a pin (/sys/fs/bpf is not touched).
 * Without root or bpffs every test says SKIP and why.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "unit.h"
#include "core/state.h"
#include "kinds.h"

static char g_dir[64];
static bool g_mounted;
static char g_why[160];

static int group_setup(void **unused)
{
	(void)unused;
	if (geteuid() != 0) {
		snprintf(g_why, sizeof(g_why), "needs root");
		return 0;
	}
	/* Source and type are ignored for MS_PRIVATE; "none" keeps valgrind quiet. */
	if (unshare(CLONE_NEWNS) || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL)) {
		snprintf(g_why, sizeof(g_why), "no private mount namespace: %s", strerror(errno));
		return 0;
	}
	strcpy(g_dir, "/tmp/bpfapply-state-XXXXXX");
	if (!mkdtemp(g_dir)) {
		snprintf(g_why, sizeof(g_why), "mkdtemp: %s", strerror(errno));
		g_dir[0] = '\0';
		return 0;
	}
	if (mount("bpf", g_dir, "bpf", 0, NULL)) {
		snprintf(g_why, sizeof(g_why), "cannot mount bpffs: %s", strerror(errno));
		return 0;
	}
	g_mounted = true;
	return 0;
}

static int group_teardown(void **unused)
{
	(void)unused;
	if (g_mounted && umount(g_dir))
		return -1;
	if (g_dir[0] && rmdir(g_dir))
		return -1;
	return 0;
}

#define NEED_BPFFS()                                        \
	do {                                                \
		if (!g_mounted) {                           \
			print_message("SKIP: %s\n", g_why); \
			skip();                             \
		}                                           \
	} while (0)

static const char *at(char *buf, const char *name)
{
	snprintf(buf, 128, "%s/%s", g_dir, name);
	return buf;
}

static void build(struct state *s, int n_res)
{
	struct state_res *r;
	char name[32];
	int i;

	memset(s, 0, sizeof(*s));
	s->serial = n_res;
	s->updated_at = 1700000000 + n_res;
	s->scope = strdup("edge");
	s->tool_version = strdup("0.1.0");
	for (i = 0; i < n_res; i++) {
		snprintf(name, sizeof(name), "map_%d", i);
		r = state_upsert(s, KIND_MAP, name);
		assert_non_null(r);
		r->id = i;
		/* incompressible-ish, so that the bigger record really is bigger */
		r->spec_fp = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
		r->entries_fp = r->spec_fp ^ 0xdeadbeefcafef00dULL;
		assert_int_equal(state_res_add_sub(r, SUB_MAP, name, i), 0);
	}
}

static void assert_same(const struct state *a, const struct state *b)
{
	size_t i;

	assert_true(a->serial == b->serial);
	assert_true(a->updated_at == b->updated_at);
	assert_string_equal(a->scope, b->scope);
	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->res[i].name, b->res[i].name);
		assert_true(a->res[i].spec_fp == b->res[i].spec_fp);
		assert_int_equal(a->res[i].n_subs, b->res[i].n_subs);
	}
}

static size_t padded_len(const struct state *s)
{
	uint8_t *buf;
	size_t len;

	assert_int_equal(state_encode(s, &buf, &len), 0);
	free(buf);
	return (len + 7) & ~(size_t)7;
}

/* What the kernel says about the pin at path, as an independent check. */
static void pinned_info(const char *path, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);
	int fd = bpf_obj_get(path);

	assert_true(fd >= 0);
	memset(info, 0, sizeof(*info));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, info, &len), 0);
	close(fd);
}

static void pin_map(const char *path, enum bpf_map_type type, const char *name,
		    __u32 value_size, __u32 max_entries)
{
	int fd = bpf_map_create(type, name, 4, value_size, max_entries, NULL);

	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
}

static void test_write_read(void **unused)
{
	char p[128], tmp[128];
	struct bpf_map_info info;
	struct state s, big, d;
	uint32_t id1 = 0, id2 = 0, rid = 0;
	struct stat st;
	uint32_t key = 0;
	uint8_t *junk;
	int fd;

	(void)unused;
	NEED_BPFFS();
	build(&s, 2);
	assert_int_equal(state_write(at(p, "state"), at(tmp, "state_tmp"), &s, &id1), 0);
	assert_int_equal(state_read(p, &d, &rid), 0);
	assert_same(&s, &d);
	assert_int_equal(rid, id1);
	state_free(&d);

	pinned_info(p, &info);
	assert_int_equal(info.type, BPF_MAP_TYPE_ARRAY);
	assert_string_equal(info.name, "bpfapply_state");
	assert_int_equal(info.key_size, 4);
	assert_int_equal(info.max_entries, 1);
	assert_int_equal(info.value_size, padded_len(&s));
	assert_int_equal(info.id, id1);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(access(tmp, F_OK), -1);

	/* the record is frozen: nobody edits it in place */
	junk = calloc(1, info.value_size);
	assert_non_null(junk);
	fd = bpf_obj_get(p);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &key, junk, BPF_ANY), -EPERM);
	close(fd);
	free(junk);

	build(&big, 300);
	assert_true(padded_len(&big) > padded_len(&s));
	assert_int_equal(state_write(p, tmp, &big, &id2), 0);
	assert_true(id2 != id1);
	assert_int_equal(state_read(p, &d, NULL), 0);
	assert_same(&big, &d);
	state_free(&d);
	pinned_info(p, &info);
	assert_string_equal(info.name, "bpfapply_state");
	assert_int_equal(info.value_size, padded_len(&big));
	assert_int_equal(info.id, id2);

	state_free(&big);
	state_free(&s);
	assert_int_equal(unlink(p), 0);
}

static void test_read_missing(void **unused)
{
	char p[128];
	struct state d;
	uint32_t id = 77;

	(void)unused;
	NEED_BPFFS();
	assert_int_equal(state_read(at(p, "absent"), &d, &id), -ENOENT);
	assert_int_equal(id, 77);
	assert_int_equal(d.n, 0);
	assert_int_equal(state_read(at(p, "no_dir/state"), &d, NULL), -ENOENT);
}

static int pin_prog(const char *path)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd, err;

	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "state_test", "GPL", insns, 2, NULL);
	if (fd < 0)
		return fd;
	err = bpf_obj_pin(fd, path);
	close(fd);
	return err;
}

static void pin_value(const char *path, uint8_t fill)
{
	uint8_t val[64];
	uint32_t key = 0;
	int fd;

	memset(val, fill, sizeof(val));
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bpfapply_state", 4, sizeof(val), 1, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, &key, val, BPF_ANY), 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
}

static void test_read_foreign(void **unused)
{
	char p[128], tmp[128];
	struct bpf_map_info info;
	struct state s, d;

	(void)unused;
	NEED_BPFFS();
	pin_map(at(p, "hash"), BPF_MAP_TYPE_HASH, "bpfapply_state", 8, 1);
	assert_int_equal(state_read(p, &d, NULL), -EINVAL);
	pin_map(at(p, "other_name"), BPF_MAP_TYPE_ARRAY, "other", 64, 1);
	assert_int_equal(state_read(p, &d, NULL), -EINVAL);
	pin_map(at(p, "two_entries"), BPF_MAP_TYPE_ARRAY, "bpfapply_state", 64, 2);
	assert_int_equal(state_read(p, &d, NULL), -EINVAL);
	pin_value(at(p, "zeros"), 0);
	assert_int_equal(state_read(p, &d, NULL), -EINVAL);
	pin_value(at(p, "junk"), 0xa5);
	assert_int_equal(state_read(p, &d, NULL), -EINVAL);
	assert_int_equal(pin_prog(at(p, "prog")), 0);
	assert_int_equal(state_read(p, &d, NULL), -EINVAL);
	assert_int_equal(d.n, 0);

	/* a pin that is not a state record is never replaced */
	build(&s, 1);
	assert_int_equal(state_write(at(p, "hash"), at(tmp, "state_tmp"), &s, NULL), -EEXIST);
	pinned_info(p, &info);
	assert_int_equal(info.type, BPF_MAP_TYPE_HASH);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(state_write(at(p, "prog"), tmp, &s, NULL), -EEXIST);
	state_free(&s);
}

static void test_failed_write_keeps_old(void **unused)
{
	char p[128], tmp[128], bad[128];
	struct state s1, s2, d;
	uint32_t id1, id;

	(void)unused;
	NEED_BPFFS();
	build(&s1, 3);
	build(&s2, 5);
	assert_int_equal(state_write(at(p, "kept"), at(tmp, "kept_tmp"), &s1, &id1), 0);
	id = 0;
	assert_int_equal(state_write(p, at(bad, "no_dir/kept_tmp"), &s2, &id), -ENOENT);
	assert_int_equal(id, 0);
	assert_int_equal(state_read(p, &d, &id), 0);
	assert_same(&s1, &d);
	assert_int_equal(id, id1);
	state_free(&d);

	/* a tmp pin left by a killed write is cleared, not an obstacle */
	pin_map(tmp, BPF_MAP_TYPE_HASH, "leftover", 8, 1);
	assert_int_equal(state_write(p, tmp, &s2, NULL), 0);
	assert_int_equal(state_read(p, &d, NULL), 0);
	assert_same(&s2, &d);
	state_free(&d);
	assert_int_equal(access(tmp, F_OK), -1);
	state_free(&s2);
	state_free(&s1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read),
		cmocka_unit_test(test_read_missing),
		cmocka_unit_test(test_read_foreign),
		cmocka_unit_test(test_failed_write_keeps_old),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
