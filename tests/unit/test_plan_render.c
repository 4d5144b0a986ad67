// SPDX-License-Identifier: GPL-2.0-only
/*
 * Plan rendering: the exact text of design.md §7 (symbol right-aligned in 3
 * columns, a space, the address padded to 24 columns, the description, then
 * the summary line), and the Terraform-like JSON, read back with jq (an
 * oracle bpfapply did not write) when it is installed.  The plans come from
 * plan_compute() on small manifests and hand-built live snapshots.
 */
#include "unit.h"
#include "fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "kinds/map/map.h"
#include "live.h"
#include "model.h"
#include "plan.h"
#include "core/state.h"

/* ---- fixture (fixture.c: plans without a kernel, as in test_diff.c) ------------------- */

static void fx_load(struct fx *f, const char *maps_yaml)
{
	fx_adopt(f, fx_parse(MAPS_HEADER, maps_yaml));
}

/* A state record for a map no longer declared, its pin still holding that map. */
static void orphan(struct fx *f, const char *name, uint32_t id)
{
	strcpy(recorded_map(f, name, id)->info.name, name);
}

/* Render into f->out. */
static const char *text(struct fx *f, bool color, bool show_noop)
{
	struct render_opts o = { .color = color, .show_noop = show_noop };

	return fx_render_text(f, f->m, &o);
}

static const char *json(struct fx *f, bool pretty)
{
	FILE *s;

	free(f->out);
	f->out = NULL;
	s = open_memstream(&f->out, &f->out_len);
	assert_non_null(s);
	plan_render_json(&f->p, f->m, s, pretty);
	assert_int_equal(fclose(s), 0);
	return f->out;
}

/*
 * The manifest of design.md §7's example, in map form: one map to create,
 * one to change in place, one to replace, one up to date, one to delete.
 */
#define EXAMPLE                                                                           \
	"  counters:\n"                                                                   \
	"    type: percpu_hash\n"                                                         \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 1024\n"                                                         \
	"  jmp_table:\n"                                                                  \
	"    type: array\n"                                                               \
	"    key_size: 4\n"                                                               \
	"    value_size: 4\n"                                                             \
	"    max_entries: 8\n"                                                            \
	"    entries:\n"                                                                  \
	"      - {key: 0, value: 1}\n"                                                    \
	"  x:\n"                                                                          \
	"    type: hash\n"                                                                \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 32\n"                                                           \
	"  same:\n"                                                                       \
	"    type: hash\n"                                                                \
	"    key_size: 4\n"                                                               \
	"    value_size: 8\n"                                                             \
	"    max_entries: 32\n"

static void example_plan(struct fx *f)
{
	fx_load(f, EXAMPLE);
	kv32(managed(f, "jmp_table", 11), 0, 0); /* slot 0 still empty */
	managed(f, "x", 12)->info.max_entries = 16;
	managed(f, "same", 13);
	orphan(f, "old", 14);
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_int_equal(f->p.n, 5);
}

#define LINE_COUNTERS "  + map.counters            percpu_hash key 4B value 8B max_entries 1024\n"
#define LINE_JMP "  ~ map.jmp_table           entries: 1 to add, 0 to change, 0 to remove\n"
#define LINE_X "-/+ map.x                   max_entries 16 -> 32\n"
#define LINE_SAME "    map.same                up to date\n"
#define LINE_OLD "  - map.old                 not in manifest\n"
#define SUMMARY_1111 "Plan: 1 to add, 1 to change, 1 to replace, 1 to destroy.\n"

/* ---- text --------------------------------------------------------------------------- */

static void test_text_example(void **state)
{
	struct fx *f = *state;

	example_plan(f);
	assert_string_equal(text(f, false, false),
			    LINE_COUNTERS LINE_JMP LINE_X LINE_OLD SUMMARY_1111);
	/* NULL options: the same, no colour, no-ops hidden */
	free(f->out);
	f->out = NULL;
	{
		FILE *s = open_memstream(&f->out, &f->out_len);

		assert_non_null(s);
		plan_render_text(&f->p, f->m, s, NULL);
		assert_int_equal(fclose(s), 0);
	}
	assert_string_equal(f->out, LINE_COUNTERS LINE_JMP LINE_X LINE_OLD SUMMARY_1111);
}

static void test_text_show_noop(void **state)
{
	struct fx *f = *state;

	example_plan(f);
	assert_string_equal(text(f, false, true),
			    LINE_COUNTERS LINE_JMP LINE_X LINE_SAME LINE_OLD SUMMARY_1111);
}

static void test_text_color(void **state)
{
	struct fx *f = *state;

	example_plan(f);
	assert_string_equal(
		text(f, true, false),
		"\033[32m  +\033[0m map.counters            "
		"percpu_hash key 4B value 8B max_entries 1024\n"
		"\033[33m  ~\033[0m map.jmp_table           "
		"entries: 1 to add, 0 to change, 0 to remove\n"
		"\033[35m-/+\033[0m map.x                   max_entries 16 -> 32\n"
		"\033[31m  -\033[0m map.old                 not in manifest\n" SUMMARY_1111);
}

static void test_text_no_changes(void **state)
{
	struct fx *f = *state;

	fx_load(f, "  same:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 32\n");
	managed(f, "same", 13);
	compute(f, false);
	assert_int_equal(f->p.n, 1);
	assert_string_equal(text(f, false, false),
			    "No changes: the kernel matches the manifest.\n"
			    "Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.\n");
	assert_string_equal(text(f, false, true),
			    "    map.same                up to date\n"
			    "No changes: the kernel matches the manifest.\n"
			    "Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.\n");

	/* destroy with nothing recorded */
	state_free(&f->lv.state);
	f->lv.have_state = false;
	compute(f, true);
	assert_int_equal(f->p.n, 0);
	assert_string_equal(text(f, false, false),
			    "No changes: the kernel matches the manifest (nothing to destroy).\n"
			    "Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.\n");
}

static void test_text_long_address(void **state)
{
	struct fx *f = *state;

	/* addresses of 24 columns and more still get one space; 23 columns are padded to 24 */
	fx_load(f, "  abcdefghijklmnopqrst:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 2\n"
		   "  abcdefghijklmnopqrstu:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 2\n"
		   "  a_very_long_map_name_that_goes_past_24:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 3\n"
		   "  abcdefghijklmnopqrs:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 2\n");
	compute(f, false);
	assert_string_equal(text(f, false, false),
			    "  + map.abcdefghijklmnopqrst hash key 4B value 4B max_entries 2\n"
			    "  + map.abcdefghijklmnopqrstu hash key 4B value 4B max_entries 2\n"
			    "  + map.a_very_long_map_name_that_goes_past_24 array key 4B value "
			    "4B max_entries 3\n"
			    "  + map.abcdefghijklmnopqrs hash key 4B value 4B max_entries 2\n"
			    "Plan: 4 to add, 0 to change, 0 to replace, 0 to destroy.\n");
}

/* The other details a plan line can carry. */
static void test_text_details(void **state)
{
	struct fx *f = *state;
	struct live_map *lm;

	fx_load(f, "  gone_pin:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "  swapped:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "  guard:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "    prevent_destroy: true\n"
		   "  e:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 16\n"
		   "    entries_policy: exact\n"
		   "    entries:\n"
		   "      - {key: 1, value: 1}\n"
		   "      - {key: 2, value: 2}\n");
	rec(f, "gone_pin", 1, map_spec_fp(f->m, spec(f, "gone_pin")), 0);
	managed(f, "swapped", 2)->info.id = 99;
	managed(f, "guard", 3);
	state_find(&f->lv.state, KIND_MAP, "guard")->flags = 0;
	lm = managed(f, "e", 4);
	kv32(lm, 1, 5);
	kv32(lm, 3, 3);
	kv32(lm, 4, 4);
	rec(f, "vanished", 5, 0x1, 0); /* pin absent */
	orphan(f, "taken", 6);
	lmap(f, "taken")->info.id = 7;
	compute(f, false);
	assert_int_equal(diag_count(&f->d), 0);
	assert_string_equal(
		text(f, false, false),
		"  + map.gone_pin            array key 4B value 8B max_entries 16 (pin removed "
		"outside bpfapply)\n"
		"-/+ map.swapped             pin replaced outside bpfapply\n"
		"  ~ map.guard               prevent_destroy set\n"
		"  ~ map.e                   entries: 1 to add, 1 to change, 2 to remove\n"
		"  - map.vanished            not in manifest; pin already removed\n"
		"  - map.taken               not in manifest; the pin now holds an object "
		"bpfapply did not create, left alone\n"
		"Plan: 1 to add, 2 to change, 1 to replace, 2 to destroy.\n");
}

static void test_text_destroy(void **state)
{
	struct fx *f = *state;

	fx_load(f, EXAMPLE);
	managed(f, "x", 12);
	managed(f, "same", 13);
	orphan(f, "old", 14);
	compute(f, true);
	assert_int_equal(diag_count(&f->d), 0);
	assert_string_equal(text(f, false, false),
			    "  - map.x                   destroy\n"
			    "  - map.same                destroy\n"
			    "  - map.old                 destroy\n"
			    "Plan: 0 to add, 0 to change, 0 to replace, 3 to destroy.\n");
}

/* ---- JSON --------------------------------------------------------------------------- */

static bool have_jq(void)
{
	return system("command -v jq >/dev/null 2>&1") == 0;
}

/* Write the last rendering to a temp file for jq. */
static void save_json(struct fx *f)
{
	int fd;

	if (!f->json_path[0]) {
		strcpy(f->json_path, "/tmp/bpfapply-plan-XXXXXX");
		fd = mkstemp(f->json_path);
		assert_true(fd >= 0);
	} else {
		fd = open(f->json_path, O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
	}
	assert_int_equal(write(fd, f->out, f->out_len), (ssize_t)f->out_len);
	assert_int_equal(close(fd), 0);
}

/* jq -c FILTER on the saved document must print exactly want (one line). */
static void jq_is(const struct fx *f, const char *filter, const char *want)
{
	char cmd[1024], got[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "jq -c '%s' %s 2>&1", filter, f->json_path);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(got, 1, sizeof(got) - 1, p);
	got[n] = '\0';
	assert_int_equal(pclose(p), 0);
	if (n && got[n - 1] == '\n')
		got[n - 1] = '\0';
	if (strcmp(got, want))
		fail_msg("jq '%s': got %s, want %s", filter, got, want);
}

static void check_example_json(struct fx *f)
{
	save_json(f);
	jq_is(f, ".format_version", "\"1.2\"");
	jq_is(f, ".scope", "\"t\"");
	jq_is(f, ".destroy", "false");
	jq_is(f, ".changes_pending", "true");
	jq_is(f, "[.resource_changes[].address]",
	      "[\"map.counters\",\"map.jmp_table\",\"map.x\",\"map.same\",\"map.old\"]");
	jq_is(f, "[.resource_changes[].kind] | unique", "[\"map\"]");
	/* what Terraform policies key on */
	jq_is(f, "[.resource_changes[] | [.mode, .type, .provider_name]] | unique",
	      "[[\"managed\",\"bpf_map\",\"bpfapply\"]]");
	jq_is(f, ".resource_drift", "[]");
	jq_is(f, "[.resource_changes[].name]",
	      "[\"counters\",\"jmp_table\",\"x\",\"same\",\"old\"]");
	jq_is(f, "[.resource_changes[].pin]",
	      "[\"" SCOPE_DIR "/maps/counters\",\"" SCOPE_DIR "/maps/jmp_table\",\"" SCOPE_DIR
	      "/maps/x\",\"" SCOPE_DIR "/maps/same\",\"" SCOPE_DIR "/maps/old\"]");
	jq_is(f, "[.resource_changes[].change.actions]",
	      "[[\"create\"],[\"update\"],[\"create\",\"delete\"],[\"no-op\"],[\"delete\"]]");
	jq_is(f, "[.resource_changes[].action_reason]",
	      "[\"new\",\"entries_differ\",\"replace_because_cannot_update\",null,"
	      "\"delete_because_no_resource_config\"]");
	jq_is(f, "[.resource_changes[] | has(\"action_reason\")]", "[true,true,true,false,true]");
	jq_is(f, ".summary", "{\"add\":1,\"change\":1,\"replace\":1,\"destroy\":1}");
	jq_is(f, "[.resource_changes[].description]",
	      "[\"percpu_hash key 4B value 8B max_entries 1024\","
	      "\"entries: 1 to add, 0 to change, 0 to remove\",\"max_entries 16 -> 32\","
	      "\"up to date\",\"not in manifest\"]");
	/* create: nothing before, the spec after */
	jq_is(f, ".resource_changes[0].change.before", "null");
	jq_is(f, ".resource_changes[0].change.after | [.type,.key_size,.value_size,.max_entries]",
	      "[\"percpu_hash\",4,8,1024]");
	/* update in place: entry counts */
	jq_is(f, ".resource_changes[1].entries", "{\"add\":1,\"change\":0,\"remove\":0}");
	jq_is(f, "[.resource_changes[] | has(\"entries\")]", "[false,true,false,false,false]");
	/* replace: the live object before, the spec after */
	jq_is(f, ".resource_changes[2].change | [.before.id,.before.max_entries]", "[12,16]");
	jq_is(f, ".resource_changes[2].change.after.max_entries", "32");
	/* delete: nothing after */
	jq_is(f, ".resource_changes[4].change | [.before.id,.before.name,.after]",
	      "[14,\"old\",null]");
}

static void assert_prefix(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)))
		fail_msg("output does not start with \"%s\":\n%s", prefix, s);
}

static void test_json_example(void **state)
{
	struct fx *f = *state;
	const char *s;

	if (!have_jq())
		skip();
	example_plan(f);
	s = json(f, false);
	/* compact: one line, the newline only at the end */
	assert_true(f->out_len > 2);
	assert_ptr_equal(strchr(s, '\n'), s + f->out_len - 1);
	assert_int_equal(s[0], '{');
	assert_prefix(s, "{\"format_version\":\"1.2\",\"scope\":\"t\",\"destroy\":false,"
			 "\"resource_drift\":[],"
			 "\"resource_changes\":[{\"address\":\"map.counters\",\"mode\":\"managed\","
			 "\"type\":\"bpf_map\",\"name\":\"counters\",\"provider_name\":\"bpfapply\",");
	check_example_json(f);
}

static void test_json_pretty(void **state)
{
	struct fx *f = *state;
	const char *s;

	if (!have_jq())
		skip();
	example_plan(f);
	s = json(f, true);
	assert_prefix(s, "{\n  \"format_version\": \"1.2\",\n  \"scope\": \"t\",\n");
	assert_non_null(strstr(s, "\n  \"resource_changes\": [\n    {\n      \"address\": "
				  "\"map.counters\",\n"));
	assert_non_null(strstr(s, "\n        \"actions\": [\n          \"create\",\n"
				  "          \"delete\"\n        ],\n"));
	assert_int_equal(s[f->out_len - 2], '}');
	assert_int_equal(s[f->out_len - 1], '\n');
	check_example_json(f);
}

static void test_json_reasons(void **state)
{
	struct fx *f = *state;

	if (!have_jq())
		skip();
	fx_load(f, "  gone_pin:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "  swapped:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "  guard:\n"
		   "    type: hash\n"
		   "    key_size: 4\n"
		   "    value_size: 8\n"
		   "    max_entries: 16\n"
		   "    prevent_destroy: true\n");
	rec(f, "gone_pin", 1, map_spec_fp(f->m, spec(f, "gone_pin")), 0);
	managed(f, "swapped", 2)->info.id = 99;
	managed(f, "guard", 3);
	state_find(&f->lv.state, KIND_MAP, "guard")->flags = 0;
	compute(f, false);
	json(f, false);
	save_json(f);
	jq_is(f, "[.resource_changes[] | [.name, .change.actions[0], .action_reason]]",
	      "[[\"gone_pin\",\"create\",\"pin_removed_outside\"],"
	      "[\"swapped\",\"create\",\"pin_replaced_outside\"],"
	      "[\"guard\",\"update\",\"update_state_record_only\"]]");
	jq_is(f, ".resource_changes[1].change.actions", "[\"create\",\"delete\"]");
	/* drift: what happened outside bpfapply, in the same shape */
	jq_is(f, "[.resource_drift[] | [.address, .type, .change.actions, .change.before.id, "
		 ".change.after, .action_reason]]",
	      "[[\"map.gone_pin\",\"bpf_map\",[\"delete\"],1,null,\"pin_removed_outside\"],"
	      "[\"map.swapped\",\"bpf_map\",[\"update\"],2,null,\"pin_replaced_outside\"]]");
	jq_is(f, ".resource_changes[2].change.after.prevent_destroy", "true");
	/* the pin was removed: no live object to show */
	jq_is(f, ".resource_changes[0].change.before", "null");
	jq_is(f, ".resource_changes[1].change.before.id", "99");

	/* destroy */
	compute(f, true);
	json(f, false);
	save_json(f);
	jq_is(f, ".destroy", "true");
	jq_is(f, "[.resource_changes[] | [.name, .change.actions, .action_reason]]",
	      "[[\"gone_pin\",[\"delete\"],\"delete_because_destroy\"],"
	      "[\"swapped\",[\"delete\"],\"delete_because_destroy\"],"
	      "[\"guard\",[\"delete\"],\"delete_because_destroy\"]]");
	jq_is(f, ".summary", "{\"add\":0,\"change\":0,\"replace\":0,\"destroy\":3}");
}

static void test_json_empty(void **state)
{
	struct fx *f = *state;

	if (!have_jq())
		skip();
	f->lv.state.scope = strdup("t");
	assert_non_null(f->lv.state.scope);
	compute(f, true); /* destroy --scope with nothing recorded */
	assert_string_equal(json(f, false),
			    "{\"format_version\":\"1.2\",\"scope\":\"t\",\"destroy\":true,"
			    "\"resource_drift\":[],\"resource_changes\":[],\"summary\":{\"add\":0,\"change\":0,"
			    "\"replace\":0,\"destroy\":0},\"changes_pending\":false,"
			    "\"resumes_interrupted_apply\":false}\n");
	save_json(f);
	jq_is(f, ".resource_changes | length", "0");
	assert_string_equal(json(f, true), "{\n"
					   "  \"format_version\": \"1.2\",\n"
					   "  \"scope\": \"t\",\n"
					   "  \"destroy\": true,\n"
					   "  \"resource_drift\": [],\n"
					   "  \"resource_changes\": [],\n"
					   "  \"summary\": {\n"
					   "    \"add\": 0,\n"
					   "    \"change\": 0,\n"
					   "    \"replace\": 0,\n"
					   "    \"destroy\": 0\n"
					   "  },\n"
					   "  \"changes_pending\": false,\n"
					   "  \"resumes_interrupted_apply\": false\n"
					   "}\n");
}

/* Entries changed at runtime are drift only while the manifest's entries are
 * the ones the last apply wrote (the record's fingerprint says so). */
static void test_json_entries_drift(void **state)
{
	struct fx *f = *state;
	struct state_res *r;
	struct live_map *lm;

	if (!have_jq())
		skip();
	fx_load(f, "  cfg:\n"
		   "    type: array\n"
		   "    key_size: 4\n"
		   "    value_size: 4\n"
		   "    max_entries: 4\n"
		   "    entries:\n"
		   "      - {key: 0, value: 1}\n");
	lm = managed(f, "cfg", 5);
	kv32(lm, 0, 9);
	lm->contents_read = true;
	r = state_find(&f->lv.state, KIND_MAP, "cfg");
	r->entries_fp = map_entries_fp(spec(f, "cfg"));
	compute(f, false);
	json(f, false);
	save_json(f);
	jq_is(f, ".resource_changes[0].change.actions", "[\"update\"]");
	jq_is(f, "[.resource_drift[] | [.address, .change.actions, .change.before.id, "
		 ".change.after.id, .action_reason]]",
	      "[[\"map.cfg\",[\"update\"],5,5,\"entries_differ\"]]");
	/* the manifest's entries changed since the last apply: a change, not drift */
	r->entries_fp ^= 1;
	compute(f, false);
	json(f, false);
	save_json(f);
	jq_is(f, ".resource_changes[0].change.actions", "[\"update\"]");
	jq_is(f, ".resource_drift", "[]");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_text_example),
		T(test_text_show_noop),
		T(test_text_color),
		T(test_text_no_changes),
		T(test_text_long_address),
		T(test_text_details),
		T(test_text_destroy),
		T(test_json_example),
		T(test_json_pretty),
		T(test_json_reasons),
		T(test_json_empty),
		T(test_json_entries_drift),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
