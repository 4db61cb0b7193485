/* SPDX-License-Identifier: Apache-2.0 */
/* store_map.h — the open-addressing hash table behind every in-memory index of storage/.
 * Internal to storage/ (and its tests). The table stores only (hash, value pointer): each
 * value carries its own key, and lookups pass a key plus an equality callback, so one
 * 16-byte slot per entry is all the index costs. Not thread-safe by itself: store.c only
 * mutates a map while it holds the store's rwlock for writing. */
#ifndef STORE_MAP_H
#define STORE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_map_slot {
    uint64_t hash;
    void *val; /* NULL = empty slot */
};

struct store_map {
    struct store_map_slot *slots; /* NULL until the first insert */
    size_t mask;                  /* capacity - 1; capacity is a power of two */
    size_t count;
};

/* Returns true when val (a stored value) has the lookup key `key`. */
typedef bool (*store_map_eq_fn)(const void *val, const void *key);

#define STORE_MAP_INIT                                                                                       \
    {                                                                                                        \
        NULL, 0, 0                                                                                           \
    }

/* Seeded 64-bit hash of len bytes; the seed is per store so that colliding names cannot be
 * precomputed by a client. */
uint64_t store_hash_bytes(uint64_t seed, const void *data, size_t len);

/* The stored value whose key equals key (per eq), or NULL. Borrowed. */
void *store_map_find(const struct store_map *m, uint64_t hash, store_map_eq_fn eq, const void *key);
/* Adds val (not NULL) under hash. The caller guarantees no equal key is present. */
void store_map_insert(struct store_map *m, uint64_t hash, void *val);
/* Removes and returns the value whose key equals key, or NULL if absent. */
void *store_map_remove(struct store_map *m, uint64_t hash, store_map_eq_fn eq, const void *key);
/* Frees the table (not the values). */
void store_map_free(struct store_map *m);

#endif
