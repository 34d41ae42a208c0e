/* SPDX-License-Identifier: Apache-2.0 */
/* notes.h: lines a module below the daemon's edge (daemon.c, state.c,
 * state_open.c) leaves for the edge to log: it never logs itself
 * (serve/notes.c; the edge logs them with log_notes, serve/log.h). */
#ifndef SERVE_NOTES_H
#define SERVE_NOTES_H

#define NOTES_MAX 4

struct notes {
    int n;              /* lines kept; beyond NOTES_MAX, dropped */
    struct {
        int level;      /* LOG_*, serve/log.h */
        char text[256];
    } at[NOTES_MAX];
};

/* Keep one line (printf-style) at level, for the edge to log. */
void note(struct notes *ns, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
