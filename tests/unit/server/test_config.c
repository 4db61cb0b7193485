/* SPDX-License-Identifier: Apache-2.0 */
/* test_config.c — server settings: defaults, each source, precedence, and bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/sr-config-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to a file in tmpdir and returns its path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
    static char path[128];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads with argv (NULL-terminated, argv[0] added) and envp; returns the load result. */
static int load(struct server_config *cfg, const char *const *args, char *const *envp,
                enum server_config_action *action, struct sr_error *err)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = "schema-registry";
    for (size_t i = 0; args && args[i]; i++)
        argv[argc++] = (char *)args[i];
    argv[argc] = NULL;
    return server_config_load(cfg, argc, argv, envp, action, err);
}

static void load_ok(struct server_config *cfg, const char *const *args, char *const *envp)
{
    enum server_config_action action;
    struct sr_error err = {0};
    int rc = load(cfg, args, envp, &action, &err);
    if (rc != 0)
        fail_msg("unexpected error: %s", err.message);
    assert_int_equal(action, SERVER_CONFIG_RUN);
}

/* Expects a load error whose message contains needle. */
static void load_fails(const char *const *args, char *const *envp, const char *needle)
{
    struct server_config cfg;
    enum server_config_action action;
    struct sr_error err = {0};
    int rc = load(&cfg, args, envp, &action, &err);
    server_config_free(&cfg);
    assert_int_equal(rc, -1);
    assert_int_equal(err.code, SR_ERR_BAD_REQUEST);
    if (!strstr(err.message, needle))
        fail_msg("message '%s' does not mention '%s'", err.message, needle);
}

static void test_defaults_match_the_issue(void **state)
{
    struct server_config cfg;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    (void)state;

    load_ok(&cfg, NULL, NULL);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8081);
    assert_string_equal(cfg.db_path, "./data/schema-registry.db");
    assert_int_equal(cfg.threads, cores > 8 ? cores * 2 : 16);
    assert_int_equal(cfg.log_level, SERVER_LOG_INFO);
    assert_int_equal(cfg.max_body_bytes, 16u << 20);
    assert_int_equal(cfg.max_schema_bytes, 8u << 20);
    assert_null(cfg.port_file);
    assert_null(cfg.cluster_id);
    assert_true(cfg.mode_mutability);
    assert_int_equal(cfg.max_header_bytes, 64u << 10);
    assert_int_equal(cfg.request_timeout, 60);
    assert_int_equal(cfg.shutdown_timeout, 10);
    server_config_free(&cfg);
}

static void test_flags_set_every_documented_setting(void **state)
{
    struct server_config cfg;
    const char *args[] = {"--listen",
                          "0.0.0.0:0",
                          "--db",
                          "/x/r.db",
                          "--threads",
                          "3",
                          "--log-level",
                          "debug",
                          "--max-body-bytes",
                          "1024",
                          "--max-schema-bytes=2k",
                          "--port-file",
                          "/x/port",
                          "--mode-mutability=false",
                          "--request-timeout",
                          "5",
                          "--shutdown-timeout=0",
                          "--max-header-bytes",
                          "8k",
                          "--cluster-id",
                          "c1",
                          NULL};
    (void)state;

    load_ok(&cfg, args, NULL);
    assert_string_equal(cfg.listen_host, "0.0.0.0");
    assert_int_equal(cfg.listen_port, 0);
    assert_string_equal(cfg.db_path, "/x/r.db");
    assert_int_equal(cfg.threads, 3);
    assert_int_equal(cfg.log_level, SERVER_LOG_DEBUG);
    assert_int_equal(cfg.max_body_bytes, 1024);
    assert_int_equal(cfg.max_schema_bytes, 2048);
    assert_string_equal(cfg.port_file, "/x/port");
    assert_false(cfg.mode_mutability);
    assert_string_equal(cfg.cluster_id, "c1");
    assert_int_equal(cfg.request_timeout, 5);
    assert_int_equal(cfg.shutdown_timeout, 0);
    assert_int_equal(cfg.max_header_bytes, 8192);
    server_config_free(&cfg);
}

static void test_environment_sets_every_documented_setting(void **state)
{
    struct server_config cfg;
    char *envp[] = {"SR_LISTEN=10.0.0.1:9000", "SR_DB=/e/r.db",          "SR_THREADS=5",
                    "SR_LOG_LEVEL=warn",       "SR_MAX_BODY_BYTES=1MiB", "SR_MAX_SCHEMA_BYTES=512",
                    "SR_PORT_FILE=/e/port",    "SR_LISTENX=ignored:1",   NULL};
    (void)state;

    load_ok(&cfg, NULL, envp);
    assert_string_equal(cfg.listen_host, "10.0.0.1");
    assert_int_equal(cfg.listen_port, 9000);
    assert_string_equal(cfg.db_path, "/e/r.db");
    assert_int_equal(cfg.threads, 5);
    assert_int_equal(cfg.log_level, SERVER_LOG_WARN);
    assert_int_equal(cfg.max_body_bytes, 1u << 20);
    assert_int_equal(cfg.max_schema_bytes, 512);
    assert_string_equal(cfg.port_file, "/e/port");
    server_config_free(&cfg);
}

static void test_config_file_keys_comments_and_quotes(void **state)
{
    struct server_config cfg;
    const char *path = write_file("a.conf", "# a comment\n"
                                            "\n"
                                            "listen = 127.0.0.2:8082\n"
                                            "  db=\"/f/with # hash.db\"  \n"
                                            "threads = 2   # trailing comment\n"
                                            "log_level = ERROR\n"
                                            "max_body_bytes = 4M\n"
                                            "max_schema_bytes = 1MiB\n"
                                            "port_file = /f/port\n");
    const char *args[] = {"--config", path, NULL};
    (void)state;

    load_ok(&cfg, args, NULL);
    assert_string_equal(cfg.listen_host, "127.0.0.2");
    assert_int_equal(cfg.listen_port, 8082);
    assert_string_equal(cfg.db_path, "/f/with # hash.db");
    assert_int_equal(cfg.threads, 2);
    assert_int_equal(cfg.log_level, SERVER_LOG_ERROR);
    assert_int_equal(cfg.max_body_bytes, 4u << 20);
    assert_int_equal(cfg.max_schema_bytes, 1u << 20);
    assert_string_equal(cfg.port_file, "/f/port");
    server_config_free(&cfg);
}

static void test_flags_beat_env_which_beats_file(void **state)
{
    struct server_config cfg;
    const char *path =
        write_file("p.conf", "threads = 2\ndb = /file.db\nlog_level = error\nlisten = 1.1.1.1:1\n");
    char cfgenv[160];
    char *envp[] = {cfgenv, "SR_THREADS=3", "SR_LOG_LEVEL=warn", NULL};
    const char *no_flags[] = {NULL};
    const char *flags[] = {"--threads=4", NULL};
    (void)state;

    snprintf(cfgenv, sizeof cfgenv, "SR_CONFIG=%s", path);
    load_ok(&cfg, no_flags, envp);
    assert_int_equal(cfg.threads, 3);                 /* env over file */
    assert_int_equal(cfg.log_level, SERVER_LOG_WARN); /* env over file */
    assert_string_equal(cfg.db_path, "/file.db");     /* file over default */
    assert_string_equal(cfg.listen_host, "1.1.1.1");
    server_config_free(&cfg);

    load_ok(&cfg, flags, envp);
    assert_int_equal(cfg.threads, 4); /* flag over env */
    assert_int_equal(cfg.log_level, SERVER_LOG_WARN);
    server_config_free(&cfg);
}

static void test_config_flag_beats_sr_config(void **state)
{
    struct server_config cfg;
    char one[160], two[160];
    char *envp[] = {one, NULL};
    const char *args[] = {"--config", two, NULL};
    (void)state;

    snprintf(one, sizeof one, "SR_CONFIG=%s", write_file("one.conf", "threads = 7\n"));
    snprintf(two, sizeof two, "%s", write_file("two.conf", "threads = 8\n"));
    load_ok(&cfg, args, envp);
    assert_int_equal(cfg.threads, 8);
    server_config_free(&cfg);
}

static void test_listen_accepts_bracketed_ipv6_and_port_zero(void **state)
{
    struct server_config cfg;
    const char *args[] = {"--listen=[::1]:0", NULL};
    (void)state;

    load_ok(&cfg, args, NULL);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 0);
    server_config_free(&cfg);
}

static void test_empty_port_file_means_none(void **state)
{
    struct server_config cfg;
    char *envp[] = {"SR_PORT_FILE=/e/port", NULL};
    const char *args[] = {"--port-file=", NULL};
    (void)state;

    load_ok(&cfg, args, envp);
    assert_null(cfg.port_file);
    server_config_free(&cfg);
}

static void test_bad_flags_are_rejected_with_their_name(void **state)
{
    (void)state;
    load_fails((const char *[]){"--threads", "0", NULL}, NULL, "threads");
    load_fails((const char *[]){"--threads", "abc", NULL}, NULL, "threads");
    load_fails((const char *[]){"--threads", "2x", NULL}, NULL, "threads");
    load_fails((const char *[]){"--listen", "localhost", NULL}, NULL, "listen");
    load_fails((const char *[]){"--listen", "1.2.3.4:70000", NULL}, NULL, "listen");
    load_fails((const char *[]){"--listen", ":8081", NULL}, NULL, "listen");
    load_fails((const char *[]){"--listen", "::1:8081", NULL}, NULL, "listen");
    load_fails((const char *[]){"--log-level", "loud", NULL}, NULL, "log_level");
    load_fails((const char *[]){"--max-body-bytes", "0", NULL}, NULL, "max_body_bytes");
    load_fails((const char *[]){"--max-body-bytes", "12X", NULL}, NULL, "max_body_bytes");
    load_fails((const char *[]){"--max-body-bytes", "-5", NULL}, NULL, "max_body_bytes");
    load_fails((const char *[]){"--max-schema-bytes", "99999999999999999999", NULL}, NULL,
               "max_schema_bytes");
    load_fails((const char *[]){"--mode-mutability", "maybe", NULL}, NULL, "mode_mutability");
    load_fails((const char *[]){"--db", "", NULL}, NULL, "db");
    load_fails((const char *[]){"--bogus", "1", NULL}, NULL, "--bogus");
    load_fails((const char *[]){"--db", NULL}, NULL, "requires a value");
    load_fails((const char *[]){"serve", NULL}, NULL, "serve");
    load_fails((const char *[]){"--config", NULL}, NULL, "--config");
}

static void test_bad_environment_value_names_the_variable(void **state)
{
    char *envp[] = {"SR_THREADS=many", NULL};
    (void)state;
    load_fails(NULL, envp, "SR_THREADS");
}

static void test_bad_config_file_names_file_and_line(void **state)
{
    char arg[160];
    (void)state;

    snprintf(arg, sizeof arg, "--config=%s", write_file("bad1.conf", "# ok\nthreads = 2\nthreds = 3\n"));
    load_fails((const char *[]){arg, NULL}, NULL, "bad1.conf:3: unknown key 'threds'");
    snprintf(arg, sizeof arg, "--config=%s", write_file("bad2.conf", "listen\n"));
    load_fails((const char *[]){arg, NULL}, NULL, "bad2.conf:1");
    snprintf(arg, sizeof arg, "--config=%s", write_file("bad3.conf", "threads = -1\n"));
    load_fails((const char *[]){arg, NULL}, NULL, "bad3.conf:1");
    snprintf(arg, sizeof arg, "--config=%s/missing.conf", tmpdir);
    load_fails((const char *[]){arg, NULL}, NULL, "missing.conf");
}

static void test_help_and_version_win_over_bad_flags(void **state)
{
    struct server_config cfg;
    enum server_config_action action;
    struct sr_error err = {0};
    (void)state;

    assert_int_equal(load(&cfg, (const char *[]){"--bogus", "--help", NULL}, NULL, &action, &err), 0);
    assert_int_equal(action, SERVER_CONFIG_HELP);
    server_config_free(&cfg);
    assert_int_equal(load(&cfg, (const char *[]){"--version", NULL}, NULL, &action, &err), 0);
    assert_int_equal(action, SERVER_CONFIG_VERSION);
    server_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_match_the_issue),
        cmocka_unit_test(test_flags_set_every_documented_setting),
        cmocka_unit_test(test_environment_sets_every_documented_setting),
        cmocka_unit_test(test_config_file_keys_comments_and_quotes),
        cmocka_unit_test(test_flags_beat_env_which_beats_file),
        cmocka_unit_test(test_config_flag_beats_sr_config),
        cmocka_unit_test(test_listen_accepts_bracketed_ipv6_and_port_zero),
        cmocka_unit_test(test_empty_port_file_means_none),
        cmocka_unit_test(test_bad_flags_are_rejected_with_their_name),
        cmocka_unit_test(test_bad_environment_value_names_the_variable),
        cmocka_unit_test(test_bad_config_file_names_file_and_line),
        cmocka_unit_test(test_help_and_version_win_over_bad_flags),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
