// SPDX-License-Identifier: GPL-2.0-only
/* Fault injection points of the executor (see fault.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/fault.h"

#define FAULT_EXIT 86

void fault_point(const char *what)
{
	static long count, after = -1;
	static int trace = -1;
	const char *env;

	if (after < 0) {
		env = getenv("BPFAPPLY_FAULT_AFTER");
		after = env && *env ? strtol(env, NULL, 10) : 0;
		env = getenv("BPFAPPLY_FAULT_TRACE");
		trace = env && *env == '1';
	}
	count++;
	if (trace)
		fprintf(stderr, "fault point %ld: %s\n", count, what);
	if (after > 0 && count == after) {
		fprintf(stderr, "bpfapply: fault injection: stopping dead after %s (point %ld)\n",
			what, count);
		_exit(FAULT_EXIT);
	}
}
