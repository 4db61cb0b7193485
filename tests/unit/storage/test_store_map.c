/* SPDX-License-Identifier: Apache-2.0 */
/* test_store_map.c — the hash table under storage/'s indexes, including the backward-shift
 * deletion when every key collides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store_map.h"

static bool eq_int(const void *val, const void *key)
{
    return *(const int *)val == *(const int *)key;
}

/* hash_mode 0: a real hash; 1: every key collides; 2: only a few distinct hashes. */
static uint64_t h(int k, int hash_mode)
{
    if (hash_mode == 1)
        return 7;
    if (hash_mode == 2)
        return (uint64_t)(k % 3);
    return store_hash_bytes(42, &k, sizeof k);
}

static void exercise(int hash_mode, int n)
{
    struct store_map m = STORE_MAP_INIT;
    int *vals = calloc((size_t)n, sizeof *vals);
    for (int i = 0; i < n; i++) {
        vals[i] = i;
        store_map_insert(&m, h(i, hash_mode), &vals[i]);
    }
    assert_int_equal(m.count, n);
    for (int i = 0; i < n; i++)
        assert_ptr_equal(store_map_find(&m, h(i, hash_mode), eq_int, &i), &vals[i]);
    int missing = n + 5;
    assert_null(store_map_find(&m, h(missing, hash_mode), eq_int, &missing));
    assert_null(store_map_remove(&m, h(missing, hash_mode), eq_int, &missing));
    /* Remove every other key, then check every key's presence. */
    for (int i = 0; i < n; i += 2)
        assert_ptr_equal(store_map_remove(&m, h(i, hash_mode), eq_int, &i), &vals[i]);
    for (int i = 0; i < n; i++) {
        void *got = store_map_find(&m, h(i, hash_mode), eq_int, &i);
        if (i % 2)
            assert_ptr_equal(got, &vals[i]);
        else
            assert_null(got);
    }
    assert_int_equal(m.count, n / 2);
    /* Re-insert and remove all. */
    for (int i = 0; i < n; i += 2)
        store_map_insert(&m, h(i, hash_mode), &vals[i]);
    for (int i = n - 1; i >= 0; i--)
        assert_ptr_equal(store_map_remove(&m, h(i, hash_mode), eq_int, &i), &vals[i]);
    assert_int_equal(m.count, 0);
    store_map_free(&m);
    free(vals);
}

static void test_map_insert_find_remove_with_good_hash(void **state)
{
    (void)state;
    exercise(0, 5000);
}

static void test_map_survives_total_collision(void **state)
{
    (void)state;
    exercise(1, 300);
}

static void test_map_with_few_distinct_hashes(void **state)
{
    (void)state;
    exercise(2, 500);
}

static void test_hash_depends_on_seed_and_every_byte(void **state)
{
    (void)state;
    const char a[] = "subject-name-long-enough";
    char b[sizeof a];
    memcpy(b, a, sizeof a);
    b[sizeof a - 2] ^= 1;
    assert_true(store_hash_bytes(1, a, sizeof a - 1) != store_hash_bytes(2, a, sizeof a - 1));
    assert_true(store_hash_bytes(1, a, sizeof a - 1) != store_hash_bytes(1, b, sizeof a - 1));
    assert_true(store_hash_bytes(1, a, 3) != store_hash_bytes(1, a, 4));
    assert_int_equal(store_hash_bytes(9, a, 10), store_hash_bytes(9, a, 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_insert_find_remove_with_good_hash),
        cmocka_unit_test(test_map_survives_total_collision),
        cmocka_unit_test(test_map_with_few_distinct_hashes),
        cmocka_unit_test(test_hash_depends_on_seed_and_every_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
