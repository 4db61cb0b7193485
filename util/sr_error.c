/* SPDX-License-Identifier: Apache-2.0 */
/* sr_error.c — error constructors; the only place Confluent error wording lives. */
#include "sr_error.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int sr_error_setv(struct sr_error *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
    }
    return -1;
}

int sr_error_set(struct sr_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sr_error_setv(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

void sr_error_clear(struct sr_error *err)
{
    if (err) {
        err->code = 0;
        err->message[0] = '\0';
    }
}

int sr_error_http_status(int code)
{
    if (code >= 10000)
        return code / 100;
    if (code >= 100 && code < 600)
        return code;
    return 500;
}

int sr_err_subject_not_found(struct sr_error *err, const char *subject)
{
    return sr_error_set(err, SR_ERR_SUBJECT_NOT_FOUND, "Subject '%s' not found.", subject);
}

int sr_err_version_not_found(struct sr_error *err, const char *subject, int64_t version)
{
    return sr_error_set(err, SR_ERR_VERSION_NOT_FOUND, "Version %" PRId64 " not found for subject '%s'.",
                        version, subject);
}

int sr_err_schema_not_found(struct sr_error *err)
{
    return sr_error_set(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema not found");
}

int sr_err_schema_id_not_found(struct sr_error *err, int64_t id)
{
    return sr_error_set(err, SR_ERR_SCHEMA_NOT_FOUND, "Schema %" PRId64 " not found", id);
}

int sr_err_subject_soft_deleted(struct sr_error *err, const char *subject)
{
    return sr_error_set(err, SR_ERR_SUBJECT_SOFT_DELETED,
                        "Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject);
}

int sr_err_subject_not_soft_deleted(struct sr_error *err, const char *subject)
{
    return sr_error_set(err, SR_ERR_SUBJECT_NOT_SOFT_DELETED,
                        "Subject '%s' was not deleted first before being permanently deleted", subject);
}

int sr_err_version_soft_deleted(struct sr_error *err, const char *subject, int64_t version)
{
    return sr_error_set(err, SR_ERR_VERSION_SOFT_DELETED,
                        "Subject '%s' Version %" PRId64
                        " was soft deleted.Set permanent=true to delete permanently",
                        subject, version);
}

int sr_err_version_not_soft_deleted(struct sr_error *err, const char *subject, int64_t version)
{
    return sr_error_set(err, SR_ERR_VERSION_NOT_SOFT_DELETED,
                        "Subject '%s' Version %" PRId64
                        " was not deleted first before being permanently deleted",
                        subject, version);
}

int sr_err_subject_config_not_found(struct sr_error *err, const char *subject)
{
    return sr_error_set(err, SR_ERR_SUBJECT_CONFIG_NOT_FOUND,
                        "Subject '%s' does not have subject-level compatibility configured", subject);
}

int sr_err_subject_mode_not_found(struct sr_error *err, const char *subject)
{
    return sr_error_set(err, SR_ERR_SUBJECT_MODE_NOT_FOUND,
                        "Subject '%s' does not have subject-level mode configured", subject);
}

int sr_err_invalid_version(struct sr_error *err, const char *version)
{
    return sr_error_set(err, SR_ERR_INVALID_VERSION,
                        "The specified version '%s' is not a valid version id. Allowed values are between "
                        "[1, 2^31-1] and the string \"latest\"",
                        version);
}

int sr_err_invalid_compatibility(struct sr_error *err, const char *level)
{
    return sr_error_set(err, SR_ERR_INVALID_COMPATIBILITY,
                        "Invalid compatibility level. Valid values are none, backward, forward, full, "
                        "backward_transitive, forward_transitive, and full_transitive: '%s'",
                        level);
}

int sr_err_invalid_mode(struct sr_error *err, const char *mode)
{
    return sr_error_set(
        err, SR_ERR_INVALID_MODE,
        "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT: '%s'", mode);
}

int sr_err_invalid_subject(struct sr_error *err, const char *subject)
{
    return sr_error_set(err, SR_ERR_INVALID_SUBJECT, "The specified subject '%s' is not a valid.", subject);
}

int sr_err_reference_exists(struct sr_error *err, const char *subject, int64_t version)
{
    return sr_error_set(err, SR_ERR_REFERENCE_EXISTS,
                        "One or more references exist to the schema {subject=%s,version=%" PRId64 "}.",
                        subject, version);
}

int sr_err_store(struct sr_error *err, const char *detail)
{
    return sr_error_set(err, SR_ERR_STORE, "Error in the backend data store: %s", detail);
}
