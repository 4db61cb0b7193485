/* SPDX-License-Identifier: Apache-2.0 */
/* contexts.c — GET /contexts and DELETE /contexts/{context} (spec 5.8). A context is known
 * from its first registration until it is deleted; the default context is always listed. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

API_HANDLER(get_contexts)
{
    int64_t offset, limit;
    if (api_pagination(req, 0, &offset, &limit, err) != 0)
        return -1;
    const char *prefix = api_query(req, "contextPrefix");
    json_t *arr = json_array();
    size_t k = 0;
    if ((prefix == NULL || strncmp(".", prefix, strlen(prefix)) == 0) && api_in_page(k++, offset, limit))
        json_array_append_new(arr, json_string("."));
    store_read_begin(ctx->st);
    const char *const *ctxs;
    size_t n = store_contexts(ctx->st, &ctxs);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ctxs[i], ".") == 0)
            continue;
        if (prefix != NULL && strncmp(ctxs[i], prefix, strlen(prefix)) != 0)
            continue;
        if (api_in_page(k++, offset, limit))
            json_array_append_new(arr, json_string(ctxs[i]));
    }
    store_read_end(ctx->st);
    resp->body = arr;
    return 0;
}

API_HANDLER(delete_contexts_context)
{
    char *name = api_context_normalize(req->params[0]);
    if (name == NULL)
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "Invalid context name: %s", req->params[0]);
    int rc = 0;
    store_write_begin(ctx->st);
    const char *const *subjects;
    size_t n = store_subjects(ctx->st, &subjects);
    for (size_t i = 0; i < n && rc == 0; i++)
        if (api_subject_in_context(subjects[i], name, NULL))
            rc = sr_error_set(err, SR_ERR_CONTEXT_NOT_EMPTY, "Context %s is not empty", name);
    if (rc == 0 && strcmp(name, ".") != 0) {
        const char *const *ctxs;
        size_t nc = store_contexts(ctx->st, &ctxs);
        bool known = false;
        for (size_t i = 0; i < nc && !known; i++)
            known = strcmp(ctxs[i], name) == 0;
        if (known && store_context_delete(ctx->st, name, err) != 0)
            rc = -1;
    }
    store_write_end(ctx->st);
    free(name);
    if (rc == 0)
        resp->status = 204;
    return rc;
}
