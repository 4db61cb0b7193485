/* SPDX-License-Identifier: Apache-2.0 */
/* schema_compat.c — `schema-compat`, the command-line compatibility gate for CI.
 * It decides with the same compat/ code as the registry, so a CI verdict and the
 * registry's verdict cannot differ. Exit codes: 0 compatible, 1 incompatible,
 * 2 invalid input or usage. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "compat.h"
#include "http_client.h"
#include "sr_buf.h"

enum exit_code { EXIT_COMPATIBLE = 0, EXIT_INCOMPATIBLE = 1, EXIT_INVALID = 2 };
enum output_format { OUT_HUMAN, OUT_JSON, OUT_GITHUB };

#define MAX_REFS 256
#define MAX_FILES 4096

struct options {
    const char *command;
    bool type_given;
    enum sr_schema_type type;
    enum compat_level level;
    bool level_given;
    enum output_format format;
    bool quiet;
    bool normalize;
    const char *registry;
    const char *subject;
    const char *git_base;
    const char *ref_names[MAX_REFS];
    const char *ref_values[MAX_REFS];
    size_t nrefs;
    const char **files;
    size_t nfiles;
    /* References apply to the schema files that follow them on the command line, a later
     * --ref replacing an earlier one of the same name: file_nrefs[i] is how many --ref
     * options preceded files[i]. */
    size_t *file_nrefs;
};

/* One verdict about one file, collected so every output format prints the same facts. */
struct verdict {
    char *file;     /* the new schema's path */
    char *previous; /* what it was compared with (path, git ref or registry subject) */
    bool compatible;
    bool invalid; /* could not decide: error message in messages[0] */
    struct compat_result res;
};

struct report {
    struct verdict *items;
    size_t count;
    size_t cap;
};

static void usage(FILE *to)
{
    fputs("usage:\n"
          "  schema-compat check [--type avro|protobuf|json] [--level LEVEL] [--ref NAME=FILE]...\n"
          "                      PREVIOUS... NEW\n"
          "  schema-compat check --registry URL --subject S [--level LEVEL] [--ref NAME=SUBJECT:VERSION]... "
          "NEW\n"
          "  schema-compat check --git-base REF [--level LEVEL] DIR\n"
          "  schema-compat normalize [--type T] [--normalize] [--ref NAME=FILE]... FILE\n"
          "  schema-compat diff [--type T] [--ref NAME=FILE]... OLD NEW   (every change, what it breaks)\n"
          "  schema-compat types          (the schema types this build supports)\n"
          "options: --format human|json|github, -q/--quiet, --help\n"
          "LEVEL: NONE, BACKWARD (default), FORWARD, FULL and *_TRANSITIVE.\n"
          "PREVIOUS files are oldest first. Exit: 0 compatible, 1 incompatible, 2 invalid input.\n"
          "--ref applies to the schema files after it; a later --ref of the same NAME replaces it.\n"
          "--registry credentials: SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=user:password\n",
          to);
}

static char *read_file(const char *path, size_t *len, struct sr_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sr_error_set(err, EXIT_INVALID, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    struct sr_buf b = SR_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        sr_buf_append(&b, chunk, n);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        sr_buf_free(&b);
        sr_error_set(err, EXIT_INVALID, "%s: read error", path);
        return NULL;
    }
    return sr_buf_steal(&b, len);
}

static bool type_from_name(const char *name, enum sr_schema_type *out)
{
    if (strcasecmp(name, "avro") == 0)
        *out = SR_SCHEMA_AVRO;
    else if (strcasecmp(name, "protobuf") == 0 || strcasecmp(name, "proto") == 0)
        *out = SR_SCHEMA_PROTOBUF;
    else if (strcasecmp(name, "json") == 0)
        *out = SR_SCHEMA_JSON;
    else
        return false;
    return true;
}

static bool type_from_extension(const char *path, enum sr_schema_type *out)
{
    const char *dot = strrchr(path, '.');
    if (!dot || strchr(dot, '/'))
        return false;
    if (strcmp(dot, ".avsc") == 0)
        *out = SR_SCHEMA_AVRO;
    else if (strcmp(dot, ".proto") == 0)
        *out = SR_SCHEMA_PROTOBUF;
    else if (strcmp(dot, ".json") == 0)
        *out = SR_SCHEMA_JSON;
    else
        return false;
    return true;
}

static int schema_type_for(const struct options *o, const char *path, enum sr_schema_type *out,
                           struct sr_error *err)
{
    if (o->type_given) {
        *out = o->type;
        return 0;
    }
    if (type_from_extension(path, out))
        return 0;
    return sr_error_set(err, EXIT_INVALID, "%s: cannot tell the schema type from the extension; use --type",
                        path);
}

/* Offline references: --ref NAME=FILE, in the order given (dependencies first). */
struct loaded_refs {
    struct compat_ref refs[MAX_REFS];
    char *texts[MAX_REFS];
    size_t n;
};

static void loaded_refs_free(struct loaded_refs *lr)
{
    for (size_t i = 0; i < lr->n; i++)
        free(lr->texts[i]);
    lr->n = 0;
}

static int load_refs(const struct options *o, size_t upto, struct loaded_refs *lr, struct sr_error *err)
{
    lr->n = 0;
    for (size_t i = 0; i < upto; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(o->ref_names[i], o->ref_names[j]) == 0;
        if (seen)
            continue;
        /* Keep the first position (dependencies first), take the last value given. */
        const char *path = o->ref_values[i];
        for (size_t j = i + 1; j < upto; j++)
            if (strcmp(o->ref_names[i], o->ref_names[j]) == 0)
                path = o->ref_values[j];
        size_t len;
        enum sr_schema_type t;
        char *text = NULL;
        if (schema_type_for(o, path, &t, err) != 0 || !(text = read_file(path, &len, err))) {
            loaded_refs_free(lr);
            return -1;
        }
        lr->texts[lr->n] = text;
        lr->refs[lr->n] = (struct compat_ref){o->ref_names[i], t, text, len};
        lr->n++;
    }
    return 0;
}

static struct compat_schema *parse_text(enum sr_schema_type type, const char *label, const char *text,
                                        size_t len, const struct loaded_refs *lr, unsigned flags,
                                        struct sr_error *err)
{
    struct sr_error perr = {0};
    struct compat_schema *s = compat_schema_parse(type, text, len, lr->refs, lr->n, flags, &perr);
    if (!s)
        sr_error_set(err, EXIT_INVALID, "%s: invalid %s schema: %s", label, sr_schema_type_name(type),
                     perr.message);
    return s;
}

/* Reads and parses the file at path against references already loaded. */
static struct compat_schema *parse_path(enum sr_schema_type type, const char *path,
                                        const struct loaded_refs *lr, unsigned flags, struct sr_error *err)
{
    size_t len;
    char *text = read_file(path, &len, err);
    struct compat_schema *s = text ? parse_text(type, path, text, len, lr, flags, err) : NULL;
    free(text);
    return s;
}

/* Parses the file at path with the first nrefs --ref options (see struct options). */
static struct compat_schema *parse_file(const struct options *o, const char *path, size_t nrefs,
                                        unsigned flags, struct sr_error *err)
{
    enum sr_schema_type type;
    struct loaded_refs lr = {0};
    if (schema_type_for(o, path, &type, err) != 0 || load_refs(o, nrefs, &lr, err) != 0)
        return NULL;
    struct compat_schema *s = parse_path(type, path, &lr, flags, err);
    loaded_refs_free(&lr);
    return s;
}

static struct verdict *report_add(struct report *r, const char *file, const char *previous)
{
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->items = sr_xrealloc(r->items, r->cap * sizeof(*r->items));
    }
    struct verdict *v = &r->items[r->count++];
    memset(v, 0, sizeof(*v));
    v->file = sr_xstrdup(file);
    v->previous = sr_xstrdup(previous ? previous : "");
    v->compatible = true;
    compat_result_init(&v->res);
    return v;
}

static void verdict_invalid(struct verdict *v, const char *message)
{
    v->invalid = true;
    v->compatible = false;
    compat_result_add(&v->res, "%s", message);
}

static void report_free(struct report *r)
{
    for (size_t i = 0; i < r->count; i++) {
        free(r->items[i].file);
        free(r->items[i].previous);
        compat_result_free(&r->items[i].res);
    }
    free(r->items);
}

/* GitHub workflow commands need %, CR and LF escaped in their message. */
static void print_github_escaped(const char *s)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", stdout);
        else if (*s == '\r')
            fputs("%0D", stdout);
        else if (*s == '\n')
            fputs("%0A", stdout);
        else
            putchar(*s);
    }
}

static int report_print(const struct report *r, const struct options *o)
{
    int code = EXIT_COMPATIBLE;
    for (size_t i = 0; i < r->count; i++) {
        if (r->items[i].invalid)
            code = EXIT_INVALID;
        else if (!r->items[i].compatible && code == EXIT_COMPATIBLE)
            code = EXIT_INCOMPATIBLE;
    }
    if (o->quiet)
        return code;
    const char *level = compat_level_name(o->level);
    if (o->format == OUT_JSON) {
        json_t *root = json_object();
        json_t *results = json_array();
        for (size_t i = 0; i < r->count; i++) {
            const struct verdict *v = &r->items[i];
            json_t *msgs = json_array();
            for (size_t m = 0; m < v->res.count; m++)
                json_array_append_new(msgs, json_string(v->res.messages[m]));
            json_array_append_new(
                results, json_pack("{s:s, s:s, s:s, s:o}", "file", v->file, "previous", v->previous, "status",
                                   v->invalid ? "invalid" : (v->compatible ? "compatible" : "incompatible"),
                                   "messages", msgs));
        }
        json_object_set_new(root, "compatible", json_boolean(code == EXIT_COMPATIBLE));
        json_object_set_new(root, "level", json_string(level));
        json_object_set_new(root, "results", results);
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text);
        free(text);
        json_decref(root);
        return code;
    }
    for (size_t i = 0; i < r->count; i++) {
        const struct verdict *v = &r->items[i];
        if (o->format == OUT_GITHUB) {
            for (size_t m = 0; m < v->res.count; m++) {
                printf("::error file=%s,title=%s::", v->file,
                       v->invalid ? "Invalid schema" : "Incompatible schema change");
                if (!v->invalid)
                    printf("%s with %s: ", level, v->previous);
                print_github_escaped(v->res.messages[m]);
                putchar('\n');
            }
            continue;
        }
        if (v->invalid) {
            printf("%s: invalid: %s\n", v->file, v->res.count ? v->res.messages[0] : "");
        } else if (v->compatible) {
            printf("%s: compatible (%s)%s%s\n", v->file, level, *v->previous ? " with " : "", v->previous);
        } else {
            printf("%s: incompatible (%s) with %s\n", v->file, level, v->previous);
            for (size_t m = 0; m < v->res.count; m++)
                printf("%s: %s\n", v->file, v->res.messages[m]);
        }
    }
    return code;
}

/* check PREVIOUS... NEW, all files. */
static void check_files(const struct options *o, struct report *rep)
{
    struct sr_error err = {0};
    const char *new_path = o->files[o->nfiles - 1];
    size_t nprev = o->nfiles - 1;
    struct compat_schema **prev = sr_xcalloc(nprev ? nprev : 1, sizeof(*prev));
    struct compat_schema *candidate = NULL;
    struct verdict *v = report_add(rep, new_path, nprev ? o->files[nprev - 1] : NULL);

    candidate = parse_file(o, new_path, o->file_nrefs[o->nfiles - 1], 0, &err);
    if (!candidate) {
        verdict_invalid(v, err.message);
        goto out;
    }
    for (size_t i = 0; i < nprev; i++) {
        prev[i] = parse_file(o, o->files[i], o->file_nrefs[i], 0, &err);
        if (!prev[i]) {
            verdict_invalid(v, err.message);
            goto out;
        }
    }
    if (compat_check(o->level, candidate, (const struct compat_schema *const *)prev, nprev, &v->res, &err) !=
        0) {
        verdict_invalid(v, err.message);
        goto out;
    }
    v->compatible = v->res.compatible;
    if (!v->compatible && v->res.failed_previous >= 0) {
        free(v->previous);
        v->previous = sr_xstrdup(o->files[v->res.failed_previous]);
    }
out:
    for (size_t i = 0; i < nprev; i++)
        compat_schema_free(prev[i]);
    free(prev);
    compat_schema_free(candidate);
}

/* Runs argv (no shell) and captures its stdout. Returns the exit status, or -1. */
static int run_capture(char *const argv[], struct sr_buf *out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDERR_FILENO);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    char chunk[65536];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
        sr_buf_append(out, chunk, (size_t)n);
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void collect_schema_files(const char *dir, struct sr_buf *paths, size_t *count, int depth)
{
    if (depth > 32)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        struct sr_buf p = SR_BUF_INIT;
        sr_buf_printf(&p, "%s/%s", dir, e->d_name);
        struct stat st;
        enum sr_schema_type t;
        if (stat(p.data, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                collect_schema_files(p.data, paths, count, depth + 1);
            else if (S_ISREG(st.st_mode) && type_from_extension(p.data, &t) && *count < MAX_FILES) {
                sr_buf_append(paths, p.data, p.len + 1);
                (*count)++;
            }
        }
        sr_buf_free(&p);
    }
    closedir(d);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* check --git-base REF DIR: each schema file against its version at REF. */
static void check_git(const struct options *o, struct report *rep)
{
    struct sr_buf paths = SR_BUF_INIT;
    size_t count = 0;
    struct loaded_refs lr = {0};
    struct sr_error err = {0};
    collect_schema_files(o->files[0], &paths, &count, 0);
    const char **list = sr_xcalloc(count ? count : 1, sizeof(*list));
    const char *p = paths.data;
    for (size_t i = 0; i < count; i++, p += strlen(p) + 1)
        list[i] = p;
    qsort(list, count, sizeof(*list), compare_strings);
    if (load_refs(o, o->nrefs, &lr, &err) != 0) {
        verdict_invalid(report_add(rep, o->files[0], NULL), err.message);
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        struct sr_buf spec = SR_BUF_INIT, old = SR_BUF_INIT, label = SR_BUF_INIT;
        const char *rel = strncmp(list[i], "./", 2) == 0 ? list[i] + 2 : list[i];
        sr_buf_printf(&spec, "%s:./%s", o->git_base, rel);
        sr_buf_printf(&label, "%s:%s", o->git_base, rel);
        char *argv[] = {"git", "show", spec.data, NULL};
        int status = run_capture(argv, &old);
        if (status == 0) {
            struct verdict *v = report_add(rep, list[i], label.data);
            enum sr_schema_type type;
            struct compat_schema *before = NULL, *after = NULL;
            if (schema_type_for(o, list[i], &type, &err) != 0 ||
                !(after = parse_path(type, list[i], &lr, 0, &err)) ||
                !(before = parse_text(type, label.data, old.data ? old.data : "", old.len, &lr, 0, &err))) {
                verdict_invalid(v, err.message);
            } else {
                const struct compat_schema *prev[1] = {before};
                if (compat_check(o->level, after, prev, 1, &v->res, &err) != 0)
                    verdict_invalid(v, err.message);
                else
                    v->compatible = v->res.compatible;
            }
            compat_schema_free(before);
            compat_schema_free(after);
        } else if (status < 0 || status == 127) {
            verdict_invalid(report_add(rep, list[i], NULL), "cannot run git");
        }
        /* Any other git failure: the file did not exist at the base; a new schema is compatible. */
        sr_buf_free(&spec);
        sr_buf_free(&old);
        sr_buf_free(&label);
    }
out:
    free(list);
    sr_buf_free(&paths);
    loaded_refs_free(&lr);
}

static char *url_encode(const char *s)
{
    struct sr_buf b = SR_BUF_INIT;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~", c))
            sr_buf_putc(&b, (char)c);
        else
            sr_buf_printf(&b, "%%%02X", c);
    }
    return sr_buf_steal(&b, NULL);
}

/* check --registry URL --subject S NEW: the registry's own compatibility endpoint decides. */
static void check_registry(const struct options *o, struct report *rep)
{
    const char *new_path = o->files[0];
    struct sr_buf label = SR_BUF_INIT;
    sr_buf_printf(&label, "%s subject %s", o->registry, o->subject);
    struct verdict *v = report_add(rep, new_path, label.data);
    sr_buf_free(&label);
    struct sr_error err = {0};
    struct cli_http_reply reply = {0};
    json_t *body = NULL, *answer = NULL;
    char *subject = url_encode(o->subject), *payload = NULL;
    struct sr_buf path = SR_BUF_INIT;
    enum sr_schema_type type;
    size_t len;
    char *text = NULL;

    if (schema_type_for(o, new_path, &type, &err) != 0 || !(text = read_file(new_path, &len, &err))) {
        verdict_invalid(v, err.message);
        goto out;
    }
    body = json_pack("{s:s%, s:s}", "schema", text, len, "schemaType", sr_schema_type_name(type));
    if (o->nrefs) {
        json_t *refs = json_array();
        for (size_t i = 0; i < o->nrefs; i++) {
            /* NAME=SUBJECT:VERSION (VERSION defaults to the latest, -1). */
            const char *value = o->ref_values[i];
            const char *colon = strrchr(value, ':');
            long version = -1;
            char *end = NULL;
            if (colon && colon[1]) {
                version = strtol(colon + 1, &end, 10);
                if (*end)
                    colon = NULL, version = -1;
            } else {
                colon = NULL;
            }
            json_array_append_new(refs, json_pack("{s:s, s:s%, s:I}", "name", o->ref_names[i], "subject",
                                                  value, colon ? (size_t)(colon - value) : strlen(value),
                                                  "version", (json_int_t)version));
        }
        json_object_set_new(body, "references", refs);
    }
    payload = json_dumps(body, JSON_COMPACT);
    sr_buf_printf(&path, "/compatibility/subjects/%s/versions?verbose=true", subject);
    if (o->level_given) {
        /* The endpoint uses the subject's configured level; a requested level is stated for
         * the reader, and checked to match so the gate never silently applies another one. */
        struct cli_http_reply cfg = {0};
        struct sr_buf cpath = SR_BUF_INIT;
        sr_buf_printf(&cpath, "/config/%s?defaultToGlobal=true", subject);
        int rc = cli_http_request(o->registry, "GET", cpath.data, NULL,
                                  getenv("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"), &cfg, &err);
        sr_buf_free(&cpath);
        json_t *c = rc == 0 ? json_loads(cfg.body, 0, NULL) : NULL;
        const char *lvl = json_string_value(json_object_get(c, "compatibilityLevel"));
        enum compat_level got;
        if (rc != 0 || !lvl || compat_level_parse(lvl, &got) != 0 || got != o->level) {
            char msg[256];
            snprintf(msg, sizeof msg, "the registry's level for %s is %s, not the requested %s", o->subject,
                     lvl ? lvl : "unknown", compat_level_name(o->level));
            verdict_invalid(v, rc != 0 ? err.message : msg);
            json_decref(c);
            free(cfg.body);
            goto out;
        }
        json_decref(c);
        free(cfg.body);
    }
    if (cli_http_request(o->registry, "POST", path.data, payload,
                         getenv("SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO"), &reply, &err) != 0) {
        verdict_invalid(v, err.message);
        goto out;
    }
    answer = json_loadb(reply.body, reply.body_len, 0, NULL);
    json_t *ok = json_object_get(answer, "is_compatible");
    if (reply.status != 200 || !json_is_boolean(ok)) {
        const char *msg = json_string_value(json_object_get(answer, "message"));
        char buf[256];
        snprintf(buf, sizeof buf, "registry answered HTTP %d: %s", reply.status, msg ? msg : "(no message)");
        verdict_invalid(v, buf);
        goto out;
    }
    v->compatible = json_is_true(ok);
    json_t *msgs = json_object_get(answer, "messages");
    size_t i;
    json_t *m;
    json_array_foreach(msgs, i, m)
    {
        if (json_is_string(m))
            compat_result_add(&v->res, "%s", json_string_value(m));
    }
    v->res.compatible = v->compatible;
out:
    free(text);
    free(subject);
    free(payload);
    free(reply.body);
    sr_buf_free(&path);
    json_decref(body);
    json_decref(answer);
}

static int cmd_normalize(const struct options *o)
{
    struct sr_error err = {0};
    int code = EXIT_INVALID;
    if (o->nfiles != 1) {
        usage(stderr);
        return EXIT_INVALID;
    }
    {
        struct compat_schema *s =
            parse_file(o, o->files[0], o->file_nrefs[0],
                       o->normalize ? COMPAT_PARSE_NORMALIZE : COMPAT_PARSE_DEFAULT, &err);
        if (s) {
            size_t len;
            const char *canon = compat_schema_canonical(s, &len);
            fwrite(canon, 1, len, stdout);
            putchar('\n');
            compat_schema_free(s);
            code = EXIT_COMPATIBLE;
        }
    }
    if (code != EXIT_COMPATIBLE)
        fprintf(stderr, "%s\n", err.message);
    return code;
}

static const char *breaks_words(unsigned breaks)
{
    switch (breaks & (COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD)) {
    case COMPAT_BREAKS_BACKWARD:
        return "breaks BACKWARD";
    case COMPAT_BREAKS_FORWARD:
        return "breaks FORWARD";
    case COMPAT_BREAKS_BACKWARD | COMPAT_BREAKS_FORWARD:
        return "breaks BACKWARD and FORWARD";
    default:
        return "compatible";
    }
}

/* diff OLD NEW: every change (compat_diff), each with whether it breaks BACKWARD (NEW cannot
 * read OLD's data because of it) and FORWARD (OLD cannot read NEW's data). The overall
 * verdict and the exit code come from compat_can_read in both directions, the registry's
 * own check; when a direction breaks but no listed change is marked for it (or the type has
 * no change list), that check's messages are printed too, so no break goes unexplained. */
static int cmd_diff(const struct options *o)
{
    struct sr_error err = {0};
    struct compat_schema *old = NULL, *new = NULL;
    struct compat_result backward, forward;
    struct compat_changes changes;
    compat_result_init(&backward);
    compat_result_init(&forward);
    compat_changes_init(&changes);
    int code = EXIT_INVALID;
    if (o->nfiles != 2) {
        usage(stderr);
        goto out;
    }
    if (!(old = parse_file(o, o->files[0], o->file_nrefs[0], 0, &err)) ||
        !(new = parse_file(o, o->files[1], o->file_nrefs[1], 0, &err)) ||
        compat_can_read(new, old, &backward, &err) != 0 || compat_can_read(old, new, &forward, &err) != 0 ||
        compat_diff(old, new, &changes, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        goto out;
    }
    size_t olen, nlen;
    const char *otext = compat_schema_canonical(old, &olen), *ntext = compat_schema_canonical(new, &nlen);
    bool identical = olen == nlen && memcmp(otext, ntext, olen) == 0;
    unsigned marked = 0;
    for (size_t i = 0; i < changes.count; i++)
        marked |= changes.items[i].breaks;
    /* The checker's messages are shown for a breaking direction no change explains. */
    bool show_backward = !backward.compatible && !(marked & COMPAT_BREAKS_BACKWARD);
    bool show_forward = !forward.compatible && !(marked & COMPAT_BREAKS_FORWARD);
    const char *type = sr_schema_type_name(compat_schema_type(new));
    code = backward.compatible && forward.compatible ? EXIT_COMPATIBLE : EXIT_INCOMPATIBLE;
    if (o->quiet)
        goto out;
    if (o->format == OUT_JSON) {
        json_t *root = json_pack("{s:s, s:s, s:b, s:b, s:b, s:b, s:[], s:[], s:[]}", "old", o->files[0],
                                 "new", o->files[1], "identical", identical, "backward", backward.compatible,
                                 "forward", forward.compatible, "changesAvailable", changes.supported,
                                 "changes", "backwardBreaks", "forwardBreaks");
        for (size_t i = 0; i < changes.count; i++) {
            const struct compat_change *c = &changes.items[i];
            json_array_append_new(json_object_get(root, "changes"),
                                  json_pack("{s:s, s:s, s:s, s:b, s:b}", "kind", c->kind, "path", c->path,
                                            "description", c->description, "breaksBackward",
                                            (c->breaks & COMPAT_BREAKS_BACKWARD) != 0, "breaksForward",
                                            (c->breaks & COMPAT_BREAKS_FORWARD) != 0));
        }
        for (size_t i = 0; i < backward.count; i++)
            json_array_append_new(json_object_get(root, "backwardBreaks"), json_string(backward.messages[i]));
        for (size_t i = 0; i < forward.count; i++)
            json_array_append_new(json_object_get(root, "forwardBreaks"), json_string(forward.messages[i]));
        char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        puts(text);
        free(text);
        json_decref(root);
        goto out;
    }
    if (o->format == OUT_GITHUB) {
        for (size_t i = 0; i < changes.count; i++) {
            const struct compat_change *c = &changes.items[i];
            printf("::%s file=%s,title=%s::%s: %s: ", c->breaks ? "error" : "notice", o->files[1],
                   c->breaks ? "Breaking schema change" : "Schema change", c->path, c->kind);
            print_github_escaped(c->description);
            printf(" (%s)\n", breaks_words(c->breaks));
        }
        if (!changes.supported)
            printf("::notice file=%s,title=No change list::%s has no change list in this build; only the "
                   "verdicts are shown\n",
                   o->files[1], type);
        for (size_t i = 0; show_backward && i < backward.count; i++) {
            printf("::error file=%s,title=Breaking schema change::breaks BACKWARD: ", o->files[1]);
            print_github_escaped(backward.messages[i]);
            putchar('\n');
        }
        for (size_t i = 0; show_forward && i < forward.count; i++) {
            printf("::error file=%s,title=Breaking schema change::breaks FORWARD: ", o->files[1]);
            print_github_escaped(forward.messages[i]);
            putchar('\n');
        }
        goto out;
    }
    printf("%s -> %s: %s, %zu change%s; BACKWARD %s; FORWARD %s\n", o->files[0], o->files[1],
           identical ? "identical" : "changed", changes.count, changes.count == 1 ? "" : "s",
           backward.compatible ? "compatible" : "breaks", forward.compatible ? "compatible" : "breaks");
    if (!changes.supported)
        printf("%s: %s has no change list in this build; only the verdicts are shown\n", o->files[1], type);
    for (size_t i = 0; i < changes.count; i++) {
        const struct compat_change *c = &changes.items[i];
        printf("%s: %s: %s: %s (%s)\n", o->files[1], c->path, c->kind, c->description,
               breaks_words(c->breaks));
    }
    for (size_t i = 0; show_backward && i < backward.count; i++)
        printf("%s: breaks BACKWARD: %s\n", o->files[1], backward.messages[i]);
    for (size_t i = 0; show_forward && i < forward.count; i++)
        printf("%s: breaks FORWARD: %s\n", o->files[1], forward.messages[i]);
out:
    compat_schema_free(old);
    compat_schema_free(new);
    compat_result_free(&backward);
    compat_result_free(&forward);
    compat_changes_free(&changes);
    return code;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->level = COMPAT_BACKWARD;
    if (argc < 2)
        return -1;
    o->command = argv[1];
    o->files = sr_xcalloc((size_t)argc, sizeof(char *));
    o->file_nrefs = sr_xcalloc((size_t)argc, sizeof(size_t));
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--type") == 0 && val) {
            if (!type_from_name(val, &o->type)) {
                fprintf(stderr, "unknown --type '%s'\n", val);
                return -1;
            }
            o->type_given = true;
        } else if (strcmp(a, "--level") == 0 && val) {
            if (compat_level_parse(val, &o->level) != 0) {
                fprintf(stderr, "unknown --level '%s'\n", val);
                return -1;
            }
            o->level_given = true;
        } else if (strcmp(a, "--format") == 0 && val) {
            if (strcmp(val, "human") == 0)
                o->format = OUT_HUMAN;
            else if (strcmp(val, "json") == 0)
                o->format = OUT_JSON;
            else if (strcmp(val, "github") == 0)
                o->format = OUT_GITHUB;
            else {
                fprintf(stderr, "unknown --format '%s'\n", val);
                return -1;
            }
        } else if (strcmp(a, "--ref") == 0 && val) {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val || !eq[1] || o->nrefs == MAX_REFS) {
                fprintf(stderr, "--ref takes NAME=VALUE\n");
                return -1;
            }
            o->ref_names[o->nrefs] = sr_xstrndup(val, (size_t)(eq - val));
            o->ref_values[o->nrefs++] = eq + 1;
        } else if (strcmp(a, "--registry") == 0 && val) {
            o->registry = val;
        } else if (strcmp(a, "--subject") == 0 && val) {
            o->subject = val;
        } else if (strcmp(a, "--git-base") == 0 && val) {
            o->git_base = val;
        } else {
            takes = false;
            if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
                o->quiet = true;
            else if (strcmp(a, "--normalize") == 0)
                o->normalize = true;
            else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
                return 1;
            else if (a[0] == '-' && a[1]) {
                fprintf(stderr, "unknown or incomplete option '%s'\n", a);
                return -1;
            } else {
                o->file_nrefs[o->nfiles] = o->nrefs;
                o->files[o->nfiles++] = a;
            }
        }
        if (takes)
            i++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    int rc = parse_options(argc, argv, &o);
    int code = EXIT_INVALID;
    if (rc != 0 || !o.command) {
        usage(rc == 1 ? stdout : stderr);
        code = rc == 1 ? EXIT_COMPATIBLE : EXIT_INVALID;
        goto out;
    }
    if (strcmp(o.command, "--help") == 0 || strcmp(o.command, "help") == 0) {
        usage(stdout);
        code = EXIT_COMPATIBLE;
    } else if (strcmp(o.command, "types") == 0) {
        for (int t = 0; t < SR_SCHEMA_TYPE_COUNT; t++)
            if (compat_type_supported((enum sr_schema_type)t))
                puts(sr_schema_type_name((enum sr_schema_type)t));
        code = EXIT_COMPATIBLE;
    } else if (strcmp(o.command, "normalize") == 0) {
        code = cmd_normalize(&o);
    } else if (strcmp(o.command, "diff") == 0) {
        code = cmd_diff(&o);
    } else if (strcmp(o.command, "check") == 0) {
        struct report rep = {0};
        if (o.git_base && o.nfiles == 1) {
            check_git(&o, &rep);
        } else if (o.registry && o.subject && o.nfiles == 1) {
            check_registry(&o, &rep);
        } else if (!o.git_base && !o.registry && o.nfiles >= 1) {
            check_files(&o, &rep);
        } else {
            usage(stderr);
            goto out;
        }
        code = report_print(&rep, &o);
        report_free(&rep);
    } else {
        fprintf(stderr, "unknown command '%s'\n", o.command);
        usage(stderr);
    }
out:
    for (size_t i = 0; i < o.nrefs; i++)
        free((char *)o.ref_names[i]);
    free(o.files);
    free(o.file_nrefs);
    return code;
}
