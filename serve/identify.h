/* SPDX-License-Identifier: Apache-2.0 */
/* identify.h: what a process named as an owner is (serve/identify.c). */
#ifndef SERVE_IDENTIFY_H
#define SERVE_IDENTIFY_H

#include "serve/caller.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct owner;

/* How new owners are checked: set at start, but for no_pidfd_info, learnt
 * from the kernel's first answer. */
struct checks {
    bool no_pidfd;              /* an open /proc/PID, never a pidfd
                                 * (--no-pidfd: polled by start time) */
    bool no_proc;               /* /proc unreadable: pidfds only */
    bool no_pidfd_info;         /* the kernel has no PIDFD_GET_INFO */
};

/* What the checks of a new owner found. */
struct identity {
    uint64_t start;     /* 0: not read */
    bool kthread;
    uid_t ruid, euid;   /* OWNER_UID_UNKNOWN: not read */
};

/* Without /proc (k->no_proc), can pidfds stand in? Asked of our own
 * pidfd: NULL with errno when there are none (ENOSYS: Linux < 5.3), else
 * the processes a caller other than root may lease to, in words: those of
 * its uid where PIDFD_GET_INFO gives a process's uids, else only its own
 * pid, which SO_PEERCRED vouches for. */
const char *identify_without_proc(struct checks *k);

/* A handle on pid: a pidfd, or an open /proc/PID with --no-pidfd or before
 * Linux 5.3 (*is_pidfd false); -1 with errno (ESRCH: no such process). */
int identify_handle(const struct checks *k, pid_t pid, bool *is_pidfd);

/* Check pid (fd: its handle from identify_handle, or -1) for c, into f:
 * whether it is a kernel thread; its uids when c is not root, even when
 * pid is c's (SO_PEERCRED's pid is the connector's, which may have gone
 * to another process since); its start time when need_start. The pidfd
 * says what it can, /proc the rest, or all of it where the pidfd cannot;
 * so a root caller's new owner, whose pidfd proves it no kernel thread,
 * costs no /proc read. Without /proc a pidfd
 * is all there is: start time 0, uids only as identify_uids reads them,
 * or c's own pid taken on trust when even PIDFD_GET_INFO is missing.
 * The caller then checks that fd's process still lives: the reads by pid
 * were of it only if so. 0, or -1 with errno (ESRCH, ENOENT: no such
 * process; any other: a failure that says nothing of the process). */
int identify(struct checks *k, const struct caller *c, pid_t pid, int fd,
             bool is_pidfd, bool need_start, struct identity *f);

/* Read o's uids into it: asked of its pidfd (that process's, whoever has
 * the pid now), else from /proc/PID/status, then checked against the
 * pidfd when there is one. 0, or -1 with errno. */
int identify_uids(struct checks *k, struct owner *o);

#endif
