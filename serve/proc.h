/* SPDX-License-Identifier: Apache-2.0 */
/* proc.h: what /proc says about a process (serve/proc.c). Each returns
 * 0, or -1 with errno set, unless its comment says otherwise. */
#ifndef SERVE_PROC_H
#define SERVE_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22),
 * read through dirfd (an open /proc/PID, see proc_open) when >= 0; with
 * *kthread (unless NULL) true for a kernel thread. ENOENT/ESRCH: no such
 * process (or, through dirfd, no longer the process it was opened for), or
 * a zombie; a leader whose own thread exited while others run is alive. */
int proc_stat(pid_t pid, int dirfd, uint64_t *start, bool *kthread);

/* An O_PATH handle on /proc/PID: reads through it fail once that process
 * is gone, whoever has its pid now. The fd, or -1 with errno set. */
int proc_open(pid_t pid);

/* Pid namespaces deeper than this are not followed. */
#define PROC_MAX_NESTING 32

/* What /proc/PID/status, readable by anyone, says of a process. */
struct proc_ids {
    uid_t ruid, euid;
    pid_t ppid;         /* in our namespace; 0 when outside it */
    int levels;         /* pid namespaces from ours down to its own: 1 is ours */
    pid_t nspid;        /* its pid in its own (innermost) namespace */
};
int proc_ids(pid_t pid, struct proc_ids *ids);

/* Identity of pid's pid namespace. */
int proc_pidns(pid_t pid, uint64_t *ns);

/* The command line of pid, arguments joined by spaces, in buf (empty when
 * unreadable). */
void proc_cmdline(pid_t pid, char *buf, size_t len);

/* pidfd_open(2) through syscall(); the fd, or -1 with errno ENOSYS before
 * Linux 5.3. */
int pidfd_open_pid(pid_t pid);

/* Has the process of pidfd fd exited (a zombie has)? 1 yes, 0 not yet,
 * -1 with errno when poll failed, which says nothing of the process. */
int pidfd_exited(int fd);

/* What PIDFD_GET_INFO (Linux >= 6.13) tells of a pidfd's process, asked
 * of the pidfd itself: of that process and no other, with no path looked
 * up. Pids are in our pid namespace, uids in our user namespace. */
struct pidfd_ids {
    pid_t pid, ppid;
    uid_t ruid, euid;
};
/* ENOTTY, EINVAL, EOPNOTSUPP: a kernel without it. ESRCH: the process is
 * reaped, or its pid namespace is not ours or below; on the first kernels
 * that had it (6.13), also a live process whose parent our namespace
 * cannot see (kthreadd, a process entered into a container from outside). */
int pidfd_ids(int pidfd, struct pidfd_ids *ids);

/* May a peer's uid (SO_PEERCRED) read as the overflow uid because our
 * user namespace does not map it? 1 with the overflow uid in *uid (the
 * kernel's overflowuid; 65534 when unreadable) in any user namespace but
 * the initial one, which maps every uid, or when /proc/self/uid_map cannot
 * be read; 0 when every uid is mapped. */
int proc_unmapped_uid(uid_t *uid);

/* The kernel's boot id into buf; persisted start times are only
 * comparable within one boot. Returns 0, or -1 with errno set and buf ""
 * (unknown: a caller must never read that as "another boot"). */
int boot_id(char *buf, size_t len);

#endif
