/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.h: what makes a process a service: sockets, systemd activation
 * and notification, pidfile, signals (serve/daemon.c). */
#ifndef SERVE_DAEMON_H
#define SERVE_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

struct notes;

/* Listen on addr: "@name" (abstract) or a path. A path held by a dead
 * server's socket is replaced (a line in ns says so). Returns the fd, or
 * -1 with errno set (EADDRINUSE: a live server answers there) and a
 * message in err. */
int listen_unix(const char *addr, int mode, struct notes *ns, char *err,
                size_t errlen);

/* The socket systemd passed (LISTEN_PID/LISTEN_FDS, fd 3), made
 * non-blocking, into *fd (-1 when not socket-activated). Returns 0, or -1
 * with errno set and a message in err when fd 3 is not a listening AF_UNIX
 * stream socket. */
int listen_activated(int *fd, struct notes *ns, char *err, size_t errlen);

/* Tell systemd (NOTIFY_SOCKET) state such as "READY=1"; nothing without
 * NOTIFY_SOCKET. Returns 0, or -1 with errno set. */
int sd_notify_state(const char *state);

/* Create path for writing (open flags plus O_CREAT | O_EXCL | O_NOFOLLOW),
 * never through a link: whatever is at path (a stale file, a symbolic link
 * planted by another user: a line in ns says so) is removed, not
 * followed, and a second try made. Returns the fd, or -1 with errno set. */
int file_create(const char *path, int flags, mode_t mode, struct notes *ns);

/* Create a temp file for a rewrite of path, to be renamed over it: at
 * path.tmp (file_create), or, when something there cannot be removed (a
 * directory another user made in a sticky /tmp), at path.tmp.RANDOM,
 * which nobody can plant ahead (not logged: the metrics file is rewritten
 * every 5 s). The name used goes to tmp (len bytes). Returns the fd, or -1
 * with errno set. */
int temp_create(char *tmp, size_t len, const char *path, int flags,
                struct notes *ns);

/* Replace path with len bytes of text at once: written to a temp file
 * (temp_create, mode 0644 whatever the umask), then renamed over path, so a
 * reader sees the old file or the new one, never a part. Returns 0, or -1
 * with errno set (the temp file removed, path as it was). */
int file_replace(const char *path, const char *text, size_t len,
                 struct notes *ns);

/* Write our pid to path (file_create). Returns 0, or -1 with errno set. */
int pidfile_write(const char *path, struct notes *ns);

/* Block SIGTERM, SIGINT and SIGUSR1 and return a signalfd for them;
 * SIGPIPE is ignored. Returns -1 with errno set on failure. */
int signals_fd(void);

#endif
