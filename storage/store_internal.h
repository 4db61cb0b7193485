/* SPDX-License-Identifier: Apache-2.0 */
/* store_internal.h — hooks of the storage module for its tests only; api/ and server/ never
 * include this. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include <stdint.h>

#include "store.h"

/* Makes the next n COMMITs of st fail (SQLite's commit hook turns them into ROLLBACKs), so
 * that tests can exercise the failure of a group commit; 0 removes the hook. Call outside
 * any section of st. */
void store_inject_commit_failures(struct store *st, int n);

/* Test hooks on the pipeline (NULL removes a hook). commit(arg) runs on the committing
 * thread inside every COMMIT; nonzero turns the COMMIT into a ROLLBACK. It may block, which
 * holds a batch in flight. waiting(arg, what) runs under the store's writer lock when a
 * writer starts waiting: 'd' for the batch in flight (group_drain()), 'g' for a writer
 * suspended in group_drain() before its section may open. Call outside any section of st. */
void store_set_test_hooks(struct store *st, int (*commit)(void *arg), void (*waiting)(void *arg, char what),
                          void *arg);

/* How many group commits succeeded so far and how many registrations they carried (for
 * tests and bench_store_register). Call outside any section of st. */
void store_group_stats(struct store *st, uint64_t *commits, uint64_t *members);

#endif
