/* SPDX-License-Identifier: Apache-2.0 */
/* log.h: the server's log, one write(2) per line (serve/log.c). */
#ifndef SERVE_LOG_H
#define SERVE_LOG_H

/* LOG_NOTICE: start, stop and counters, which --quiet keeps. */
enum { LOG_ERROR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped: LOG_INFO, LOG_NOTICE with --quiet,
 * LOG_DEBUG with --verbose. */
extern int log_level;

/* Write "portpicker serve: LEVEL: message\n" to stderr in one write(2).
 * errno is kept. */
void slog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct notes;
/* Log the lines a lower module left in ns (serve/notes.h), and forget them. */
void log_notes(struct notes *ns);

#endif
