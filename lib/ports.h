/* ports.h: ports and their state: sets of ports, what /proc/net says,
 * probing, holding. The core that pick, check and the server share. */
#ifndef PORTPICKER_PORTS_H
#define PORTPICKER_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

/* ---- lib/ranges.c ---- */

#define PORT_MAX 65535u

/* A set of ports 1..65535, as a bitmap. */
struct portset {
    uint64_t bits[(PORT_MAX + 1) / 64];
};

void portset_clear(struct portset *set);
void portset_add(struct portset *set, unsigned lo, unsigned hi);
void portset_remove(struct portset *set, unsigned lo, unsigned hi);
bool portset_has(const struct portset *set, unsigned port);
/* Remove from set every port of other. */
void portset_subtract(struct portset *set, const struct portset *other);
size_t portset_count(const struct portset *set);
/* Ports of set in increasing order into out (room for portset_count()). */
size_t portset_list(const struct portset *set, uint16_t *out);

/* Add "PORT" or "LO-HI", comma-separated, to set. Returns 0, or -1 with a
 * message naming the bad part in err (and set partly filled). */
int portset_parse(struct portset *set, const char *spec, char *err,
                  size_t errlen);

/* The kernel's default ephemeral range (net/ipv4/af_inet.c), removed when
 * the running kernel's cannot be read. */
#define KERNEL_EPHEMERAL_LO 32768
#define KERNEL_EPHEMERAL_HI 60999

/* Remove the kernel's ephemeral range (ip_local_port_range) and its
 * reserved ports (ip_local_reserved_ports). Returns 0, or -1 when the
 * range cannot be read (no /proc, not Linux): the default range
 * KERNEL_EPHEMERAL_LO-HI is removed instead, and the caller says so. */
int portset_remove_kernel_ports(struct portset *set);

/* Write "15000-24999" style text of the set into buf (truncated with "..."
 * when it does not fit). */
void portset_format(const struct portset *set, char *buf, size_t len);

/* ---- lib/procnet.c ---- */

/* TCP states as /proc/net/tcp prints them. */
#define TCP_STATE_LISTEN 0x0A
#define PROCNET_ANY_STATE (-1)

/* Count the sockets of /proc/net/<proto> and <proto>6 ("tcp", "udp") whose
 * local port is port and, unless state is PROCNET_ANY_STATE, whose state is
 * state; with not_state true, count those whose state differs from it.
 * Returns the count, or -1 when neither file can be read (not Linux). */
int procnet_count(const char *proto, unsigned port, int state, bool not_state);

/* ---- lib/probe.c ---- */

/* What "free" means: which protocols and families are probed, and where. */
struct probe_opts {
    bool tcp, udp;      /* at least one is true */
    bool ipv4, ipv6;    /* at least one is true */
    bool has_host;      /* probe host instead of the wildcard addresses */
    int host_family;    /* AF_INET or AF_INET6 when has_host */
    unsigned char host_addr[16]; /* in_addr or in6_addr, network order */
};

enum probe_result {
    PROBE_ERROR = -1, /* errno set, why says which socket call failed */
    PROBE_FREE = 0,
    PROBE_IN_USE = 1,
};

/* One socket a probe or a hold makes: IPv6 first, TCP before UDP. */
struct probe_target {
    int family;                 /* AF_INET6 or AF_INET */
    int type;                   /* SOCK_STREAM or SOCK_DGRAM */
    const unsigned char *addr;  /* opts' host, or NULL for the wildcard */
};

/* The sockets opts asks for, into out (room for 4); returns how many. */
size_t probe_targets(const struct probe_opts *opts, struct probe_target *out);

/* A socket for target bound to port; IPv6 sockets are IPv6-only; reuse sets
 * SO_REUSEADDR; do_listen makes a TCP socket listen. Returns the fd, or -1
 * with errno set and nothing left open. */
int bind_target(const struct probe_target *target, unsigned port, bool reuse,
                bool do_listen);

/* TCP and UDP, IPv4 and IPv6, on the wildcard addresses. */
void probe_opts_default(struct probe_opts *opts);

/* Parse a numeric IPv4 or IPv6 address (or "localhost") into opts. Returns
 * 0, or -1 with a message in err. */
int probe_opts_set_host(struct probe_opts *opts, const char *host, char *err,
                        size_t errlen);

/* Is port free for every protocol and family opts names? A family the host
 * lacks is skipped. On PROBE_IN_USE, why says which socket ("tcp ipv6 ::")
 * found it taken; on PROBE_ERROR, which call failed, with errno kept. */
enum probe_result probe_port(const struct probe_opts *opts, unsigned port,
                             char *why, size_t whylen);

/* Does something accept TCP connections on port (at opts' host, else at
 * 127.0.0.1 and ::1)? Waits at most timeout_ms per address. Returns 1, 0,
 * or -1 with errno set and why naming the call. */
int probe_listening(const struct probe_opts *opts, unsigned port,
                    int timeout_ms, char *why, size_t whylen);

/* ---- lib/hold.c ---- */

#define HOLD_MAX_FDS 4

/* Sockets that keep a port reserved. */
struct hold {
    unsigned port;
    int nfds;
    int fds[HOLD_MAX_FDS];
    int udp_fds;        /* how many of fds are UDP, for the take-over test */
};

/* Reserve port for every protocol and family of opts. With fence false,
 * sockets are bound with SO_REUSEADDR and do not listen: our probe and any
 * binder without SO_REUSEADDR see the port taken, while a consumer that sets
 * SO_REUSEADDR can bind and listen at once. With fence true, the TCP sockets
 * listen, as python_portpicker's hold does, and keep everyone out. Returns 0,
 * or -1 with errno set (nothing left open). */
int hold_port(const struct probe_opts *opts, unsigned port, bool fence,
              struct hold *hold);

/* Has a consumer taken the port over (a TCP listener, or a UDP socket that
 * is not ours)? Linux only; false elsewhere. */
bool hold_taken_over(const struct hold *hold);

void hold_close(struct hold *hold);

#endif
