/* SPDX-License-Identifier: Apache-2.0 */
/* config.h — the server's settings, layered defaults < config file < environment < flags.
 * Pure: it reads only what it is handed (argv, an environment array, the named file) and
 * never prints or exits, so tests can drive every precedence rule and every bad value. */
#ifndef SERVER_CONFIG_H
#define SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sr_error.h"

enum server_log_level { SERVER_LOG_ERROR = 0, SERVER_LOG_WARN, SERVER_LOG_INFO, SERVER_LOG_DEBUG };

struct server_config {
    char *listen_host;    /* host part of --listen, without IPv6 brackets */
    unsigned listen_port; /* 0: let the kernel pick */
    char *db_path;        /* SQLite file */
    int threads;          /* worker threads, >= 1 */
    enum server_log_level log_level;
    size_t max_body_bytes;   /* larger request bodies get 413 */
    size_t max_schema_bytes; /* passed to api_config.max_schema_bytes */
    size_t max_header_bytes; /* request line plus headers */
    int request_timeout;     /* seconds of socket inactivity before a connection is dropped */
    int shutdown_timeout;    /* seconds in-flight requests get after SIGTERM */
    char *port_file;         /* NULL: none */
    char *cluster_id;        /* GET /v1/metadata/id; NULL: empty */
    bool mode_mutability;    /* false: every mode change is refused (42205) */
};

enum server_config_action {
    SERVER_CONFIG_RUN,     /* start the server */
    SERVER_CONFIG_HELP,    /* --help: print server_config_usage() and exit 0 */
    SERVER_CONFIG_VERSION, /* --version: print the version and exit 0 */
};

/* Fills cfg from defaults, then the config file (--config FILE, else SR_CONFIG), then the
 * environment (envp: NULL-terminated "NAME=value" strings, may be NULL), then argv[1..].
 * Returns 0 and sets *action; on a bad flag, value or file returns -1 with err->message
 * naming the culprit (code SR_ERR_BAD_REQUEST). cfg owns its strings either way; release
 * with server_config_free(). */
SR_MUST_CHECK int server_config_load(struct server_config *cfg, int argc, char *const argv[],
                                     char *const envp[], enum server_config_action *action,
                                     struct sr_error *err);
/* Frees the strings of cfg (not cfg itself). Accepts NULL. */
void server_config_free(struct server_config *cfg);
/* Writes the --help text. */
void server_config_usage(FILE *out);
/* "error", "warn", "info" or "debug". */
const char *server_log_level_name(enum server_log_level level);

#endif
