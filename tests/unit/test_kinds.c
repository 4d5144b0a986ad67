// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kinds' registries against the list in docs/design-notes.md ("Adding a
 * kind"): every kind fills what the drivers call without asking, in both
 * tables, and the names the layout and the manifest use are unique.
 */
#include <string.h>

#include "kind.h"
#include "unit.h"

static void test_pure_tables(void **state)
{
	unsigned int k, j, n = 0;

	(void)state;
	for_each_kind(k) {
		const struct kind_ops *ops = kind_ops_get(k);

		assert_non_null(ops);
		assert_int_equal(ops->kind, k);
		assert_non_null(ops->name);
		assert_non_null(ops->section);
		assert_non_null(ops->dir);
		assert_non_null(ops->shape);
		assert_non_null(ops->parse);
		assert_non_null(ops->spec_clear);
		assert_true(ops->spec_size > 0);
		assert_non_null(ops->deps);
		assert_non_null(ops->diff);
		assert_non_null(ops->describe);
		assert_non_null(ops->json_attrs);
		assert_non_null(ops->free_live);
		assert_non_null(ops->status);
		for (j = KIND__FIRST; j < k; j++) {
			assert_string_not_equal(ops->name, kind_ops_get(j)->name);
			assert_string_not_equal(ops->section, kind_ops_get(j)->section);
			assert_string_not_equal(ops->dir, kind_ops_get(j)->dir);
		}
		n++;
	}
	assert_int_equal(n, 4);
	/* the state record's kind codes: never renumbered */
	assert_int_equal(KIND_MAP, 1);
	assert_int_equal(KIND_PROGRAM, 2);
	assert_int_equal(KIND_ITERATOR, 3);
	assert_int_equal(KIND_LINK, 4);
	assert_null(kind_ops_get(0));
	assert_null(kind_ops_get(KIND__COUNT));
	assert_string_equal(kind_name(KIND_ITERATOR), "iterator");
	assert_string_equal(kind_name(99), "?");
	assert_int_equal(kind_count(KIND_MAP, NULL), 0);
}

static void test_kernel_tables(void **state)
{
	unsigned int k;

	(void)state;
	for_each_kind(k) {
		const struct kind_kernel_ops *ops = kind_kernel_get(k);

		assert_non_null(ops);
		assert_non_null(ops->read_live);
		assert_non_null(ops->fingerprint_live);
		assert_non_null(ops->stage);
		assert_non_null(ops->commit);
		assert_non_null(ops->record);
		/* pairs: one without the other would leave a change half undone */
		assert_true(!ops->update == !ops->undo_update);
		assert_true(!ops->attach == !ops->undo_attach);
		assert_true(!ops->features == !ops->features_key);
	}
	assert_null(kind_kernel_get(0));
	assert_null(kind_kernel_get(KIND__COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pure_tables),
		cmocka_unit_test(test_kernel_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
