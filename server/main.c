/* SPDX-License-Identifier: Apache-2.0 */
/* main.c — the schema-registry process: settings, the store, the HTTP workers, and a main
 * thread that only waits for SIGTERM/SIGINT to shut everything down in order (stop
 * accepting, finish in-flight requests, join workers, close the store, exit 0). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "api.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "sr_buf.h"
#include "store.h"

#ifndef SR_VERSION
#define SR_VERSION "0.0.0"
#endif
#ifndef SR_COMMIT_ID
#define SR_COMMIT_ID "unknown"
#endif

/* What GET /v1/metadata/version reports: clients and tools compare it with Confluent
 * releases, so a Confluent-style version is the safe choice (spec, /v1/metadata/version). */
#define SR_CONFLUENT_VERSION "8.1.0"

extern char **environ;

/* mkdir -p of the directory part of path. */
static int make_parent_dirs(const char *path, struct sr_error *err)
{
    char *dir = sr_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;

    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; *p; p++) {
            if (*p != '/')
                continue;
            *p = '\0';
            if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
                rc = sr_error_set(err, SR_ERR_INTERNAL, "cannot create directory '%s': %s", dir,
                                  strerror(errno));
                goto out;
            }
            *p = '/';
        }
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            rc = sr_error_set(err, SR_ERR_INTERNAL, "cannot create directory '%s': %s", dir, strerror(errno));
    }
out:
    free(dir);
    return rc;
}

/* Writes "PORT\n" to a temporary file next to path and renames it over path, so a reader
 * never sees a partial number. */
static int write_port_file(const char *path, unsigned port, struct sr_error *err)
{
    size_t len = strlen(path) + 32;
    char *tmp = sr_xmalloc(len);
    FILE *f = NULL;
    int rc = -1;

    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp, "w");
    if (!f) {
        sr_error_set(err, SR_ERR_INTERNAL, "cannot write port file '%s': %s", tmp, strerror(errno));
        goto out;
    }
    fprintf(f, "%u\n", port);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        sr_error_set(err, SR_ERR_INTERNAL, "cannot write port file '%s': %s", tmp, strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        sr_error_set(err, SR_ERR_INTERNAL, "cannot write port file '%s': %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        sr_error_set(err, SR_ERR_INTERNAL, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct event_base *base = arg;

    (void)what;
    server_log(SERVER_LOG_INFO, "received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    event_base_loopexit(base, NULL);
}

int main(int argc, char **argv)
{
    struct server_config cfg;
    enum server_config_action action;
    struct sr_error err = {0};
    struct store *st = NULL;
    struct http_server *srv = NULL;
    struct event_base *base = NULL;
    struct event *ev_term = NULL, *ev_int = NULL;
    struct api_config api_cfg;
    struct api_ctx api = {0};
    struct http_options hopt;
    int rc = 1;

    if (server_config_load(&cfg, argc, argv, environ, &action, &err) != 0) {
        fprintf(stderr, "schema-registry: %s\nTry 'schema-registry --help' for more information.\n",
                err.message);
        server_config_free(&cfg);
        return 2;
    }
    if (action == SERVER_CONFIG_HELP) {
        server_config_usage(stdout);
        server_config_free(&cfg);
        return 0;
    }
    if (action == SERVER_CONFIG_VERSION) {
        printf("schema-registry %s\n", SR_VERSION);
        server_config_free(&cfg);
        return 0;
    }
    server_log_set_level(cfg.log_level);
    /* before any event_base exists: the main thread activates events on worker bases */
    evthread_use_pthreads();
    /* a client that disconnects mid-response must not kill the process */
    signal(SIGPIPE, SIG_IGN);

    if (make_parent_dirs(cfg.db_path, &err) != 0 || store_open(cfg.db_path, &st, &err) != 0) {
        server_log(SERVER_LOG_ERROR, "cannot open database '%s': %s", cfg.db_path, err.message);
        goto out;
    }

    /* Signals go to the main thread's base, which exists before any worker can take
     * a request, so a SIGTERM is never lost once the listening line is out. */
    base = event_base_new();
    if (!base) {
        server_log(SERVER_LOG_ERROR, "cannot create the main event base");
        goto out;
    }
    ev_term = evsignal_new(base, SIGTERM, on_signal, base);
    ev_int = evsignal_new(base, SIGINT, on_signal, base);
    if (!ev_term || !ev_int || evsignal_add(ev_term, NULL) != 0 || evsignal_add(ev_int, NULL) != 0) {
        server_log(SERVER_LOG_ERROR, "cannot install signal handlers");
        goto out;
    }

    memset(&api_cfg, 0, sizeof api_cfg);
    api_cfg.max_schema_bytes = cfg.max_schema_bytes;
    api_cfg.server_version = SR_CONFLUENT_VERSION;
    api_cfg.commit_id = SR_COMMIT_ID;
    api_cfg.cluster_id = cfg.cluster_id;
    api_cfg.mode_mutability = cfg.mode_mutability;
    api.st = st;
    api.cfg = &api_cfg;
    api.cache = api_cache_new();

    memset(&hopt, 0, sizeof hopt);
    hopt.host = cfg.listen_host;
    hopt.port = cfg.listen_port;
    hopt.threads = cfg.threads;
    hopt.max_body_bytes = cfg.max_body_bytes;
    hopt.max_header_bytes = cfg.max_header_bytes;
    hopt.request_timeout = cfg.request_timeout;
    hopt.shutdown_timeout = cfg.shutdown_timeout;
    hopt.api = &api;
    if (http_server_start(&hopt, &srv, &err) != 0) {
        server_log(SERVER_LOG_ERROR, "%s", err.message);
        goto out;
    }
    if (cfg.port_file && write_port_file(cfg.port_file, http_server_port(srv), &err) != 0) {
        server_log(SERVER_LOG_ERROR, "%s", err.message);
        goto out;
    }
    if (strchr(cfg.listen_host, ':'))
        printf("listening on http://[%s]:%u\n", cfg.listen_host, http_server_port(srv));
    else
        printf("listening on http://%s:%u\n", cfg.listen_host, http_server_port(srv));
    fflush(stdout);
    server_log(SERVER_LOG_INFO,
               "schema-registry %s started: address %s:%u, db %s, %d thread(s), log level %s", SR_VERSION,
               cfg.listen_host, http_server_port(srv), cfg.db_path, cfg.threads,
               server_log_level_name(cfg.log_level));

    if (event_base_dispatch(base) < 0) {
        server_log(SERVER_LOG_ERROR, "main event loop failed");
        goto out;
    }
    http_server_stop(srv);
    srv = NULL;
    store_close(st);
    st = NULL;
    server_log(SERVER_LOG_INFO, "stopped");
    rc = 0;
out:
    http_server_stop(srv);
    /* after the workers are gone: they were the cache's only users */
    api_cache_free(api.cache);
    store_close(st);
    if (ev_term)
        event_free(ev_term);
    if (ev_int)
        event_free(ev_int);
    if (base)
        event_base_free(base);
    server_config_free(&cfg);
    return rc;
}
