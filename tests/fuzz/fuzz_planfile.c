/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target: the saved plan reader (planfile.h).  A saved plan is a
 * file anyone who can write its directory may have edited, so the reader
 * must refuse anything malformed without crashing, leaking or reading past
 * the input.  When it accepts one, what it returns is checked against the
 * format: a valid scope name, an absolute root, at least one file, and no
 * string with a NUL or a newline in it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "planfile.h"

static void check_accepted(const struct planfile *pf)
{
	size_t i;

	if (!pf->scope || !valid_scope_name(pf->scope))
		abort();
	if (!pf->root || pf->root[0] != '/' || strchr(pf->root, '\n'))
		abort();
	if (!pf->n_files || !pf->files)
		abort();
	for (i = 0; i < pf->n_files; i++)
		if (!pf->files[i] || strchr(pf->files[i], '\n'))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct planfile pf;
	int version;

	if (planfile_parse((const char *)data, size, &pf, &version) == 0) {
		check_accepted(&pf);
		planfile_free(&pf);
	} else if (pf.scope || pf.root || pf.files || pf.n_files) {
		abort(); /* a refused plan leaves nothing behind */
	}
	return 0;
}
