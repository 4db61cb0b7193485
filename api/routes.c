/* placeholder until the API lands */
#include "api.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void api_error_response(struct api_response *resp, int code, const char *message)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf, "{\"error_code\":%d,\"message\":\"%s\"}", code, message);
    resp->status = code >= 10000 ? code / 100 : code;
    resp->content_type = "application/vnd.schemaregistry.v1+json";
    resp->body = strdup(buf);
    resp->body_len = (size_t)n;
}
void api_handle(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp)
{
    (void)ctx; (void)req;
    api_error_response(resp, 404, "HTTP 404 Not Found");
}
void api_response_free(struct api_response *resp)
{
    free(resp->body);
    resp->body = NULL;
}
