/* SPDX-License-Identifier: Apache-2.0 */
/* proc.c: what /proc says about a lease owner. Linux only.
 *
 * A process is named by (pid, start time): the start time, in clock ticks
 * since boot, tells a reused pid from the process that owned a lease, but
 * only to within a tick. Exact handles need an fd: a pidfd (Linux >= 5.3)
 * lets the event loop learn of a death at once; an open /proc/PID
 * directory (proc_open) stops answering once its process is reaped, even
 * when the pid is reused at once, which is what polling reads through. */
#include "lib/sys.h"
#include "serve/proc.h"
#include "serve/proc_fields.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on every architecture */
#endif

/* Read /proc/PID/NAME, through dirfd (an open /proc/PID) when >= 0. */
static ssize_t read_proc(pid_t pid, int dirfd, const char *name, char *buf,
                         size_t len)
{
    char path[64];
    if (dirfd < 0) {
        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
        return read_small_file(path, buf, len);
    }
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    if (n < 0)
        return close_keep_errno(fd);
    close(fd);
    buf[n] = '\0';
    return n;
}

#define PF_KTHREAD 0x00200000UL /* include/linux/sched.h */

int proc_stat(pid_t pid, int dirfd, uint64_t *start, bool *kthread)
{
    char buf[1024];
    unsigned long long flags, threads, v;
    if (read_proc(pid, dirfd, "stat", buf, sizeof(buf)) < 0)
        return -1;
    const char *state = strrchr(buf, ')');
    if (!state || proc_stat_field(buf, 9, &flags) < 0 ||
        proc_stat_field(buf, 20, &threads) < 0 || proc_stat_field(buf, 22, &v) < 0) {
        errno = EINVAL;
        return -1;
    }
    /* Z: exited, and only its parent has not reaped it; or a leader whose
     * own thread has exited (pthread_exit) while its other threads run on:
     * the state is the leader's, num_threads the group's, the leader still
     * counted until it is reaped. The process lives while it has others. */
    if (state[2] == 'X' || (state[2] == 'Z' && threads <= 1)) {
        errno = ESRCH;
        return -1;
    }
    *start = v;
    if (kthread)
        *kthread = flags & PF_KTHREAD;
    return 0;
}

int proc_open(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int proc_ids(pid_t pid, struct proc_ids *ids)
{
    /* Groups: (up to 65536 gids) comes before NSpid:, and a text cut
     * before NSpid: would read as our own namespace. Static: one at a time,
     * and only the pages a text reaches are touched. */
    static char status[65536 * 11 + 4096];
    unsigned long long uid[2], ppid, nspid[PROC_MAX_NESTING];
    ssize_t len = read_proc(pid, -1, "status", status, sizeof(status));
    if (len < 0)
        return -1;
    if ((size_t)len == sizeof(status) - 1) {
        errno = EOVERFLOW;
        return -1;
    }
    int nuid = proc_status_numbers(status, "\nUid:", UINT32_MAX, uid, 2);
    int levels = proc_status_numbers(status, "\nNSpid:", INT_MAX, nspid,
                                     PROC_MAX_NESTING);
    if (nuid < 2 || levels < 0 ||
        proc_status_numbers(status, "\nPPid:", INT_MAX, &ppid, 1) < 1) {
        errno = EINVAL;
        return -1;
    }
    *ids = (struct proc_ids){
        .ruid = (uid_t)uid[0], .euid = (uid_t)uid[1], .ppid = (pid_t)ppid,
        .levels = levels ? levels : 1,
        .nspid = levels ? (pid_t)nspid[levels - 1] : pid,
    };
    return 0;
}

int proc_pidns(pid_t pid, uint64_t *ns)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
    if (stat(path, &st) < 0)
        return -1;
    *ns = (uint64_t)st.st_ino;
    return 0;
}

void proc_cmdline(pid_t pid, char *buf, size_t len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    ssize_t n = read_small_file(path, buf, len);
    if (n < 0) {
        buf[0] = '\0';
        return;
    }
    while (n > 0 && buf[n - 1] == '\0')
        n--;
    buf[n] = '\0';
    for (ssize_t i = 0; i < n; i++)
        if (buf[i] == '\0' || buf[i] == '\n')
            buf[i] = ' ';
}

int pidfd_open_pid(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int pidfd_exited(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, 0);
    return n < 0 ? -1 : n > 0 && (p.revents & (POLLIN | POLLHUP));
}

/* The first version of the kernel's struct pidfd_info (Linux 6.13,
 * include/uapi/linux/pidfd.h), defined here so that no kernel header is
 * needed: later kernels take it as it is, its size being in the request. */
struct pidfd_info_v0 {
    uint64_t mask, cgroupid;
    uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid,
        fsgid, spare;
};
_Static_assert(sizeof(struct pidfd_info_v0) == 64, "PIDFD_INFO_SIZE_VER0");
#define PIDFD_INFO_V0 _IOWR(0xFF, 11, struct pidfd_info_v0)
#define PIDFD_INFO_PID 1u  /* pid, tgid, ppid filled */
#define PIDFD_INFO_CREDS 2u /* the uids and gids filled */

int pidfd_ids(int pidfd, struct pidfd_ids *ids)
{
    struct pidfd_info_v0 info = {.mask = PIDFD_INFO_PID | PIDFD_INFO_CREDS};
    if (ioctl(pidfd, PIDFD_INFO_V0, &info) < 0)
        return -1;
    /* A kernel fills and flags what it knows: without both, the answer is
     * not one this code can read. */
    if ((info.mask & (PIDFD_INFO_PID | PIDFD_INFO_CREDS)) !=
        (PIDFD_INFO_PID | PIDFD_INFO_CREDS)) {
        errno = EOPNOTSUPP;
        return -1;
    }
    *ids = (struct pidfd_ids){.pid = (pid_t)info.pid,
                              .ppid = (pid_t)info.ppid,
                              .ruid = (uid_t)info.ruid,
                              .euid = (uid_t)info.euid};
    return 0;
}

int proc_unmapped_uid(uid_t *uid)
{
    char text[512];
    unsigned long long overflow;
    ssize_t n = read_small_file("/proc/self/uid_map", text, sizeof(text));
    if (n > 0 && proc_uid_map_is_whole(text))
        return 0;
    *uid = 65534; /* the kernel's default (DEFAULT_OVERFLOWUID) */
    if (read_small_file("/proc/sys/kernel/overflowuid", text, sizeof(text)) > 0 &&
        proc_number(text, (uid_t)-2, &overflow) == 0)
        *uid = (uid_t)overflow;
    return 1;
}

int boot_id(char *buf, size_t len)
{
    ssize_t n = read_small_file("/proc/sys/kernel/random/boot_id", buf, len);
    if (n < 0) {
        buf[0] = '\0';
        return -1;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
    if (n == 0) {
        errno = ENODATA;
        return -1;
    }
    return 0;
}
