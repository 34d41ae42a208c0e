/* SPDX-License-Identifier: Apache-2.0 */
/* ports.h: sets of ports: intervals for picking (lib/ranges.c), a bitmap
 * for the server's pool (lib/portset.c). Probing is lib/probe.h's. */
#ifndef PORTPICKER_PORTS_H
#define PORTPICKER_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

#include "include/portpicker_defaults.h"

/* ---- lib/ranges.c: sets of ports as intervals, and their syntax ---- */

#define PORT_MAX 65535u
/* Sorted, disjoint, non-adjacent intervals in 1..65535: at most this many. */
#define RANGES_MAX ((PORT_MAX + 1) / 2)

struct port_interval {
    uint16_t lo, hi;
};

/* A set of ports as intervals; zeroed, it is empty. */
struct port_ranges {
    size_t n;
    struct port_interval iv[RANGES_MAX];
};

/* Add or remove the ports lo..hi (clipped to 1..65535). */
void ranges_add(struct port_ranges *r, unsigned lo, unsigned hi);
void ranges_remove(struct port_ranges *r, unsigned lo, unsigned hi);
size_t ranges_count(const struct port_ranges *r);

/* A place in a set: the port and the interval it is in. */
struct ranges_cursor {
    size_t index;
    unsigned port;
};

/* The nth port of r in increasing order, nth < ranges_count(r). */
struct ranges_cursor ranges_at(const struct port_ranges *r, size_t nth);
/* Step to the next port of r, from the highest back to the lowest. */
void ranges_next(const struct port_ranges *r, struct ranges_cursor *c);

/* The grammar of --range, --exclude and --pool: "PORT" or "LO-HI",
 * comma-separated. Calls take(ctx, lo, hi) for each part, in order; returns
 * 0, or -1 with a message naming the bad part in err (after taking the parts
 * before it). */
int ranges_each(const char *spec, void (*take)(void *, unsigned, unsigned),
                void *ctx, char *err, size_t errlen);
/* ranges_each into r. */
int ranges_parse(struct port_ranges *r, const char *spec, char *err,
                 size_t errlen);

/* Linux's default ephemeral range (net/ipv4/af_inet.c), removed when the
 * running kernel's cannot be read. */
#define KERNEL_EPHEMERAL_LO 32768
#define KERNEL_EPHEMERAL_HI 60999
/* IANA's dynamic ports (RFC 6335), the default of macOS and FreeBSD, and
 * what a system that cannot be asked is assumed to use. */
#define IANA_EPHEMERAL_LO 49152
#define IANA_EPHEMERAL_HI 65535

/* Remove the kernel's ephemeral range and its reserved ports (lib/os.h:
 * ephemeral_range, reserved_ports_read). A range that cannot be read is
 * the system's default, removed instead, and *guess (else NULL) says so in
 * a sentence for a warning. A reserved-ports list that is not there (no
 * /proc, a sandbox hiding it: ENOENT, EACCES, EPERM) is the kernel's
 * default, empty. Returns 0, or -1 with errno when the list is there but
 * could not be read (EMFILE, EIO, ENOMEM): its ports are never picked, so
 * a failed read is never taken for an empty list. */
int ranges_remove_kernel_ports(struct port_ranges *r, const char **guess);

/* Append "LO-HI" (or "PORT"), after a comma unless *used is 0, to the
 * NUL-terminated text in buf; when it does not fit, append "..." instead and
 * return false. */
bool format_interval(char *buf, size_t len, size_t *used, unsigned lo,
                     unsigned hi);
/* Write "LO-HI,LO-HI" style text of r into buf (truncated with "..."). */
void ranges_format(const struct port_ranges *r, char *buf, size_t len);

/* The ports to pick from, into pool: range (when it is NULL or empty, the
 * default pool of include/portpicker_defaults.h) less the kernel's
 * ephemeral and reserved ports and less exclude (NULL: nothing). Returns
 * how many; 0 with a message naming the range in err; -1 with errno and
 * err naming what could not be read (ranges_remove_kernel_ports). *guessed
 * (unless NULL) is NULL, or when the kernel's ephemeral range was
 * unreadable and its default left out, a sentence saying so, which the
 * caller warns with. */
ssize_t ranges_candidates(struct port_ranges *pool,
                          const struct port_ranges *range,
                          const struct port_ranges *exclude, char *err,
                          size_t errlen, const char **guessed);

/* ---- lib/portset.c: a set of ports as a bitmap, for the server ---- */

struct portset {
    uint64_t bits[(PORT_MAX + 1) / 64];
};

void portset_clear(struct portset *set);
void portset_add(struct portset *set, unsigned lo, unsigned hi);
bool portset_has(const struct portset *set, unsigned port);
size_t portset_count(const struct portset *set);
/* The first port of set above port (0: from the start), 0 when there is
 * none; a word of 64 ports at a time. */
unsigned portset_next(const struct portset *set, unsigned port);
/* ranges_each into set. */
int portset_parse(struct portset *set, const char *spec, char *err,
                  size_t errlen);
/* Write "LO-HI,LO-HI" style text of the set into buf (truncated with "..."
 * when it does not fit). */
void portset_format(const struct portset *set, char *buf, size_t len);

#endif
