/* SPDX-License-Identifier: Apache-2.0 */
/* config.c — one table of settings, each reachable as a config-file key, an SR_* environment
 * variable and a --flag, applied in the order defaults, file, environment, flags so that the
 * later source wins. Values are validated here, once, whatever their source. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sr_buf.h"

enum setting_kind { KIND_LISTEN, KIND_STRING, KIND_OPT_STRING, KIND_INT, KIND_SIZE, KIND_LEVEL, KIND_BOOL };

struct setting {
    const char *key; /* config-file key; the flag is --key with '_' -> '-', the env var SR_KEY */
    enum setting_kind kind;
    size_t offset;      /* into struct server_config */
    long long min, max; /* KIND_INT, KIND_SIZE */
    const char *help;
};

#define OFF(field) offsetof(struct server_config, field)

static const struct setting settings[] = {
    {"listen", KIND_LISTEN, 0, 0, 0, "HOST:PORT to listen on (port 0 picks a free port) [127.0.0.1:8081]"},
    {"db", KIND_STRING, OFF(db_path), 0, 0, "SQLite database file [./data/schema-registry.db]"},
    {"threads", KIND_INT, OFF(threads), 1, 1024, "worker threads [16, or 2 per core if more]"},
    {"log_level", KIND_LEVEL, OFF(log_level), 0, 0, "error|warn|info|debug [info]"},
    {"max_body_bytes", KIND_SIZE, OFF(max_body_bytes), 1, (long long)1 << 40,
     "largest accepted request body, e.g. 16MiB [16MiB]"},
    {"max_schema_bytes", KIND_SIZE, OFF(max_schema_bytes), 1, (long long)1 << 40,
     "largest accepted schema text [8MiB]"},
    {"max_header_bytes", KIND_SIZE, OFF(max_header_bytes), 1024, (long long)1 << 30,
     "largest request line plus headers [64KiB]"},
    {"request_timeout", KIND_INT, OFF(request_timeout), 1, 86400,
     "seconds a connection may stay silent [60]"},
    {"shutdown_timeout", KIND_INT, OFF(shutdown_timeout), 0, 86400,
     "seconds in-flight requests get to finish after SIGTERM [10]"},
    {"port_file", KIND_OPT_STRING, OFF(port_file), 0, 0, "write the bound port to this file [none]"},
    {"cluster_id", KIND_OPT_STRING, OFF(cluster_id), 0, 0,
     "Kafka cluster id reported by GET /v1/metadata/id [empty]"},
    {"mode_mutability", KIND_BOOL, OFF(mode_mutability), 0, 0, "allow mode changes (true|false) [true]"},
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static const char *const level_names[] = {"error", "warn", "info", "debug"};

const char *server_log_level_name(enum server_log_level level)
{
    if ((unsigned)level < sizeof(level_names) / sizeof(level_names[0]))
        return level_names[level];
    return "?";
}

static void *field(struct server_config *cfg, const struct setting *s)
{
    return (char *)cfg + s->offset;
}

static void replace_string(char **slot, const char *value)
{
    free(*slot);
    *slot = value ? sr_xstrdup(value) : NULL;
}

/* HOST:PORT or [V6]:PORT. */
static int parse_listen(const char *value, char **host, unsigned *port)
{
    const char *colon;
    const char *h;
    size_t hlen;
    char *end;
    unsigned long p;

    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        if (!close || close[1] != ':')
            return -1;
        h = value + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(value, ':');
        if (!colon)
            return -1;
        h = value;
        hlen = (size_t)(colon - value);
        if (memchr(h, ':', hlen))
            return -1; /* a bare IPv6 address needs brackets */
    }
    if (hlen == 0 || !isdigit((unsigned char)colon[1]))
        return -1;
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (errno || *end || p > 65535)
        return -1;
    free(*host);
    *host = sr_xstrndup(h, hlen);
    *port = (unsigned)p;
    return 0;
}

static int parse_int(const char *value, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    if (!isdigit((unsigned char)value[0]) && value[0] != '-')
        return -1;
    errno = 0;
    v = strtoll(value, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A byte count with an optional binary suffix: 1048576, 1024k, 16M, 16MiB, 1G. */
static int parse_size(const char *value, long long min, long long max, size_t *out)
{
    char *end;
    unsigned long long v;
    unsigned long long mult = 1;

    if (!isdigit((unsigned char)value[0]))
        return -1;
    errno = 0;
    v = strtoull(value, &end, 10);
    if (errno)
        return -1;
    if (*end) {
        char unit = (char)tolower((unsigned char)*end);
        const char *rest = end + 1;
        if (unit == 'k')
            mult = 1ULL << 10;
        else if (unit == 'm')
            mult = 1ULL << 20;
        else if (unit == 'g')
            mult = 1ULL << 30;
        else
            return -1;
        if (*rest && strcmp(rest, "iB") != 0 && strcmp(rest, "B") != 0 && strcmp(rest, "ib") != 0 &&
            strcmp(rest, "b") != 0)
            return -1;
    }
    if (v > ULLONG_MAX / mult)
        return -1;
    v *= mult;
    if (v < (unsigned long long)min || v > (unsigned long long)max || v > SIZE_MAX)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_bool(const char *value, bool *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on"};
    static const char *const no[] = {"false", "0", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(value, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

/* Applies one value; source names where it came from, for the error message. */
static int apply(struct server_config *cfg, const struct setting *s, const char *value, const char *source,
                 struct sr_error *err)
{
    long long n;

    switch (s->kind) {
    case KIND_LISTEN:
        if (parse_listen(value, &cfg->listen_host, &cfg->listen_port) == 0)
            return 0;
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "%s: invalid listen address '%s' (expected HOST:PORT)",
                            source, value);
    case KIND_STRING:
        if (value[0] == '\0')
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "%s: %s must not be empty", source, s->key);
        replace_string(field(cfg, s), value);
        return 0;
    case KIND_OPT_STRING:
        replace_string(field(cfg, s), value[0] ? value : NULL);
        return 0;
    case KIND_INT:
        if (parse_int(value, s->min, s->max, &n) == 0) {
            *(int *)field(cfg, s) = (int)n;
            return 0;
        }
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "%s: invalid %s '%s' (expected an integer %lld..%lld)",
                            source, s->key, value, s->min, s->max);
    case KIND_SIZE:
        if (parse_size(value, s->min, s->max, field(cfg, s)) == 0)
            return 0;
        return sr_error_set(err, SR_ERR_BAD_REQUEST,
                            "%s: invalid %s '%s' (expected a byte count >= %lld, e.g. 16MiB)", source, s->key,
                            value, s->min);
    case KIND_LEVEL:
        for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
            if (strcasecmp(value, level_names[i]) == 0) {
                *(enum server_log_level *)field(cfg, s) = (enum server_log_level)i;
                return 0;
            }
        }
        return sr_error_set(err, SR_ERR_BAD_REQUEST,
                            "%s: invalid log_level '%s' (expected error, warn, info or debug)", source,
                            value);
    case KIND_BOOL:
        if (parse_bool(value, field(cfg, s)) == 0)
            return 0;
        return sr_error_set(err, SR_ERR_BAD_REQUEST, "%s: invalid %s '%s' (expected true or false)", source,
                            s->key, value);
    }
    return sr_error_set(err, SR_ERR_BAD_REQUEST, "%s: unhandled setting %s", source, s->key);
}

static const struct setting *find_by_key(const char *key, size_t len)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        if (strlen(settings[i].key) == len && memcmp(settings[i].key, key, len) == 0)
            return &settings[i];
    }
    return NULL;
}

/* "--max-body-bytes" matches key "max_body_bytes". */
static const struct setting *find_by_flag(const char *flag, size_t len)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        const char *k = settings[i].key;
        size_t j;
        if (strlen(k) != len)
            continue;
        for (j = 0; j < len; j++) {
            char want = k[j] == '_' ? '-' : k[j];
            if (flag[j] != want)
                break;
        }
        if (j == len)
            return &settings[i];
    }
    return NULL;
}

static void env_name(const struct setting *s, char *out, size_t outlen)
{
    size_t n = 0;
    const char *p;
    for (p = "SR_"; *p && n + 1 < outlen; p++)
        out[n++] = *p;
    for (p = s->key; *p && n + 1 < outlen; p++)
        out[n++] = (char)toupper((unsigned char)*p);
    out[n] = '\0';
}

static const char *env_lookup(char *const envp[], const char *name)
{
    size_t len = strlen(name);
    if (!envp)
        return NULL;
    for (size_t i = 0; envp[i]; i++) {
        if (strncmp(envp[i], name, len) == 0 && envp[i][len] == '=')
            return envp[i] + len + 1;
    }
    return NULL;
}

static char *trim(char *s)
{
    char *end;
    while (isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* `key = value` lines; blank lines and lines starting with # are ignored. A value may be
 * wrapped in double quotes to keep leading or trailing spaces or a '#'. */
static int load_file(struct server_config *cfg, const char *path, struct sr_error *err)
{
    FILE *f = NULL;
    char line[4096];
    int lineno = 0;
    int rc = -1;

    f = fopen(path, "r");
    if (!f) {
        sr_error_set(err, SR_ERR_BAD_REQUEST, "cannot open config file '%s': %s", path, strerror(errno));
        goto out;
    }
    while (fgets(line, sizeof line, f)) {
        char *key, *value, *eq;
        const struct setting *s;
        char source[300];
        size_t vlen;

        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            sr_error_set(err, SR_ERR_BAD_REQUEST, "%s:%d: line too long", path, lineno);
            goto out;
        }
        key = trim(line);
        if (*key == '\0' || *key == '#')
            continue;
        eq = strchr(key, '=');
        if (!eq) {
            sr_error_set(err, SR_ERR_BAD_REQUEST, "%s:%d: expected 'key = value'", path, lineno);
            goto out;
        }
        *eq = '\0';
        value = trim(eq + 1);
        key = trim(key);
        vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        } else {
            char *hash = strstr(value, " #");
            if (hash) {
                *hash = '\0';
                value = trim(value);
            }
        }
        s = find_by_key(key, strlen(key));
        if (!s) {
            sr_error_set(err, SR_ERR_BAD_REQUEST, "%s:%d: unknown key '%s'", path, lineno, key);
            goto out;
        }
        snprintf(source, sizeof source, "%s:%d", path, lineno);
        if (apply(cfg, s, value, source, err) != 0)
            goto out;
    }
    if (ferror(f)) {
        sr_error_set(err, SR_ERR_BAD_REQUEST, "cannot read config file '%s'", path);
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    return rc;
}

static void set_defaults(struct server_config *cfg)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    memset(cfg, 0, sizeof *cfg);
    cfg->listen_host = sr_xstrdup("127.0.0.1");
    cfg->listen_port = 8081;
    cfg->db_path = sr_xstrdup("./data/schema-registry.db");
    /* More workers than cores: a request that takes long on the CPU (a compatibility check
     * against a long history takes tens of ms) holds up only the connections of its own
     * worker, and the kernel shares the cores between workers. It costs reads nothing
     * measurable (bench/: by-id and latest req/s alike with 2, 4 and 16 workers on 2 cores,
     * as are durable registrations, whose replies no longer hold a worker). */
    cfg->threads = cores > 8 ? (cores > 512 ? 1024 : (int)cores * 2) : 16;
    cfg->log_level = SERVER_LOG_INFO;
    cfg->max_body_bytes = (size_t)16 << 20;
    cfg->max_schema_bytes = (size_t)8 << 20;
    cfg->max_header_bytes = (size_t)64 << 10;
    cfg->request_timeout = 60;
    cfg->shutdown_timeout = 10;
    cfg->port_file = NULL;
    cfg->cluster_id = NULL; /* the api reports an empty id */
    cfg->mode_mutability = true;
}

/* Splits "--name=value" / "--name value"; returns the value or NULL if missing. */
static const char *flag_value(int argc, char *const argv[], int *i, const char *eq)
{
    if (eq)
        return eq + 1;
    if (*i + 1 < argc) {
        (*i)++;
        return argv[*i];
    }
    return NULL;
}

int server_config_load(struct server_config *cfg, int argc, char *const argv[], char *const envp[],
                       enum server_config_action *action, struct sr_error *err)
{
    const char *config_path = NULL;
    char name[64];

    set_defaults(cfg);
    *action = SERVER_CONFIG_RUN;

    /* First pass: --help/--version win over everything, and the config file must be known
     * before the flags that override it are applied. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *action = SERVER_CONFIG_HELP;
            return 0;
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            *action = SERVER_CONFIG_VERSION;
            return 0;
        }
        if (strcmp(a, "--config") == 0 || strncmp(a, "--config=", 9) == 0) {
            config_path = flag_value(argc, argv, &i, a[8] == '=' ? a + 8 : NULL);
            if (!config_path || !*config_path)
                return sr_error_set(err, SR_ERR_BAD_REQUEST, "--config requires a file name");
        }
    }
    if (!config_path)
        config_path = env_lookup(envp, "SR_CONFIG");
    if (config_path && *config_path && load_file(cfg, config_path, err) != 0)
        return -1;

    for (size_t k = 0; k < NSETTINGS; k++) {
        const char *value;
        env_name(&settings[k], name, sizeof name);
        value = env_lookup(envp, name);
        if (value && apply(cfg, &settings[k], value, name, err) != 0)
            return -1;
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *eq, *value;
        const struct setting *s;
        size_t len;
        char source[80];

        if (strncmp(a, "--", 2) != 0 || a[2] == '\0')
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "unexpected argument '%s'", a);
        eq = strchr(a, '=');
        len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len == 6 && strncmp(a + 2, "config", 6) == 0) {
            (void)flag_value(argc, argv, &i, eq); /* already loaded */
            continue;
        }
        s = find_by_flag(a + 2, len);
        if (!s)
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "unknown option '%.*s'", (int)(len + 2), a);
        value = flag_value(argc, argv, &i, eq);
        if (!value)
            return sr_error_set(err, SR_ERR_BAD_REQUEST, "option '%s' requires a value", a);
        snprintf(source, sizeof source, "--%.*s", (int)len, a + 2);
        if (apply(cfg, s, value, source, err) != 0)
            return -1;
    }
    return 0;
}

void server_config_free(struct server_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->listen_host);
    free(cfg->db_path);
    free(cfg->port_file);
    free(cfg->cluster_id);
    cfg->listen_host = cfg->db_path = cfg->port_file = cfg->cluster_id = NULL;
}

void server_config_usage(FILE *out)
{
    char env[64];

    fputs("Usage: schema-registry [OPTIONS]\n"
          "A Confluent-compatible Schema Registry.\n\n"
          "Options (each also settable as SR_<KEY> in the environment or `key = value` in a\n"
          "config file; flags beat the environment, which beats the file):\n",
          out);
    fputs("  --config FILE              read settings from FILE (also SR_CONFIG)\n", out);
    for (size_t i = 0; i < NSETTINGS; i++) {
        char flag[64];
        size_t n = 0;
        for (const char *p = settings[i].key; *p && n + 1 < sizeof flag; p++)
            flag[n++] = *p == '_' ? '-' : *p;
        flag[n] = '\0';
        env_name(&settings[i], env, sizeof env);
        fprintf(out, "  --%-24s %s\n  %-26s (%s, key %s)\n", flag, settings[i].help, "", env,
                settings[i].key);
    }
    fputs("  --help                     show this text and exit\n"
          "  --version                  print the version and exit\n",
          out);
}
