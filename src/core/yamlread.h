/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a manifest for libyaml (core/yamlread.c): the read callback that
 * bounds what libyaml may be handed, and the entries lane that keeps the
 * plainest `entries:` items away from libyaml altogether.
 *
 * The lane: a line `entries:` followed by item lines of exactly the form
 *
 *     - {key: K, value: V}
 *
 * (either order; K and V each a plain word, a double-quoted string with
 * nothing to unescape, or a flow list of plain words; then a comment)
 *
 * all at one indentation, is recorded here as the events libyaml would
 * give for those items (on a tape, core/yamltape.h), and libyaml is handed
 * an empty line for each item instead.  The loader (core/yamlstream.c)
 * checks that libyaml then really sees a key `entries` at that place with
 * nothing (or a list continuing below) as its value, and puts the recorded
 * items there.  If anything else happens (the line was inside a block
 * scalar, the key is not a map's, an error), the loader reads the file
 * again without the lane: the lane can make loading faster, never
 * different.
 */
#ifndef BPFAPPLY_YAMLREAD_H
#define BPFAPPLY_YAMLREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "core/yamltape.h"

/* No value of a manifest comes near: the longest, a 1 MiB map value as DATA, is ~3 MiB. */
#define VALUE_MAX_BYTES (16u << 20)
#define FLOW_MAX_DEPTH 64

/* The items hidden after one `entries:` line. */
struct ylane_block {
	yaml_mark_t key;   /* the key's line and column (0-based, as libyaml's) */
	yaml_mark_t first; /* the first item's dash */
	size_t end_line;   /* the first line after, not blank, not an item (SIZE_MAX: none) */
	size_t dash_col;
	size_t n;          /* items */
	size_t bytes;      /* of their events on the tape */
	bool over;         /* the lane_item_limit-th item is here, at over_mark */
	yaml_mark_t over_mark;
	bool done;         /* the reader has gone past the list */
	bool refused;      /* the loader met the key and it was not a map's: hide nothing */
	bool spliced;      /* the loader has put the items in place (tape moved) */
	struct ytape tape;
};

struct yreader {
	int fd;
	/* the file, a buffer at a time; lines are cut from it */
	unsigned char *in;
	size_t in_pos, in_len;
	bool eof;
	uint64_t in_offset;  /* of in[0] in the file */
	size_t line;         /* of the next byte handed over (libyaml's count if no \r) */
	bool mid_line;       /* part of the current line was handed over already */
	/* the flow scan */
	int depth;
	char quote, last;
	bool comment, escaped;
	bool too_deep;
	uint64_t offset;     /* of the byte too deep */
	int err;             /* a read error, -errno */
	uint64_t run;        /* bytes handed to libyaml since its last event */
	yaml_mark_t run_from; /* the end of that event */
	bool too_long;
	/* the entries lane */
	bool lane;
	bool lane_stop;      /* no more blocks: lines no longer counted as libyaml does */
	int lane_state;
	size_t lane_bytes;   /* the tapes' total */
	size_t lane_cap_bytes; /* beyond, libyaml reads the items (the loader's limit reports) */
	size_t lane_item_limit; /* the loader's item limit, for its over_mark */
	struct ylane_block *blocks;
	size_t n_blocks;
	size_t n_empty;      /* blocks that ended with no item (bounded: the lane stops) */
	bool started;        /* the first bytes were looked at (a UTF-16 BOM stops the lane) */
};

/* Read fd for parser p; lane: keep plain entries items away from libyaml. */
void yreader_start(struct yreader *r, int fd, yaml_parser_t *p, bool lane);
/* Free what the reader holds (blocks not spliced, the buffer); fd stays open. */
void yreader_free(struct yreader *r);
/* Line and column (1-based) of byte offset of the file, read again (for an error). */
void yreader_offset_loc(int fd, uint64_t offset, int *line, int *col);

#endif
