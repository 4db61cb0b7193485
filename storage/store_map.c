/* SPDX-License-Identifier: Apache-2.0 */
/* store_map.c — linear-probing hash table with backward-shift deletion (no tombstones, so
 * lookups stay short however many subjects come and go). Allocation failure aborts through
 * sr_xcalloc, which keeps the in-memory apply of a committed write infallible. */
#include "store_map.h"

#include <stdlib.h>
#include <string.h>

#include "sr_buf.h"

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

uint64_t store_hash_bytes(uint64_t seed, const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = mix64(seed ^ (len * 0x9e3779b97f4a7c15ULL));
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix64(h ^ w) * 0x9e3779b97f4a7c15ULL;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    return mix64(h ^ tail ^ ((uint64_t)len << 56));
}

static void place(struct store_map_slot *slots, size_t mask, uint64_t hash, void *val)
{
    size_t i = (size_t)hash & mask;
    while (slots[i].val)
        i = (i + 1) & mask;
    slots[i].hash = hash;
    slots[i].val = val;
}

static void grow(struct store_map *m)
{
    size_t cap = m->slots ? (m->mask + 1) * 2 : 16;
    struct store_map_slot *slots = sr_xcalloc(cap, sizeof *slots);
    if (m->slots) {
        for (size_t i = 0; i <= m->mask; i++)
            if (m->slots[i].val)
                place(slots, cap - 1, m->slots[i].hash, m->slots[i].val);
    }
    free(m->slots);
    m->slots = slots;
    m->mask = cap - 1;
}

void *store_map_find(const struct store_map *m, uint64_t hash, store_map_eq_fn eq, const void *key)
{
    if (!m->slots)
        return NULL;
    for (size_t i = (size_t)hash & m->mask; m->slots[i].val; i = (i + 1) & m->mask) {
        if (m->slots[i].hash == hash && eq(m->slots[i].val, key))
            return m->slots[i].val;
    }
    return NULL;
}

void store_map_insert(struct store_map *m, uint64_t hash, void *val)
{
    /* Keep the load factor at or below 3/4 so probe sequences stay short. */
    if (!m->slots || (m->count + 1) * 4 > (m->mask + 1) * 3)
        grow(m);
    place(m->slots, m->mask, hash, val);
    m->count++;
}

void *store_map_remove(struct store_map *m, uint64_t hash, store_map_eq_fn eq, const void *key)
{
    if (!m->slots)
        return NULL;
    size_t i = (size_t)hash & m->mask;
    while (m->slots[i].val && !(m->slots[i].hash == hash && eq(m->slots[i].val, key)))
        i = (i + 1) & m->mask;
    void *val = m->slots[i].val;
    if (!val)
        return NULL;
    /* Backward-shift: pull later members of the probe run into the hole when their home
     * slot does not lie (cyclically) between the hole and their current position. */
    size_t hole = i;
    for (size_t j = (i + 1) & m->mask; m->slots[j].val; j = (j + 1) & m->mask) {
        size_t home = (size_t)m->slots[j].hash & m->mask;
        if (((j - home) & m->mask) >= ((j - hole) & m->mask)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].val = NULL;
    m->slots[hole].hash = 0;
    m->count--;
    return val;
}

void store_map_free(struct store_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
}
