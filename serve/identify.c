/* SPDX-License-Identifier: Apache-2.0 */
/* identify.c: what a process named as an owner is, asked once, when its
 * record is made: a kernel thread or not, its uids (for a caller other
 * than root), its start time (when something needs it). Its pidfd says
 * what it can (PIDFD_GET_INFO, Linux >= 6.13): of that process and no
 * other, with no path looked up; /proc says the rest, and all of it where
 * the pidfd cannot (docs/security.md, 1). */
#include "serve/identify.h"
#include "serve/log.h"
#include "serve/owner_slots.h"
#include "serve/proc.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Does err from PIDFD_GET_INFO say the kernel lacks it (before 6.13)? */
static bool no_such_ioctl(int err)
{
    return err == ENOTTY || err == EINVAL || err == EOPNOTSUPP;
}

/* PIDFD_GET_INFO on pidfd fd, unless the kernel is known to lack it.
 * Returns 0, or -1 with errno; ENOTTY: not to be had (asked of no kernel
 * again once one said so). */
static int pidfd_info_of(struct checks *k, int fd, struct pidfd_ids *ids)
{
    if (k->no_pidfd_info) {
        errno = ENOTTY;
        return -1;
    }
    if (pidfd_ids(fd, ids) == 0)
        return 0;
    if (no_such_ioctl(errno)) {
        k->no_pidfd_info = true;
        slog(LOG_INFO, "PIDFD_GET_INFO: %s: owners are checked through "
             "/proc", strerror(errno));
        errno = ENOTTY;
    }
    return -1;
}

const char *identify_without_proc(struct checks *k)
{
    struct pidfd_ids p;
    int fd = pidfd_open_pid(getpid());
    if (fd < 0)
        return NULL;
    int rc = pidfd_ids(fd, &p);
    int err = errno;
    close(fd);
    if (rc == 0)
        return "processes of its uid (PIDFD_GET_INFO)";
    if (no_such_ioctl(err)) {
        k->no_pidfd_info = true;
        return "its own pid (no PIDFD_GET_INFO, Linux < 6.13)";
    }
    /* ESRCH (our parent out of sight, Linux 6.13), ENOMEM: that answer
     * was of us alone, or of nothing. */
    return "processes of its uid where PIDFD_GET_INFO says it, else its "
           "own pid";
}

int identify_uids(struct checks *k, struct owner *o)
{
    struct pidfd_ids p;
    struct proc_ids ids;
    bool by_pidfd = o->pidfd >= 0 && !o->proc_dir;
    if (by_pidfd && pidfd_info_of(k, o->pidfd, &p) == 0) {
        o->ruid = p.ruid;
        o->euid = p.euid;
        return 0;
    }
    if (by_pidfd && errno != ENOTTY && errno != ESRCH)
        return -1;
    if (proc_ids(o->pid, &ids) < 0 || (by_pidfd && pidfd_exited(o->pidfd)))
        return -1;
    o->ruid = ids.ruid;
    o->euid = ids.euid;
    return 0;
}

int identify_handle(const struct checks *k, pid_t pid, bool *is_pidfd)
{
    *is_pidfd = !k->no_pidfd;
    if (*is_pidfd) {
        int fd = pidfd_open_pid(pid);
        if (fd >= 0 || errno != ENOSYS)
            return fd;
        *is_pidfd = false;
    }
    int fd = proc_open(pid);
    if (fd < 0 && errno == ENOENT)
        errno = ESRCH;
    return fd;
}

/* What pidfd fd says of its process (PIDFD_GET_INFO), into f: its uids
 * when want_ids; into *maybe_kthread, false when it is surely no kernel
 * thread, true when /proc/PID/stat's flags must tell. 0, or -1 with errno
 * when the pidfd could not say (ENOTTY: the kernel cannot; ESRCH: see
 * pidfd_ids).
 *
 * Why pid and ppid are proof: a task is a kernel thread (PF_KTHREAD) only
 * if kernel_thread() made it: copy_process() (kernel/fork.c) clears the
 * flag in every child and sets it for args->kthread alone, which only
 * kernel_thread() sets; its callers are rest_init() (init/main.c), for
 * kthreadd, pid 2 of the init pid namespace, and kthreadd itself
 * (create_kthread(), kernel/kthread.c), for every other kernel thread.
 * kthreadd never exits, so none is ever reparented: a kernel thread is
 * pid 2 or a child of pid 2. pidfs.c's pidfd_info() gives pid and ppid in
 * the caller's pid namespace; in any but the init one no kernel thread is
 * visible at all, so pid and ppid other than 2 prove it there too. The
 * converse fails: user-mode helpers (kernel/umh.c, user_mode_thread(),
 * no kernel threads) started without waiting are children of kthreadd
 * (CLONE_PARENT), and a container's pid 2 is any process, so 2 sends the
 * question to /proc, which answers it exactly. */
static int ask_pidfd(struct checks *k, int fd, bool want_ids,
                     bool *maybe_kthread, struct identity *f)
{
    struct pidfd_ids p;
    if (pidfd_info_of(k, fd, &p) < 0)
        return -1;
    *maybe_kthread = p.pid == 2 || p.ppid == 2;
    if (want_ids) {
        f->ruid = p.ruid;
        f->euid = p.euid;
    }
    return 0;
}

int identify(struct checks *k, const struct caller *c, pid_t pid, int fd,
             bool is_pidfd, bool need_start, struct identity *f)
{
    bool maybe_kthread = true, want_ids = c->uid != 0;
    struct proc_ids ids;
    *f = (struct identity){.ruid = OWNER_UID_UNKNOWN, .euid = OWNER_UID_UNKNOWN};
    /* The caller's own pid is read like any other: SO_PEERCRED's pid is
     * the connector's, which may have exited, leaving the socket to a
     * child, and the pid to another user's process (docs/security.md, 1).
     * Only where nothing can say a process's uids is it taken on trust. */
    if (k->no_proc) {
        if (pid == c->pid && k->no_pidfd_info)
            f->ruid = f->euid = c->uid;
        return 0;
    }
    if (is_pidfd && fd >= 0) {
        if (ask_pidfd(k, fd, want_ids, &maybe_kthread, f) == 0)
            want_ids = false;
        else if (errno != ENOTTY && errno != ESRCH)
            return -1; /* EFAULT, ENOMEM: no answer, and none read as one */
        /* ESRCH: gone (the caller's poll of fd will say so), or its
         * parent out of sight (Linux 6.13): /proc tells. */
    }
    if ((maybe_kthread || need_start) &&
        proc_stat(pid, is_pidfd ? -1 : fd, &f->start,
                  maybe_kthread ? &f->kthread : NULL) < 0)
        return -1;
    if (f->kthread || !want_ids)
        return 0;
    if (proc_ids(pid, &ids) < 0)
        return -1;
    f->ruid = ids.ruid;
    f->euid = ids.euid;
    return 0;
}
