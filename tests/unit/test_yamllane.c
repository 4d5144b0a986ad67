// SPDX-License-Identifier: GPL-2.0-only
/*
 * The entries lane (core/yamlread.h) against libyaml alone: every file is
 * loaded both ways, and the trees (every node: kind, style, text, marks,
 * children), the items of every list as the parser is handed them, and
 * every message must be the same.  The lane may only make loading faster.
 * Each case also says whether the lane must have been used (its items
 * counted) or must have stood aside; then a few thousand random edits of
 * a manifest, compared the same way.
 */
#include "unit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/diag.h"
#include "core/yamltree.h"
#include "ydump.h"

/* Load path both ways: the same, or the first difference shown.  The lane's items. */
static size_t same_both_ways(const char *path)
{
	struct sbuf with = { 0 }, without = { 0 };
	size_t n = load_dump(path, true, &with), i = 0, line = 1;

	load_dump(path, false, &without);
	if (with.n != without.n || memcmp(with.p, without.p, with.n)) {
		while (i < with.n && i < without.n && with.p[i] == without.p[i])
			line += with.p[i++] == '\n';
		fprintf(stderr, "%s: the lane differs at dump line %zu:\n--- with\n%.300s\n--- without\n%.300s\n",
			path, line, with.p + (i > 80 ? i - 80 : 0), without.p + (i > 80 ? i - 80 : 0));
		fail();
	}
	free(with.p);
	free(without.p);
	return n;
}

static char tmp_path[64];

static void write_tmp(const char *text, size_t len)
{
	FILE *f;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/bpfapply-lane-%d.yaml", (int)getpid());
	f = fopen(tmp_path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t same_for_text(const char *text, size_t len)
{
	write_tmp(text, len);
	return same_both_ways(tmp_path);
}

#define HEAD "bpfapply: v1\nscope: t\nmaps:\n  m:\n    type: hash\n"

struct lane_case {
	const char *what, *text;
	long items; /* the lane's, or -1: any */
};

static const struct lane_case cases[] = {
	{ "plain", HEAD "    entries:\n      - {key: 1, value: 2}\n      - {key: 3, value: 4}\n", 2 },
	{ "value first, spacing, comments, blank lines",
	  HEAD "    entries:   # the list\n\n      # one\n      - {value: 2, key: 1}   # a\n"
	       "\n      -   { key: 0x1F ,value: -7 }\n#x\n      - {key: +3, value: 1_000}\n", 3 },
	{ "dash at the key's column", HEAD "    entries:\n    - {key: 1, value: 2}\n    - {key: 2, value: 3}\n    x: 1\n", 2 },
	{ "no newline at the end", HEAD "    entries:\n      - {key: 1, value: 2}\n      - {key: 2, value: 3}", 1 },
	{ "then a single-quoted item", HEAD "    entries:\n      - {key: 1, value: 2}\n      - {key: '2', value: 3}\n"
					  "      - {key: 4, value: 5}\n", 1 },
	{ "a single-quoted item first", HEAD "    entries:\n      - {key: '2', value: 3}\n      - {key: 4, value: 5}\n", 0 },
	{ "strings", HEAD "    entries:\n      - {key: \"hex 0a 00 00 01\", value: \"1 2 3 4\"}\n"
		     "      - {key: \"\", value: \"a: b, c #d [e] {f}\"}\n      - {value: \"'\", key: 1}\n", 3 },
	{ "a string to unescape", HEAD "    entries:\n      - {key: \"a\\tb\", value: 1}\n", 0 },
	{ "an escaped quote", HEAD "    entries:\n      - {key: \"a\\\"\", value: 1}\n", 0 },
	{ "a string not ASCII", HEAD "    entries:\n      - {key: \"\xc3\xa9\", value: 1}\n", 0 },
	{ "a string not closed", HEAD "    entries:\n      - {key: \"a, value: 1}\n        b\"}\n", 0 },
	{ "lists", HEAD "    entries:\n      - {key: [192, 168, 0, 1], value: 1}\n      - {key: [ 1 ,2 ], value: [3]}\n", 2 },
	{ "an empty list", HEAD "    entries:\n      - {key: [], value: 1}\n", 0 },
	{ "a trailing comma", HEAD "    entries:\n      - {key: [1, 2,], value: 1}\n", 0 },
	{ "a list in a list", HEAD "    entries:\n      - {key: [[1], 2], value: 1}\n", 0 },
	{ "a string in a list", HEAD "    entries:\n      - {key: [1, \"2\"], value: 1}\n", 0 },
	{ "a pair in a list", HEAD "    entries:\n      - {key: [a: 1], value: 1}\n", 0 },
	{ "64 words", HEAD "    entries:\n      - {key: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "
		      "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "
		      "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3], value: 1}\n", 1 },
	{ "65 words", HEAD "    entries:\n      - {key: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "
		      "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, "
		      "0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4], value: 1}\n", 0 },
	{ "a mapping as the value", HEAD "    entries:\n      - {key: 1, value: {map: x}}\n", 0 },
	{ "then block items", HEAD "    entries:\n      - {key: 1, value: 2}\n      - key: 2\n        value: 3\n", 1 },
	{ "items then a key of the map", HEAD "    entries:\n      - {key: 1, value: 2}\n    max_entries: 4\n", 1 },
	{ "two maps", HEAD "    entries:\n      - {key: 1, value: 2}\n  n:\n    entries:\n    - {key: 1, value: 9}\n"
		      "    type: array\n", 2 },
	{ "an anchor before (lists kept)", "x: &a 1\n" HEAD "    y: *a\n    entries:\n      - {key: 1, value: 2}\n", 1 },
	{ "key twice", HEAD "    entries:\n      - {key: 1, value: 2}\n    entries:\n      - {key: 5, value: 6}\n", 2 },
	{ "in a block scalar", HEAD "    note: |\n      entries:\n      - {key: 1, value: 2}\n    entries:\n"
				   "      - {key: 3, value: 4}\n", 0 },
	{ "in a folded scalar at the end", HEAD "    note: >\n     entries:\n      - {key: 1, value: 2}\n", 0 },
	{ "in a quoted scalar", HEAD "    note: \"a\n    entries:\n      - {key: 1, value: 2}\"\n", 0 },
	{ "top level", "entries:\n- {key: 1, value: 2}\n", 0 },
	{ "not a map's", "programs:\n  p:\n    entries:\n      - {key: 1, value: 2}\n", 0 },
	{ "a map inside a list", "maps:\n  - entries:\n      - {key: 1, value: 2}\n", 0 },
	{ "second document", HEAD "    entries: []\n---\n" HEAD "    entries:\n      - {key: 1, value: 2}\n", 0 },
	{ "inside an item", HEAD "    entries:\n      - key: 1\n        entries:\n          - {key: 1, value: 2}\n", 0 },
	{ "deeper items", HEAD "    entries:\n      - {key: 1, value: 2}\n        - {key: 3, value: 4}\n", -1 },
	{ "shallower items", HEAD "    entries:\n      - {key: 1, value: 2}\n     - {key: 3, value: 4}\n", -1 },
	{ "items under the key's column", HEAD "    entries:\n   - {key: 1, value: 2}\n", 0 },
	{ "a continuation", HEAD "    entries:\n      - {key: 1, value: 2}\n        more\n", 0 },
	{ "a syntax error after", HEAD "    entries:\n      - {key: 1, value: 2}\n    bad: [\n", 0 },
	{ "too deep after", HEAD "    entries:\n      - {key: 1, value: 2}\n    bad: "
			    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n", 0 },
	{ "a tag on the value", HEAD "    entries: !!seq\n      - {key: 1, value: 2}\n", 0 },
	{ "an anchor on the list", HEAD "    entries: &l\n      - {key: 1, value: 2}\n", 0 },
	{ "flow list", HEAD "    entries: [{key: 1, value: 2}]\n", 0 },
	{ "tab after the colon", HEAD "    entries:\t\n      - {key: 1, value: 2}\n", 0 },
	{ "CRLF", "maps:\r\n  m:\r\n    entries:\r\n      - {key: 1, value: 2}\r\n", 0 },
	{ "lone CR before", "# a\rb\n" HEAD "    entries:\n      - {key: 1, value: 2}\n", 0 },
	{ "NEL in a comment before", "# a\xc2\x85x: 1\n" HEAD "    entries:\n      - {key: 1, value: 2}\n", 0 },
	{ "NEL in an item's comment", HEAD "    entries:\n      - {key: 1, value: 2} # \xc2\x85- 3\n", 0 },
	{ "BOM", "\xef\xbb\xbf" HEAD "    entries:\n      - {key: 1, value: 2}\n", 1 },
	{ "odd words", HEAD "    entries:\n      - {key: key, value: value}\n      - {key: .5, value: -x}\n", 2 },
	{ "not words", HEAD "    entries:\n      - {key: -, value: 1}\n", 0 },
	{ "words with a space", HEAD "    entries:\n      - {key: 1 2, value: 1}\n", 0 },
	{ "a word twice", HEAD "    entries:\n      - {key: 1, key: 2}\n", 0 },
	{ "no space after the colon", HEAD "    entries:\n      - {key:1, value: 2}\n", 0 },
	{ "comment without a space", HEAD "    entries:\n      - {key: 1, value: 2}#x\n", 0 },
	{ "something after", HEAD "    entries:\n      - {key: 1, value: 2} x\n", 0 },
	{ "tab in the item", HEAD "    entries:\n      - {key: 1,\tvalue: 2}\n", 0 },
	{ "a NUL", HEAD "    entries:\n      - {key: 1, value: 2}\n    x: \"a\\0b\"\n", 0 },
	{ "an alias to an item's anchor", HEAD "    entries:\n      - {key: 1, value: 2}\n"
					  "      - &i {key: 3, value: 4}\n    x: *i\n", 0 },
};

static void test_cases(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = same_for_text(cases[i].text, strlen(cases[i].text));
		if (cases[i].items >= 0 && n != (size_t)cases[i].items) {
			fprintf(stderr, "case \"%s\": the lane read %zu items, expected %ld\n",
				cases[i].what, n, cases[i].items);
			fail();
		}
	}
	unlink(tmp_path);
}

/* A line longer than the reader's buffer, before and after a lane list. */
static void test_long_line(void **state)
{
	struct sbuf b = { 0 };
	int i;

	(void)state;
	sb_printf(&b, HEAD "    note: \"");
	for (i = 0; i < 20000; i++)
		sb_printf(&b, "abcdefghi ");
	sb_printf(&b, "\"\n    entries:\n");
	for (i = 0; i < 5000; i++)
		sb_printf(&b, "      - {key: %d, value: %d}\n", i, i * 3);
	sb_printf(&b, "    other: \"");
	for (i = 0; i < 20000; i++)
		sb_printf(&b, "abcdefghi ");
	sb_printf(&b, "\"\n");
	assert_int_equal(same_for_text(b.p, b.n), 5000);
	free(b.p);
	unlink(tmp_path);
}

/* Text made by a function: pad, UTF-16 (what the review of the lane found). */
static size_t same_for_sbuf(struct sbuf *b)
{
	size_t n = same_for_text(b->p, b->n);

	free(b->p);
	memset(b, 0, sizeof(*b));
	unlink(tmp_path);
	return n;
}

static void add_lines(struct sbuf *b, const char *line, int n)
{
	while (n-- > 0)
		sb_printf(b, "%s", line);
}

/*
 * A key `entries` that is not a map's, with more blank lines after it than
 * libyaml reads ahead: libyaml gives the key while the reader is still in
 * the blank lines, and the lane must stand aside (it once gave no tree and
 * no message at all).
 */
static void test_key_before_blank_lines(void **state)
{
	struct sbuf b = { 0 };

	(void)state;
	sb_printf(&b, "a: 1\n---\nentries:\n");
	add_lines(&b, "\n", 16400);
	sb_printf(&b, "- {key: 1, value: 2}\n");
	assert_int_equal(same_for_sbuf(&b), 0);
	sb_printf(&b, "maps:\n  m:\n    entries:\n    - a: 1\n      entries:\n");
	add_lines(&b, "\n", 16400);
	sb_printf(&b, "      - {key: 1, value: 2}\n");
	assert_int_equal(same_for_sbuf(&b), 0);
	/* a map's, after the same blank lines: the lane reads its items */
	sb_printf(&b, "maps:\n  m:\n    entries:\n");
	add_lines(&b, "\n", 16400);
	add_lines(&b, "      - {key: 1, value: 2}\n", 3);
	assert_int_equal(same_for_sbuf(&b), 3);
}

/* Line breaks of libyaml's that are not newlines, escaped in a quoted string. */
static void test_escaped_breaks(void **state)
{
	static const char *const breaks[] = { "\r", "\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9" };
	struct sbuf b = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++) {
		sb_printf(&b, "bpfapply: v1\nx: \"a\\%sb\\%sc\"\nmaps:\n  m:\n    entries:\n"
			      "  n:\n    entries:\n      - {key: 1, value: 2}\n",
			  breaks[i], breaks[i]);
		assert_int_equal(same_for_sbuf(&b), 0);
	}
}

/* UTF-16 with its BOM: libyaml reads characters, not the bytes the lane would. */
static void add_utf16(struct sbuf *b, const char *ascii, bool big)
{
	for (; *ascii; ascii++) {
		/* '\v' stands for U+2028, the line separator */
		unsigned c = *ascii == '\v' ? 0x2028 : (unsigned char)*ascii;

		sb_printf(b, "%c%c", big ? c >> 8 : c & 0xff, big ? c & 0xff : c >> 8);
	}
}

static void test_utf16(void **state)
{
	struct sbuf b = { 0 };
	int big;

	(void)state;
	for (big = 0; big < 2; big++) {
		sb_printf(&b, "%s", big ? "\xfe\xff" : "\xff\xfe");
		/* four line separators before, as many newlines in the bytes: the lines agree */
		add_utf16(&b, "bpfapply: v1\vscope: t\vmaps:\v  m:\v    entries: #", big);
		sb_printf(&b, "\n\nAA\nAA\n    entries:\n      - {key: 1, value: 2}\n");
		add_utf16(&b, "\v    type: hash\v", big);
		assert_int_equal(same_for_sbuf(&b), 0);
	}
}

/* Thousands of `entries:` lines with nothing after: the lane stops, same result. */
static void test_many_empty_keys(void **state)
{
	struct sbuf b = { 0 };

	(void)state;
	sb_printf(&b, HEAD "    note: |\n");
	add_lines(&b, "      entries:\n", 5000);
	sb_printf(&b, "    entries:\n      - {key: 1, value: 2}\n");
	assert_int_equal(same_for_sbuf(&b), 0);
	/* fewer, and the lane still reads the list after them */
	sb_printf(&b, HEAD "    note: |\n");
	add_lines(&b, "      entries:\n", 100);
	sb_printf(&b, "    entries:\n      - {key: 1, value: 2}\n");
	assert_int_equal(same_for_sbuf(&b), 1);
	sb_printf(&b, HEAD "    note: it's\n    other: don't\n");
	sb_printf(&b, "    entries:\n      - {key: 1, value: 2}\n");
	assert_int_equal(same_for_sbuf(&b), 1);
}

/* What the loader says of a list of n lane items in a map with no max_entries. */
static void items_limit(size_t n, bool lane, struct sbuf *out)
{
	struct diag d = { 0 };
	struct ytree t;
	yaml_node_t *root, *seq = NULL;
	size_t i;

	root = ytree_load_lane(&t, tmp_path, &d, lane);
	assert_non_null(root);
	for (i = 0; i < (size_t)(t.doc.nodes.top - t.doc.nodes.start); i++)
		if (t.doc.nodes.start[i].type == YAML_SEQUENCE_NODE)
			seq = &t.doc.nodes.start[i];
	assert_non_null(seq);
	assert_int_equal(ystream_len(&t, seq), n);
	sb_printf(out, "bounded %d\n", ystream_bounded(&t, seq));
	for (i = 0; i < d.n; i++) {
		char *m = diag_format(&d.msgs[i]);

		sb_printf(out, "%s\n", m);
		free(m);
	}
	assert_int_equal(t.lane_items, lane ? n : 0);
	ytree_free(&t);
	diag_free(&d);
}

/* The 262144 items of a list without max_entries: the next one is refused, at its place. */
static void test_items_limit(void **state)
{
	const size_t limit = 262144;
	struct sbuf b = { 0 }, with = { 0 }, without = { 0 }, want = { 0 };
	size_t n;

	(void)state;
	for (n = limit; n <= limit + 1; n++) {
		sb_printf(&b, HEAD "    entries:\n");
		add_lines(&b, "      - {key: 1, value: 2}\n", (int)n);
		write_tmp(b.p, b.n);
		items_limit(n, true, &with);
		items_limit(n, false, &without);
		b.n = 0;
	}
	/* the first item past the limit: line 7 is the first item's, column 9 its brace */
	sb_printf(&want, "bounded 1\nbounded 0\n%s:%zu:9: a list or mapping with more than %zu items\n",
		  tmp_path, 7 + limit, limit);
	assert_string_equal(with.p, want.p);
	assert_string_equal(without.p, want.p);
	free(b.p);
	free(with.p);
	free(without.p);
	free(want.p);
	unlink(tmp_path);
}

/* Every manifest of the tree: examples and the test corpora, good and bad. */
static void test_corpus(void **state)
{
	static const char *const dirs[] = { "examples", "tests/manifests/good", "tests/manifests/bad",
					    "tests/manifests/multi", "tests/fuzz/corpus" };
	char path[512];
	struct dirent *e;
	size_t i, files = 0;
	DIR *d;

	(void)state;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		d = opendir(dirs[i]);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);

			if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".yaml"))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[i], e->d_name);
			same_both_ways(path);
			files++;
		}
		closedir(d);
	}
	assert_true(files >= 40);
}

/* A deterministic generator, so that a failure can be run again. */
static unsigned long long rnd_state = 0x2545f4914f6cdd1dULL;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state % n);
}

static const char base_tricky[] =
	"maps:\n"
	"  m:\n"
	"    note: >\n"
	"      entries:\n"
	"      - {key: 1, value: 2}\n"
	"    entries:\n"
	"    - {key: 1, value: 2}\n"
	"    - {key: 2, value: 2}\n"
	"    a: &x \"q\n"
	"    entries:\n"
	"      - {key: 3, value: 4}\"\n"
	"    entries:\n"
	"      - {key: 5, value: 6} # c\n"
	"    b: *x\n";

static const char base_text[] =
	"bpfapply: v1\n"
	"scope: t\n"
	"maps:\n"
	"  m:\n"
	"    type: hash   # x\n"
	"    note: |\n"
	"      text\n"
	"    entries:\n"
	"      - {key: 1, value: 2}\n"
	"      # between\n"
	"      - {value: 4, key: 3}\n"
	"\n"
	"      - {key: 5, value: 6}\n"
	"    key_size: 4\n"
	"  n:\n"
	"    entries:\n"
	"    - {key: 7, value: 8}\n"
	"    - {key: \"9 a\", value: [1, 0x2]}\n"
	"    - {key: '11', value: 12}\n"
	"    - {key: 13, value: 14}\n";

/* One random edit of the text in buf (len bytes, room for cap). */
static size_t mutate(char *buf, size_t len, size_t cap)
{
	static const char chars[] = " -{}:#,\n\t\r'\"|>&*![]ke0x";
	size_t at = rnd((unsigned)len + 1), end, n;

	switch (rnd(4)) {
	case 0: /* insert a character */
		if (len + 1 >= cap)
			break;
		memmove(buf + at + 1, buf + at, len - at);
		buf[at] = chars[rnd(sizeof(chars) - 1)];
		return len + 1;
	case 1: /* delete one */
		if (at == len)
			break;
		memmove(buf + at, buf + at + 1, len - at - 1);
		return len - 1;
	case 2: /* a line twice */
		while (at > 0 && buf[at - 1] != '\n')
			at--;
		for (end = at; end < len && buf[end] != '\n'; end++)
			;
		n = end - at + (end < len);
		if (len + n >= cap)
			break;
		memmove(buf + at + n, buf + at, len - at);
		return len + n;
	default: /* two more spaces at a line's start */
		while (at > 0 && buf[at - 1] != '\n')
			at--;
		if (len + 2 >= cap)
			break;
		memmove(buf + at + 2, buf + at, len - at);
		buf[at] = buf[at + 1] = ' ';
		return len + 2;
	}
	return len;
}

static void test_random_edits(void **state)
{
	const char *env = getenv("LANE_EDITS"), *base; /* more, for a longer search */
	int i, k, edits = env ? atoi(env) : 4000;
	size_t len, used = 0;
	char buf[1024];

	(void)state;
	for (i = 0; i < edits; i++) {
		base = i % 4 ? base_text : base_tricky;
		len = strlen(base);
		memcpy(buf, base, len);
		for (k = 1 + (int)rnd(3); k > 0; k--)
			len = mutate(buf, len, sizeof(buf));
		used += same_for_text(buf, len) > 0;
	}
	unlink(tmp_path);
	/* many edits leave a list to the lane (~37%): the comparison above compared something */
	assert_true(used > (size_t)edits / 5);
}

int main(void)
{
	const char *one = getenv("LANE_DUMP"); /* FILE: both ways, for a failure's file */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_key_before_blank_lines),
		cmocka_unit_test(test_escaped_breaks),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_many_empty_keys),
		cmocka_unit_test(test_items_limit),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_random_edits),
	};

	if (one) {
		struct sbuf b = { 0 };

		sb_printf(&b, "--- with the lane\n");
		sb_printf(&b, "(%zu items by the lane)\n", load_dump(one, true, &b));
		sb_printf(&b, "--- without\n");
		load_dump(one, false, &b);
		fwrite(b.p, 1, b.n, stdout);
		free(b.p);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
