/* SPDX-License-Identifier: Apache-2.0 */
/* fake_api.c — a stand-in for api/ so the HTTP front end can be tested alone. It records
 * the last api_request it was handed, echoes bodies on /echo, answers 405 for methods the
 * api does not know, on /slow blocks until the test releases it, defers its reply to /later
 * (api_handle_async()) until the test answers it from its own thread, and calls every PUT
 * blocking (api_request_blocks()). */
#include "fake_api.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct fake_seen last;
static int calls;
static int slow_entered;
static int slow_released;
/* the deferred /later request */
static int later_entered;
static api_ready_fn later_ready;
static void *later_arg, *later_tag;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void fake_api_reset(void)
{
    pthread_mutex_lock(&mu);
    free(last.uri);
    free(last.content_type);
    free(last.accept);
    free(last.body);
    memset(&last, 0, sizeof last);
    calls = 0;
    slow_entered = 0;
    slow_released = 0;
    later_entered = 0;
    pthread_mutex_unlock(&mu);
}

int fake_api_calls(void)
{
    int n;
    pthread_mutex_lock(&mu);
    n = calls;
    pthread_mutex_unlock(&mu);
    return n;
}

const struct fake_seen *fake_api_last(void)
{
    return &last;
}

void fake_api_wait_slow_entered(void)
{
    pthread_mutex_lock(&mu);
    while (!slow_entered)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

void fake_api_release_slow(void)
{
    pthread_mutex_lock(&mu);
    slow_released = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

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
    (void)ctx;
    pthread_mutex_lock(&mu);
    calls++;
    free(last.uri);
    free(last.content_type);
    free(last.accept);
    free(last.body);
    last.method = req->method;
    last.uri = strdup(req->uri);
    last.content_type = dup_or_null(req->content_type);
    last.accept = dup_or_null(req->accept);
    last.body_len = req->body_len;
    last.body = malloc(req->body_len + 1);
    if (req->body_len)
        memcpy(last.body, req->body, req->body_len);
    last.body[req->body_len] = '\0';
    if (strcmp(req->uri, "/slow") == 0) {
        slow_entered = 1;
        pthread_cond_broadcast(&cv);
        while (!slow_released)
            pthread_cond_wait(&cv, &mu);
    }
    pthread_mutex_unlock(&mu);

    if (req->method == API_OTHER) {
        api_error_response(resp, 405, "HTTP 405 Method Not Allowed");
        return;
    }
    resp->status = 200;
    resp->content_type = "application/vnd.schemaregistry.v1+json";
    resp->body = malloc(req->body_len + 2);
    if (req->body_len) {
        memcpy(resp->body, req->body, req->body_len);
        resp->body_len = req->body_len;
    } else {
        memcpy(resp->body, "{}", 2);
        resp->body_len = 2;
    }
}

void api_response_free(struct api_response *resp)
{
    free(resp->body);
    resp->body = NULL;
}

bool api_handle_async(const struct api_ctx *ctx, const struct api_request *req, struct api_response *resp,
                      api_ready_fn ready, void *arg, void *tag)
{
    if (strcmp(req->uri, "/later") != 0) {
        api_handle(ctx, req, resp);
        return false;
    }
    pthread_mutex_lock(&mu);
    calls++;
    later_ready = ready;
    later_arg = arg;
    later_tag = tag;
    later_entered = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    return true;
}

void fake_api_wait_later_entered(void)
{
    pthread_mutex_lock(&mu);
    while (!later_entered)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
}

void fake_api_answer_later(int status)
{
    struct api_response resp = {0};
    pthread_mutex_lock(&mu);
    later_entered = 0;
    pthread_mutex_unlock(&mu);
    resp.status = status;
    resp.content_type = "application/vnd.schemaregistry.v1+json";
    resp.body = strdup("{\"later\":true}");
    resp.body_len = strlen(resp.body);
    later_ready(later_arg, later_tag, &resp);
}

bool api_request_blocks(const struct api_request *req)
{
    return req->method == API_PUT;
}
