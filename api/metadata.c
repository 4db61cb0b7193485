/* SPDX-License-Identifier: Apache-2.0 */
/* metadata.c — the liveness root (spec 5.1) and /v1/metadata/... (spec 5.9): static answers
 * built from api_config, no store access. */
#include "api_internal.h"

API_HANDLER(get_root)
{
    (void)ctx;
    (void)req;
    (void)err;
    resp->body = json_object();
    return 0;
}

API_HANDLER(post_root)
{
    (void)ctx;
    (void)req;
    (void)err;
    resp->body = json_object();
    return 0;
}

API_HANDLER(get_v1_metadata_id)
{
    (void)req;
    (void)err;
    json_t *clusters = json_object();
    /* Tooling reads kafka-cluster as a string, so it is always present. */
    const char *cid = ctx->cfg && ctx->cfg->cluster_id ? ctx->cfg->cluster_id : "";
    json_object_set_new(clusters, "kafka-cluster", json_string(cid));
    json_object_set_new(clusters, "schema-registry-cluster", json_string("schema-registry"));
    resp->body = json_pack("{s:{s:[], s:o}}", "scope", "path", "clusters", clusters);
    return 0;
}

API_HANDLER(get_v1_metadata_version)
{
    (void)req;
    (void)err;
    const char *v = ctx->cfg && ctx->cfg->server_version ? ctx->cfg->server_version : "8.1.0";
    const char *c = ctx->cfg && ctx->cfg->commit_id ? ctx->cfg->commit_id : "";
    resp->body = json_pack("{s:s, s:s}", "version", v, "commitId", c);
    return 0;
}

API_HANDLER(get_v1_metadata_deployment)
{
    (void)ctx;
    (void)req;
    (void)err;
    resp->body = json_pack("{s:[]}", "attributes");
    return 0;
}
