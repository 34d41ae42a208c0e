/* SPDX-License-Identifier: Apache-2.0 */
/* sys.h: small wrappers around the system: time, fd limits and flags,
 * /proc files, randomness, lazily backed tables. What differs by system is
 * in lib/os.h. */
#ifndef PORTPICKER_SYS_H
#define PORTPICKER_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- lib/readfile.c ---- */

/* Read at most len - 1 bytes of path, a /proc file, into buf,
 * NUL-terminated; a short read is taken as the end, as it is in /proc.
 * Returns the length, or -1 with errno set. */
ssize_t read_small_file(const char *path, char *buf, size_t len);

/* ---- lib/writeall.c ---- */

/* Write all len bytes of buf to fd, resuming after EINTR and short
 * writes (a pipe's reader stopped and continued, a slow terminal). Returns
 * 0, or -1 with errno set; what was written before a failure stays. */
int write_all(int fd, const char *buf, size_t len);

/* ---- lib/pages.c ---- */

/* n zeroed entries of size bytes, backed by memory only once written: for
 * tables sized to the worst case. NULL with errno set on failure. */
void *pages_alloc(size_t n, size_t size);
/* Give back a table of pages_alloc(n, size); p may be NULL. */
void pages_free(void *p, size_t n, size_t size);

/* ---- lib/clock.c ---- */

/* Milliseconds on CLOCK_MONOTONIC, never 0: for deadlines, not for dates. */
int64_t monotonic_ms(void);
/* The same clock in nanoseconds (from an arbitrary start): for durations
 * shorter than a millisecond. */
int64_t monotonic_ns(void);
/* The same clock in seconds. */
double monotonic_seconds(void);
/* The same clock, read by a system call rather than the vDSO: for a
 * process that reads it a few times before it exits (a client's timeout).
 * The vDSO's first read maps three pages, three page faults that cost
 * a short-lived process thirty times the syscall (docs/bench.md). */
double monotonic_seconds_syscall(void);
/* Sleep ms milliseconds, resuming after signals. */
void sleep_ms(unsigned ms);

/* ---- lib/fdlimit.c ---- */

/* A hard limit of "unlimited" must not become a billion-slot fd table. */
#define FD_LIMIT_MAX 1048576

/* Raise the soft limit on open files to want, or as far as the hard limit
 * allows (want 0: to the hard limit), capped at 1048576. *now receives the
 * soft limit in force afterwards. Returns 0, or -1 with errno set when the
 * limit could not be read (*now is 1024) or raised (*now is the old one). */
int raise_fd_limit(size_t want, size_t *now);

/* ---- lib/fdflags.c ---- */

/* Add flag to fd's flags, read with fcntl(fd, get) and written with
 * fcntl(fd, set): (F_GETFD, F_SETFD, FD_CLOEXEC) or (F_GETFL, F_SETFL,
 * O_NONBLOCK). Returns 0, or -1 with errno set (EBADF: fd is not open). */
int fd_set_flag(int fd, int get, int set, int flag);
/* Mark every open descriptor from low up to the soft limit on open files
 * close-on-exec, trying each number: the portable cloexec_from (lib/os.h).
 * Returns 0, or -1 with errno set. */
int cloexec_below_limit(int low);
/* Close every descriptor from low to high (inclusive) below the soft limit
 * on open files, trying each number: the portable close_between. */
void close_below_limit(int low, int high);

/* ---- lib/random.c ---- */

/* A uniformly distributed number in [0, bound), bound > 0. */
uint32_t random_below(uint32_t bound);

/* Close fd on a failure path, keeping errno as the failure left it.
 * Returns -1, for `return close_keep_errno(fd);`. */
int close_keep_errno(int fd);

#endif
