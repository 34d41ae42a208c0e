/* owner.c: what /proc says about a lease owner. Linux only.
 *
 * A process is named by (pid, start time): the start time, in clock ticks
 * since boot, tells a reused pid from the process that owned a lease.
 * pidfd_open (Linux >= 5.3) lets the event loop learn of a death at once;
 * without it the server polls start times (see server.c). */
#include "portpicker.h"
#include "serve/owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on every architecture */
#endif

int proc_start_time(pid_t pid, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (read_small_file(path, buf, sizeof(buf)) < 0)
        return -1;
    /* The command name may hold spaces and ')': fields count from the last
     * ')'. Field 3 is the state, field 22 the start time. */
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ') {
        errno = EINVAL;
        return -1;
    }
    p += 2;
    if (*p == 'Z' || *p == 'X') {
        errno = ESRCH; /* exited; only its parent has not reaped it */
        return -1;
    }
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p) {
            errno = EINVAL;
            return -1;
        }
        p++;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || end == p) {
        errno = EINVAL;
        return -1;
    }
    *start = v;
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

/* The last number of the NSpid: line of /proc/PID/status: the pid in the
 * process's own (innermost) namespace. 0 when absent. */
static pid_t innermost_pid(const char *status)
{
    const char *p = strstr(status, "\nNSpid:");
    if (!p)
        return 0;
    p += 7;
    long last = 0;
    for (;;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        last = v;
        p = end;
        if (*p == '\n' || !*p)
            break;
    }
    return (pid_t)last;
}

pid_t proc_translate_pid(uint64_t ns, pid_t nspid)
{
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    pid_t found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64], status[4096];
        uint64_t its_ns;
        snprintf(path, sizeof(path), "/proc/%ld/status", pid);
        if (read_small_file(path, status, sizeof(status)) < 0 ||
            innermost_pid(status) != nspid)
            continue;
        if (proc_pidns((pid_t)pid, &its_ns) == 0 && its_ns == ns)
            found = (pid_t)pid;
    }
    closedir(d);
    return found;
}

int pidfd_open_pid(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

void boot_id(char *buf, size_t len)
{
    ssize_t n = read_small_file("/proc/sys/kernel/random/boot_id", buf, len);
    if (n < 0)
        n = 0;
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
        n--;
    buf[n] = '\0';
}
