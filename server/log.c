/* SPDX-License-Identifier: Apache-2.0 */
/* log.c — stderr logging with a UTC timestamp and a level. The level is a process global,
 * which only server/ may own (STYLE rule 11). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum server_log_level log_level = SERVER_LOG_INFO;

static const char *const level_tags[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void server_log_set_level(enum server_log_level level)
{
    log_level = level;
}

bool server_log_enabled(enum server_log_level level)
{
    return level <= log_level;
}

void server_log(enum server_log_level level, const char *fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    size_t n;
    int m;
    va_list ap;

    if (!server_log_enabled(level))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
    m = snprintf(line + n, sizeof line - n, ".%03ldZ %s ", ts.tv_nsec / 1000000L, level_tags[level]);
    if (m > 0)
        n += (size_t)m;
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof line - n, fmt, ap);
    va_end(ap);
    if (m > 0)
        n += (size_t)m;
    if (n > sizeof line - 2)
        n = sizeof line - 2; /* truncated: keep room for the newline */
    /* One line per event even if a message carries a newline (e.g. from a client's URI). */
    for (size_t i = 0; i < n; i++) {
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    }
    line[n++] = '\n';
    /* stderr may be a pipe shared with other processes; a lost log line is not worth dying for */
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}
