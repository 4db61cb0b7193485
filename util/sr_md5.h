/* SPDX-License-Identifier: Apache-2.0 */
/* sr_md5.h — MD5 (RFC 1321), used only for Confluent's schema identity hash and guid,
 * never for security. */
#ifndef SR_MD5_H
#define SR_MD5_H

#include <stddef.h>
#include <stdint.h>

struct sr_md5 {
    uint32_t state[4];
    uint64_t bytes;
    unsigned char block[64];
};

void sr_md5_init(struct sr_md5 *m);
void sr_md5_update(struct sr_md5 *m, const void *data, size_t len);
void sr_md5_final(struct sr_md5 *m, unsigned char digest[16]);
/* Formats 16 bytes as a lowercase 8-4-4-4-12 UUID string (37 bytes with NUL). */
void sr_md5_uuid(const unsigned char digest[16], char out[37]);

#endif
