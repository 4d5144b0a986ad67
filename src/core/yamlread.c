// SPDX-License-Identifier: GPL-2.0-only
/*
 * The read callback libyaml reads a manifest through (see core/yamlread.h).
 * The file is cut into lines in a buffer of our own: each line is either
 * handed to libyaml as it is, or, for an item of an `entries:` list in the
 * lane's one form, recorded on a tape and handed over as a bare newline,
 * so that libyaml's line numbers stay those of the file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/yamlread.h"
#include "core/yamltree.h"

#define IN_BYTES (64u << 10)
/* A manifest has an `entries:` line a map, most followed by items. */
#define LANE_MAX_EMPTY 4096

enum { LANE_IDLE, LANE_KEY, LANE_ITEMS };

/* ---- the flow scan ----------------------------------------------------------- */

/*
 * libyaml 0.2.5 (Debian 12) takes time quadratic in the nesting depth of
 * flow collections and has no limit of its own; a manifest never nests
 * deeply, so the bytes are scanned as they go by and the read fails before
 * libyaml sees too deep a nesting.  Quoted scalars and comments are
 * skipped; a '[' inside a plain scalar counts too, which only errs on the
 * safe side.
 */
static const bool flow_special[256] = {
	['\n'] = true, ['#'] = true, ['"'] = true, ['\''] = true, ['\\'] = true,
	['['] = true,  ['{'] = true, [']'] = true, ['}'] = true,
	['\r'] = true, [0xc2] = true, [0xe2] = true, /* maybe a line break of libyaml's */
};

/*
 * libyaml also breaks lines at a CR alone, a NEL and the Unicode line and
 * paragraph separators: after one, the reader's line numbers would not be
 * libyaml's, so the lane stops (a sequence cut by the buffer counts too).
 */
static bool odd_break(const unsigned char *p, size_t left)
{
	if (p[0] == '\r')
		return true;
	if (p[0] == 0xc2)
		return left < 2 || p[1] == 0x85;
	return left < 3 || (p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9));
}

/*
 * A quoted scalar starts where a value does: after a space, a line break or
 * a flow indicator (':' too: `{"a":"b"}`).  An apostrophe inside a word
 * (`it's`) is text, and must not leave the scan in a quote to the next one.
 */
static const bool quote_may_start[256] = {
	[' '] = true, ['\t'] = true, ['\n'] = true, ['['] = true, ['{'] = true, [','] = true,
	[':'] = true,
};

static bool flow_char(struct yreader *r, char ch, char prev)
{
	if (ch == '\n') {
		r->comment = false;
		return true;
	}
	if (r->comment)
		return true;
	if (r->quote) {
		if (ch == '\\' && r->quote == '"')
			r->escaped = true;
		else if (ch == r->quote)
			r->quote = 0;
		return true;
	}
	if (ch == '#' && (prev == ' ' || prev == '\t' || prev == '\n'))
		r->comment = true;
	else if ((ch == '"' || ch == '\'') && quote_may_start[(unsigned char)prev])
		r->quote = ch;
	else if (ch == '[' || ch == '{')
		r->depth++;
	else if ((ch == ']' || ch == '}') && r->depth > 0)
		r->depth--;
	return r->depth <= FLOW_MAX_DEPTH;
}

/* The n bytes at p, at offset in the file, about to be handed over. */
static bool flow_scan(struct yreader *r, const unsigned char *p, size_t n, uint64_t offset)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!flow_special[p[i]]) {
			r->escaped = false;
			continue;
		}
		/* escaped or not: "a\<CR>b" has a line break for libyaml too */
		if (p[i] == '\r' || p[i] >= 0x80) {
			r->lane_stop |= odd_break(p + i, n - i);
			r->escaped = false;
			continue;
		}
		if (r->escaped) {
			r->escaped = false; /* an escaped character cannot end the string */
			continue;
		}
		if (!flow_char(r, (char)p[i], i ? (char)p[i - 1] : r->last)) {
			r->too_deep = true;
			r->offset = offset + i;
			return false;
		}
	}
	if (n)
		r->last = (char)p[n - 1];
	return true;
}

/* ---- the lane's lines ----------------------------------------------------------- */

/* What may stand in the key and value words of a lane item: a plain scalar's safest bytes. */
static const bool word_char[256] = {
	['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true, ['5'] = true,
	['6'] = true, ['7'] = true, ['8'] = true, ['9'] = true, ['a'] = true, ['b'] = true,
	['c'] = true, ['d'] = true, ['e'] = true, ['f'] = true, ['g'] = true, ['h'] = true,
	['i'] = true, ['j'] = true, ['k'] = true, ['l'] = true, ['m'] = true, ['n'] = true,
	['o'] = true, ['p'] = true, ['q'] = true, ['r'] = true, ['s'] = true, ['t'] = true,
	['u'] = true, ['v'] = true, ['w'] = true, ['x'] = true, ['y'] = true, ['z'] = true,
	['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true, ['F'] = true,
	['G'] = true, ['H'] = true, ['I'] = true, ['J'] = true, ['K'] = true, ['L'] = true,
	['M'] = true, ['N'] = true, ['O'] = true, ['P'] = true, ['Q'] = true, ['R'] = true,
	['S'] = true, ['T'] = true, ['U'] = true, ['V'] = true, ['W'] = true, ['X'] = true,
	['Y'] = true, ['Z'] = true, ['_'] = true, ['.'] = true, ['+'] = true, ['-'] = true,
};

static size_t skip_spaces(const unsigned char *p, size_t i, size_t len)
{
	while (i < len && p[i] == ' ')
		i++;
	return i;
}

/*
 * A comment's text from p[i] to the end: printable ASCII only, for libyaml
 * ends a comment at a NEL or a line separator, and reads on after it.
 */
static bool comment_text(const unsigned char *p, size_t i, size_t len)
{
	for (; i < len; i++)
		if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\t')
			return false;
	return true;
}

/* The end of a line from i: nothing, or spaces and a comment after at least one of them. */
static bool line_end(const unsigned char *p, size_t i, size_t len)
{
	size_t j = skip_spaces(p, i, len);

	return j == len || (j > i && p[j] == '#' && comment_text(p, j, len));
}

/* Nothing but spaces and a comment. */
static bool blank_line(const unsigned char *p, size_t len)
{
	size_t i = skip_spaces(p, 0, len);

	return i == len || (p[i] == '#' && comment_text(p, i, len));
}

/* `entries:` alone on its line (a comment aside): its column. */
static bool key_line(const unsigned char *p, size_t len, size_t *col)
{
	static const char key[] = "entries:";
	size_t i = skip_spaces(p, 0, len);

	if (len - i < sizeof(key) - 1 || memcmp(p + i, key, sizeof(key) - 1))
		return false;
	*col = i;
	return line_end(p, i + sizeof(key) - 1, len);
}

/* The most words of a list in a lane item: a 64-byte key written as bytes. */
#define LANE_MAX_WORDS 64

/*
 * A key's or value's text, as libyaml reads it: one plain word, a string in
 * double quotes with nothing to unescape, or a flow list of plain words.
 */
struct lane_value {
	enum { LV_PLAIN, LV_QUOTED, LV_LIST } kind;
	size_t at;                     /* its column: the word's, the quote's, the '['s */
	size_t n;                      /* words (1 unless a list) */
	size_t word[LANE_MAX_WORDS];   /* their columns (a string's: inside the quotes) */
	size_t len[LANE_MAX_WORDS];
};

struct lane_item {
	size_t dash, brace;
	size_t word[2];               /* the columns of "key" and "value", in their order */
	int which[2];                 /* the words in their order: 0 key, 1 value */
	struct lane_value v[2];       /* [0] the key's, [1] the value's */
};

/* A plain word at p[i]: not one libyaml would read as an indicator. */
static size_t plain_word(const unsigned char *p, size_t i, size_t len)
{
	size_t j = i;

	if (j < len && (p[j] == '-' || p[j] == '+' || p[j] == '.'))
		j++;
	if (j == len || !word_char[p[j]] || p[j] == '-' || p[j] == '+' || p[j] == '.')
		return 0;
	while (j < len && word_char[p[j]])
		j++;
	return j - i;
}

/* "...": printable ASCII, no escape, on one line; the index past its closing quote, or 0. */
static size_t quoted(const unsigned char *p, size_t i, size_t len, struct lane_value *v)
{
	size_t j;

	for (j = i + 1; j < len && p[j] != '"'; j++)
		if (p[j] < 0x20 || p[j] > 0x7e || p[j] == '\\')
			return 0;
	if (j == len)
		return 0;
	v->kind = LV_QUOTED;
	v->n = 1;
	v->word[0] = i + 1;
	v->len[0] = j - i - 1;
	return j + 1;
}

/* [W, W, ...]: one or more plain words; the index past its ']', or 0. */
static size_t word_list(const unsigned char *p, size_t i, size_t len, struct lane_value *v)
{
	size_t j = skip_spaces(p, i + 1, len), n;

	v->kind = LV_LIST;
	for (v->n = 0; v->n < LANE_MAX_WORDS;) {
		n = plain_word(p, j, len);
		if (!n)
			return 0;
		v->word[v->n] = j;
		v->len[v->n++] = n;
		j = skip_spaces(p, j + n, len);
		if (j < len && p[j] == ']')
			return j + 1;
		if (j == len || p[j] != ',')
			return 0;
		j = skip_spaces(p, j + 1, len);
	}
	return 0;
}

/* The value at p[i]; the index past it, or 0 if it is not of the lane's forms. */
static size_t lane_value(const unsigned char *p, size_t i, size_t len, struct lane_value *v)
{
	v->at = i;
	if (i < len && p[i] == '"')
		return quoted(p, i, len, v);
	if (i < len && p[i] == '[')
		return word_list(p, i, len, v);
	v->kind = LV_PLAIN;
	v->n = 1;
	v->word[0] = i;
	v->len[0] = plain_word(p, i, len);
	return v->len[0] ? i + v->len[0] : 0;
}

/* `key: V` or `value: V` at p[*i], pair k of the item; *i past it. */
static bool lane_pair(const unsigned char *p, size_t *i, size_t len, struct lane_item *it, int k)
{
	size_t j = *i, w;

	if (len - j > 4 && !memcmp(p + j, "key:", 4)) {
		it->which[k] = 0;
		w = 4;
	} else if (len - j > 6 && !memcmp(p + j, "value:", 6)) {
		it->which[k] = 1;
		w = 6;
	} else {
		return false;
	}
	it->word[k] = j;
	j += w;
	if (p[j] != ' ')
		return false;
	j = lane_value(p, skip_spaces(p, j, len), len, &it->v[it->which[k]]);
	if (!j)
		return false;
	*i = skip_spaces(p, j, len);
	return true;
}

/* `- {key: K, value: V}` (either order) and a comment: the lane's one form of item. */
static bool item_line(const unsigned char *p, size_t len, struct lane_item *it)
{
	size_t i = skip_spaces(p, 0, len);
	int k;

	it->dash = i;
	if (i + 2 >= len || p[i] != '-' || p[i + 1] != ' ')
		return false;
	i = skip_spaces(p, i + 1, len);
	if (i == len || p[i] != '{')
		return false;
	it->brace = i;
	i = skip_spaces(p, i + 1, len);
	for (k = 0; k < 2; k++) {
		if (!lane_pair(p, &i, len, it, k))
			return false;
		if (i == len || p[i] != (k ? '}' : ','))
			return false;
		if (!k)
			i = skip_spaces(p, i + 1, len);
	}
	return it->which[0] != it->which[1] && line_end(p, i + 1, len);
}

/* ---- the lane -------------------------------------------------------------------- */

/* One event on b's tape (only what the tape keeps: kind, style, mark, text). */
static void lane_put(struct ylane_block *b, yaml_event_type_t type, size_t line, size_t col,
		     const unsigned char *text, size_t len, bool quoted)
{
	yaml_event_t ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.start_mark.line = ev.end_mark.line = line;
	ev.start_mark.column = ev.end_mark.column = col;
	if (type == YAML_SCALAR_EVENT) {
		ev.data.scalar.value = (yaml_char_t *)text;
		ev.data.scalar.length = len;
		ev.data.scalar.style = quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE :
						YAML_PLAIN_SCALAR_STYLE;
	} else if (type == YAML_MAPPING_START_EVENT) {
		ev.data.mapping_start.style = YAML_FLOW_MAPPING_STYLE;
	} else if (type == YAML_SEQUENCE_START_EVENT) {
		ev.data.sequence_start.style = YAML_FLOW_SEQUENCE_STYLE;
	}
	b->bytes += ytape_put(&b->tape, &ev);
}

static void lane_put_value(struct ylane_block *b, size_t line, const unsigned char *p,
			   const struct lane_value *v)
{
	size_t i;

	if (v->kind == LV_LIST)
		lane_put(b, YAML_SEQUENCE_START_EVENT, line, v->at, NULL, 0, false);
	for (i = 0; i < v->n; i++)
		lane_put(b, YAML_SCALAR_EVENT, line, v->kind == LV_QUOTED ? v->at : v->word[i],
			 p + v->word[i], v->len[i], v->kind == LV_QUOTED);
	if (v->kind == LV_LIST)
		lane_put(b, YAML_SEQUENCE_END_EVENT, line, 0, NULL, 0, false);
}

/* The events libyaml gives for the item: a flow mapping of two plain scalars' pairs. */
static void lane_record(struct yreader *r, struct ylane_block *b, const unsigned char *p,
			const struct lane_item *it)
{
	int k;

	if (!b->n++) {
		b->first.line = r->line;
		b->first.column = it->dash;
		b->dash_col = it->dash;
	}
	if (b->n == r->lane_item_limit) {
		b->over = true;
		b->over_mark.line = r->line;
		b->over_mark.column = it->brace;
	}
	lane_put(b, YAML_MAPPING_START_EVENT, r->line, it->brace, NULL, 0, false);
	for (k = 0; k < 2; k++) {
		int w = it->which[k];

		lane_put(b, YAML_SCALAR_EVENT, r->line, it->word[k], p + it->word[k],
			 w ? strlen("value") : strlen("key"), false);
		lane_put_value(b, r->line, p, &it->v[w]);
	}
	lane_put(b, YAML_MAPPING_END_EVENT, r->line, 0, NULL, 0, false);
}

/*
 * The list's items stop at line end_line (SIZE_MAX: the end of the file).
 * `entries:` lines with no item after them are only counted: past
 * LANE_MAX_EMPTY of them (lines of a block scalar?) the lane stops, so that
 * a file of such lines cannot make the reader keep a block for each.
 */
static void lane_end(struct yreader *r, size_t end_line)
{
	struct ylane_block *b;

	if (r->lane_state == LANE_IDLE)
		return;
	r->lane_state = LANE_IDLE;
	b = &r->blocks[r->n_blocks - 1];
	b->done = true;
	b->end_line = end_line;
	if (!b->n && ++r->n_empty > LANE_MAX_EMPTY)
		r->lane_stop = true;
}

/* One whole line (without its newline) at a line start: true to keep it from libyaml. */
static bool lane_line(struct yreader *r, const unsigned char *p, size_t len)
{
	struct ylane_block *b;
	struct lane_item it;
	size_t col, before;

	if (r->depth || r->quote || r->lane_stop) {
		lane_end(r, r->line);
		return false;
	}
	if (r->lane_state != LANE_IDLE) {
		b = &r->blocks[r->n_blocks - 1];
		if (blank_line(p, len) && !b->refused)
			return false;
		if (!b->refused && item_line(p, len, &it) && r->lane_bytes < r->lane_cap_bytes &&
		    (r->lane_state == LANE_ITEMS ? it.dash == b->dash_col : it.dash >= b->key.column)) {
			before = b->bytes;
			lane_record(r, b, p, &it);
			r->lane_bytes += b->bytes - before;
			r->lane_state = LANE_ITEMS;
			return true;
		}
		lane_end(r, r->line);
	}
	if (key_line(p, len, &col)) {
		r->blocks = xgrow(r->blocks, r->n_blocks, sizeof(*r->blocks));
		b = &r->blocks[r->n_blocks++];
		memset(b, 0, sizeof(*b));
		b->key.line = r->line;
		b->key.column = col;
		r->lane_state = LANE_KEY;
	}
	return false;
}

/* ---- the callback ------------------------------------------------------------------ */

/* More of the file into r->in, after what is left of it; false on a read error. */
static bool fill(struct yreader *r)
{
	ssize_t n;

	if (r->in_pos) {
		memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
		r->in_offset += r->in_pos;
		r->in_len -= r->in_pos;
		r->in_pos = 0;
	}
	do
		n = read(r->fd, r->in + r->in_len, IN_BYTES - r->in_len);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->err = -errno;
		return false;
	}
	if (!n)
		r->eof = true;
	r->in_len += (size_t)n;
	return true;
}

/*
 * The next piece of the current line in r->in: its length (0 at the end of
 * the file or on an error); *whole when it is all of a line, its newline too.
 */
static size_t segment(struct yreader *r, bool *whole)
{
	for (;;) {
		const unsigned char *s = r->in + r->in_pos;
		size_t avail = r->in_len - r->in_pos;
		const unsigned char *nl = memchr(s, '\n', avail);

		*whole = nl != NULL;
		if (nl)
			return (size_t)(nl - s) + 1;
		/* the last line without a newline, or a line longer than the buffer */
		if (r->eof || avail == IN_BYTES)
			return avail;
		if (!fill(r))
			return 0;
	}
}

static int read_handler(void *data, unsigned char *buf, size_t size, size_t *got)
{
	struct yreader *r = data;
	const unsigned char *p;
	size_t out = 0, len, n;
	bool whole;

	while (out < size) {
		len = segment(r, &whole);
		if (r->err)
			return 0;
		if (!len) {
			lane_end(r, SIZE_MAX);
			break;
		}
		p = r->in + r->in_pos;
		if (!r->started) {
			/* libyaml reads UTF-16 after its BOM: the lane's bytes are not its characters */
			r->started = true;
			r->lane_stop |= len >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
						     (p[0] == 0xfe && p[1] == 0xff));
		}
		if (!whole && !r->mid_line)
			lane_end(r, r->line); /* a line not seen whole is no item */
		if (r->lane && whole && !r->mid_line && lane_line(r, p, len - 1)) {
			flow_scan(r, (const unsigned char *)"\n", 1, 0);
			buf[out++] = '\n';
			r->in_pos += len;
			r->line++;
			continue;
		}
		n = len < size - out ? len : size - out;
		if (n < len && out)
			break; /* the line whole in the next call */
		if (!flow_scan(r, p, n, r->in_offset + r->in_pos))
			return 0;
		memcpy(buf + out, p, n);
		out += n;
		r->in_pos += n;
		r->mid_line = !whole || n < len;
		r->line += !r->mid_line;
	}
	/* libyaml keeps a whole scalar (or skips a comment) before its next event */
	r->run += out;
	if (r->run > VALUE_MAX_BYTES) {
		r->too_long = true;
		return 0;
	}
	*got = out;
	return 1;
}

void yreader_start(struct yreader *r, int fd, yaml_parser_t *p, bool lane)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->last = '\n';
	r->lane = lane;
	r->in = xreallocarray(NULL, 1, IN_BYTES);
	if (!yaml_parser_initialize(p))
		xoom();
	yaml_parser_set_input(p, read_handler, r);
}

void yreader_free(struct yreader *r)
{
	size_t i;

	for (i = 0; i < r->n_blocks; i++)
		ytape_free(&r->blocks[i].tape);
	free(r->blocks);
	r->blocks = NULL;
	r->n_blocks = 0;
	free(r->in);
	r->in = NULL;
}

void yreader_offset_loc(int fd, uint64_t offset, int *line, int *col)
{
	char buf[65536];
	uint64_t at = 0;
	ssize_t n;
	int i;

	*line = 1;
	*col = 1;
	while (at < offset && (n = pread(fd, buf, sizeof(buf), (off_t)at)) > 0) {
		for (i = 0; i < n && at < offset; i++, at++) {
			(*col)++;
			if (buf[i] == '\n') {
				(*line)++;
				*col = 1;
			}
		}
	}
}
