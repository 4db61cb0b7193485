/* SPDX-License-Identifier: Apache-2.0 */
/* store_internal.h — hooks of the storage module for its tests only; api/ and server/ never
 * include this. */
#ifndef STORE_INTERNAL_H
#define STORE_INTERNAL_H

#include "store.h"

/* Makes the next n COMMITs of st fail (SQLite's commit hook turns them into ROLLBACKs), so
 * that tests can exercise the failure of a group commit; 0 removes the hook. Call outside
 * any section of st. */
void store_inject_commit_failures(struct store *st, int n);

#endif
