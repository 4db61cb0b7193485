/* SPDX-License-Identifier: Apache-2.0 */
/* log.h — the process's only logger: one line per event on stderr,
 * "2026-01-31T12:00:00.123Z INFO message". Only server/ logs; libraries report errors. */
#ifndef SERVER_LOG_H
#define SERVER_LOG_H

#include <stdbool.h>

#include "config.h"
#include "sr_error.h"

/* Sets the most verbose level that is written (process-wide; call before starting threads). */
void server_log_set_level(enum server_log_level level);
bool server_log_enabled(enum server_log_level level);
/* Thread-safe: each line goes out with a single write(2), so lines never interleave. */
void server_log(enum server_log_level level, const char *fmt, ...) SR_PRINTF(2, 3);

#endif
