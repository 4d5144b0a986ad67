/* SPDX-License-Identifier: GPL-2.0-only */
/* Common includes for the cmocka unit tests. */
#ifndef BPFAPPLY_UNIT_H
#define BPFAPPLY_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#ifndef SRCDIR
#define SRCDIR "."
#endif

#endif
