/* SPDX-License-Identifier: Apache-2.0 */
/* os.h: each mechanism that differs by system, behind one function. Every
 * function here has one file per way of doing it, and the Makefile builds
 * exactly one of them for the PLATFORM (linux, macos, freebsd, posix,
 * windows): the
 * Linux file first, its portable fallback in a sibling file. No #if in the
 * logic that calls them. docs/platforms.md has the table of who uses what.
 *
 * Each file also sets its have_* flag: true in the Linux file, false in the
 * fallback; `portpicker --features` prints them, and the tests skip what a
 * build has not got (tests/helpers.bash, needs_linux_mechanism). */
#ifndef PORTPICKER_OS_H
#define PORTPICKER_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct sockaddr_un;

/* ---- lib/kernel_ports_linux.c (/proc), _sysctl.c (macOS, FreeBSD),
 * _windows.c (netsh), _iana.c (anything else) ---- */

/* The system's ephemeral port range into *lo and *hi. Returns 0, or -1
 * when it cannot be read: *lo and *hi are then the range assumed instead
 * and *guess a sentence saying so, for a warning. */
int ephemeral_range(unsigned *lo, unsigned *hi, const char **guess);
/* The kernel's reserved ports ("1000,2000-2010\n") into buf as
 * read_small_file reads a file: the length (0 for none, or where the
 * system keeps no such list), or -1 with errno set and buf "". (Windows:
 * UDP's dynamic range and the excluded port ranges, whose failures
 * ephemeral_range's *guess has told.) */
ssize_t reserved_ports_read(char *buf, size_t len);
extern const bool have_proc_ports;

/* ---- lib/ipv6_linux.c (/proc), lib/ipv6_posix.c ---- */

/* May a dual-stack socket (IPv6 wildcard, IPV6_V6ONLY off) stand for both
 * families' wildcards in a probe? Linux: when IPv6 is on. Elsewhere no:
 * the four sockets are used, whose meaning docs/platforms.md checks. */
bool ipv6_dual_stack_probe(void);
extern const bool have_proc_ipv6;

/* ---- lib/seed_getrandom.c, lib/seed_getentropy.c ---- */

/* len (at most 256) bytes from the kernel's random source into buf.
 * Returns 0, or -1 with errno set. */
int random_seed(void *buf, size_t len);
extern const bool have_getrandom;

/* ---- lib/socket_linux.c (socket flags, MSG_NOSIGNAL), lib/socket_posix.c
 * (fcntl, SIGPIPE blocked around send) ---- */

/* socket(family, type, 0), close-on-exec, and non-blocking if nonblock.
 * Returns the fd, or -1 with errno set and nothing left open. */
int socket_cloexec(int family, int type, bool nonblock);
/* send(fd, buf, len, 0), but a peer gone is EPIPE, never SIGPIPE. */
ssize_t send_nosignal(int fd, const void *buf, size_t len);
extern const bool have_socket_flags;

/* ---- lib/cloexec_linux.c (close_range), lib/cloexec_posix.c ---- */

/* Mark every descriptor from low up close-on-exec. Returns 0, or -1 with
 * errno set. */
int cloexec_from(int low);
/* Close every descriptor from low to high (inclusive; INT_MAX: all). */
void close_between(int low, int high);
extern const bool have_close_range;

/* ---- lib/fdflags.c, lib/cloexec_windows.c ---- */

/* Open /dev/null, read-only, on each of descriptors 0-2 that is closed, so
 * that no socket or file of ours takes its number: a port written to a
 * closed stdout must fail (EBADF, as it would have), not go down a socket
 * pick holds. Returns 0, or -1 with errno (no /dev/null: they stay closed).
 * Nothing to do on Windows, whose handles have no such numbers. */
int std_fds_fill(void);

/* ---- lib/abstract_linux.c, lib/abstract_none.c ---- */

/* Fill sun for the abstract name "@NAME" (len bytes with the @, at most
 * sizeof(sun_path) - 1). Returns the address length, or 0 with a message in
 * err where the system has no abstract sockets. */
socklen_t unix_abstract(struct sockaddr_un *sun, const char *name,
                        size_t len, char *err, size_t errlen);
extern const bool have_abstract;

/* ---- lib/clock_syscall_linux.c, lib/clock_syscall_posix.c ---- */

/* CLOCK_MONOTONIC into ts, by a system call where the C library would use
 * the vDSO (Linux: see monotonic_seconds_syscall), else clock_gettime. */
void clock_read_syscall(struct timespec *ts);
extern const bool have_raw_clock;

/* ---- lib/detach_fork.c, lib/detach_windows.c ---- */

/* Keep the n sockets in fds open in a detached process after pick exits,
 * for seconds. Returns 1 in pick, which goes on (and closes its copies);
 * 0 in a forked child, detached from pick's stdio and terminal, which
 * holds them itself (POSIX); -1 with errno set, nothing held. On Windows
 * the process holding them is a new portpicker.exe, which only waits out
 * the seconds: a hold there always fences. */
int detach_hold(const int *fds, size_t n, double seconds);

/* ---- lib/sockdiag.c, lib/sockdiag_none.c (lib/probe.h) ---- */
extern const bool have_sockdiag;

/* ---- applets/serve.c, applets/serve_none.c ---- */
extern const bool have_serve;

#endif
