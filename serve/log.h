/* SPDX-License-Identifier: Apache-2.0 */
/* log.h: the server's log, a line per event (serve/log.c). */
#ifndef SERVE_LOG_H
#define SERVE_LOG_H

/* LOG_NOTICE: start, stop and counters, which --quiet keeps. */
enum { LOG_ERROR, LOG_WARN, LOG_NOTICE, LOG_INFO, LOG_DEBUG };

/* Messages above this level are dropped: LOG_INFO, LOG_NOTICE with --quiet,
 * LOG_DEBUG with --verbose. */
extern int log_level;

/* Log "portpicker serve: LEVEL: message\n": an error, warning or notice
 * to stderr at once, after the lines held; an info or debug line is held
 * until log_flush. errno is kept. */
void slog(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write the lines held, in one write(2). The server calls it before each
 * reply and before it waits for events. */
void log_flush(void);

struct notes;
/* Log the lines a lower module left in ns (serve/notes.h), and forget them. */
void log_notes(struct notes *ns);

#endif
