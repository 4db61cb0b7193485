/* SPDX-License-Identifier: Apache-2.0 */
/* sr_error.h — the one table of Confluent error codes and messages.
 * Library code never prints: it fills a caller-provided struct sr_error, and the
 * API turns it into {"error_code": N, "message": "..."} with sr_error_http_status(). */
#ifndef SR_ERROR_H
#define SR_ERROR_H

#include <stdarg.h>
#include <stdint.h>

#define SR_MUST_CHECK __attribute__((warn_unused_result))
#define SR_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

enum sr_error_code {
    SR_OK = 0,
    /* Framework-level codes equal their HTTP status. */
    SR_ERR_BAD_REQUEST = 400,
    SR_ERR_NOT_FOUND = 404,
    SR_ERR_METHOD_NOT_ALLOWED = 405,
    SR_ERR_PAYLOAD_TOO_LARGE = 413,
    SR_ERR_UNSUPPORTED_MEDIA_TYPE = 415,
    SR_ERR_UNPROCESSABLE = 422,
    SR_ERR_INTERNAL = 500,
    SR_ERR_SUBJECT_NOT_FOUND = 40401,
    SR_ERR_VERSION_NOT_FOUND = 40402,
    SR_ERR_SCHEMA_NOT_FOUND = 40403,
    SR_ERR_SUBJECT_SOFT_DELETED = 40404,
    SR_ERR_SUBJECT_NOT_SOFT_DELETED = 40405,
    SR_ERR_VERSION_SOFT_DELETED = 40406,
    SR_ERR_VERSION_NOT_SOFT_DELETED = 40407,
    SR_ERR_SUBJECT_CONFIG_NOT_FOUND = 40408,
    SR_ERR_SUBJECT_MODE_NOT_FOUND = 40409,
    /* Confluent moved "incompatible" from 409 to 40901 (Dec 2025); the spec picks 40901. */
    SR_ERR_INCOMPATIBLE = 40901,
    SR_ERR_INVALID_SCHEMA = 42201,
    SR_ERR_INVALID_VERSION = 42202,
    SR_ERR_INVALID_COMPATIBILITY = 42203,
    SR_ERR_INVALID_MODE = 42204,
    SR_ERR_OPERATION_NOT_PERMITTED = 42205,
    SR_ERR_REFERENCE_EXISTS = 42206,
    SR_ERR_ID_DOES_NOT_MATCH = 42207,
    SR_ERR_INVALID_SUBJECT = 42208,
    SR_ERR_SCHEMA_TOO_LARGE = 42209,
    SR_ERR_INVALID_RULESET = 42210,
    SR_ERR_CONTEXT_NOT_EMPTY = 42211,
    SR_ERR_STORE = 50001,
    SR_ERR_TIMEOUT = 50002,
};

struct sr_error {
    int code;          /* enum sr_error_code; 0 = no error */
    char message[256]; /* human-readable, NUL-terminated, truncated if longer */
};

/* Sets err (if not NULL) to code and the formatted message. Always returns -1 so that
 * `return sr_error_set(err, ...)` reads as a failing return. */
int sr_error_set(struct sr_error *err, int code, const char *fmt, ...) SR_PRINTF(3, 4);
int sr_error_setv(struct sr_error *err, int code, const char *fmt, va_list ap) SR_PRINTF(3, 0);
void sr_error_clear(struct sr_error *err);

/* HTTP status for an error code: a 5-digit code maps to code / 100, a 3-digit code to itself. */
int sr_error_http_status(int code);

/* One constructor per standard message, so wording cannot drift between handlers.
 * Each returns -1. */
int sr_err_subject_not_found(struct sr_error *err, const char *subject);
int sr_err_version_not_found(struct sr_error *err, const char *subject, int64_t version);
int sr_err_schema_not_found(struct sr_error *err);
int sr_err_schema_id_not_found(struct sr_error *err, int64_t id);
int sr_err_subject_soft_deleted(struct sr_error *err, const char *subject);
int sr_err_subject_not_soft_deleted(struct sr_error *err, const char *subject);
int sr_err_version_soft_deleted(struct sr_error *err, const char *subject, int64_t version);
int sr_err_version_not_soft_deleted(struct sr_error *err, const char *subject, int64_t version);
int sr_err_subject_config_not_found(struct sr_error *err, const char *subject);
int sr_err_subject_mode_not_found(struct sr_error *err, const char *subject);
int sr_err_invalid_version(struct sr_error *err, const char *version);
int sr_err_invalid_compatibility(struct sr_error *err, const char *level);
int sr_err_invalid_mode(struct sr_error *err, const char *mode);
int sr_err_invalid_subject(struct sr_error *err, const char *subject);
int sr_err_reference_exists(struct sr_error *err, const char *subject, int64_t version);
int sr_err_store(struct sr_error *err, const char *detail);

#endif
