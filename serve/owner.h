/* owner.h: what /proc says about a process (serve/owner.c). Each returns
 * 0, or -1 with errno set, unless its comment says otherwise. */
#ifndef SERVE_OWNER_H
#define SERVE_OWNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid in clock ticks since boot (/proc/PID/stat field 22).
 * ENOENT/ESRCH: no such process. */
int proc_start_time(pid_t pid, uint64_t *start);

/* Identity of pid's pid namespace. */
int proc_pidns(pid_t pid, uint64_t *ns);

/* The command line of pid, arguments joined by spaces, in buf (empty when
 * unreadable). */
void proc_cmdline(pid_t pid, char *buf, size_t len);

/* The pid, in our namespace, of the process whose pid in namespace ns is
 * nspid (found through /proc/PID/status NSpid). Returns it, or 0. */
pid_t proc_translate_pid(uint64_t ns, pid_t nspid);

/* pidfd_open(2) through syscall(); the fd, or -1 with errno ENOSYS before
 * Linux 5.3. */
int pidfd_open_pid(pid_t pid);

/* Kernel boot id, "" when unknown; persisted start times are only
 * comparable within one boot. */
void boot_id(char *buf, size_t len);

#endif
