/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A compact record of libyaml events (core/yamltape.c): the loader keeps
 * the items of an `entries:` list in one while it reads the file, and
 * ystream_items() plays them back once the map's sizes are known, without
 * a second pass of libyaml over the file.
 */
#ifndef BPFAPPLY_YAMLTAPE_H
#define BPFAPPLY_YAMLTAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct ytape_chunk;

struct ytape {
	struct ytape_chunk *head, *tail;
	size_t line; /* of the last event put */
};

struct ytape_reader {
	struct ytape_chunk *c;
	size_t off;
	size_t line;
};

/*
 * Record a node event (scalar, alias, collection start or end): its kind,
 * style, start line and column, text and anchor.  Tags are refused before.
 * Returns the bytes it took.
 */
size_t ytape_put(struct ytape *tp, const yaml_event_t *ev);
void ytape_read_start(const struct ytape *tp, struct ytape_reader *r);
/*
 * The next event, false at the end.  Its strings point into the tape: they
 * are valid until ytape_release() frees their chunk; never free them.
 */
bool ytape_get(struct ytape_reader *r, yaml_event_t *ev);
/* Free what r has gone past (a tape played back once). */
void ytape_release(struct ytape *tp, const struct ytape_reader *r);
void ytape_free(struct ytape *tp);

#endif
