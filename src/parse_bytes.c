// SPDX-License-Identifier: GPL-2.0-only
/*
 * Bytes in a manifest: an integer (little-endian in exactly its size), a
 * DATA string (bpftool's syntax) or a list of bytes, with located errors;
 * map keys and values, program globals.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes.h"
#include "parse.h"

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

char *describe_bytes(const struct bytes *b)
{
	char *hex = bytes_to_hex(b->data, b->len), *s;

	if (!hex)
		xoom();
	s = xasprintf("hex %s", hex);
	free(hex);
	return s;
}

static bool parse_byte_list(struct ytree *t, const yaml_node_t *n, const char *what,
			    struct bytes *out)
{
	size_t len = yseq_len(n), i;
	bool ok = true;
	char buf[128];

	out->len = 0;
	out->data = len ? xzalloc(len) : NULL;
	for (i = 0; i < len; i++) {
		yaml_node_t *item = yseq_item(t, n, i);
		uint64_t v;
		bool neg;

		if (!yis_plain(item) || !parse_int_literal(yscalar(item), &neg, &v)) {
			yerr(t, item, "%s: expected a byte 0..255, got %s", what,
			     ydescribe(item, buf, sizeof(buf)));
			ok = false;
		} else if ((neg && v) || v > 255) {
			yerr(t, item, "%s: byte %s is out of range 0..255", what, yscalar(item));
			ok = false;
		} else {
			out->data[out->len++] = (uint8_t)v;
		}
	}
	if (!ok || !out->len)
		bytes_free(out);
	return ok;
}

/*
 * A plain integer; returns 1 if n was one (good or not), 0 to try the other
 * forms.  dst: room for size bytes to write it to (out then points there),
 * or NULL to allocate.
 */
static int parse_int_bytes(struct ytree *t, const yaml_node_t *n, const char *what,
			   int64_t size, struct bytes *out, bool *ok, uint8_t *dst)
{
	uint32_t sz = size < 0 ? 8 : (uint32_t)size;
	int r;

	if (!yis_plain(n) || yis_null(n))
		return 0;
	if (dst && size >= 0) {
		r = bytes_from_int_into(yscalar(n), sz, dst);
		if (!r)
			*out = (struct bytes){ dst, sz };
	} else {
		r = bytes_from_int(yscalar(n), sz, out);
	}
	if (r == -EINVAL)
		return 0;
	if (r == -ENOMEM)
		xoom();
	*ok = r == 0;
	if (r)
		yerr(t, n, "%s: %s does not fit in %u byte%s", what, yscalar(n), sz, plural(sz));
	return 1;
}

/* parse_bytes_node(), an integer written to dst when there is one (see parse_int_bytes). */
bool parse_bytes_into(struct ytree *t, const yaml_node_t *n, const char *what, int64_t size,
			     const char *size_name, struct bytes *out, uint8_t *dst)
{
	char buf[128], err[160];
	bool ok = false;

	out->data = NULL;
	out->len = 0;
	if (parse_int_bytes(t, n, what, size, out, &ok, dst))
		return ok;
	if (yscalar(n) && !yis_null(n)) {
		int r = bytes_parse_data(yscalar(n), out, err, sizeof(err));

		if (r == -ENOMEM)
			xoom();
		if (r) {
			yerr(t, n, "%s: %s", what, err);
			return false;
		}
	} else if (yis_seq(n)) {
		if (!parse_byte_list(t, n, what, out))
			return false;
	} else {
		yerr(t, n, "%s: expected bytes (\"hex 0f ff\", a list of bytes or an integer), got %s",
		     what, ydescribe(n, buf, sizeof(buf)));
		return false;
	}
	if (size >= 0 && out->len != (uint64_t)size) {
		yerr(t, n, "%s: expected %lld byte%s (%s), got %u", what, (long long)size,
		     plural((uint64_t)size), size_name, out->len);
		bytes_free(out);
		return false;
	}
	return true;
}

bool parse_bytes_node(struct ytree *t, const yaml_node_t *n, const char *what, int64_t size,
		      const char *size_name, struct bytes *out)
{
	return parse_bytes_into(t, n, what, size, size_name, out, NULL);
}

