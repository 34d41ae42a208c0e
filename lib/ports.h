/* ports.h: ports and their state: sets of ports, what the kernel's socket
 * diag says, probing, holding. The core that pick, check and the server share. */
#ifndef PORTPICKER_PORTS_H
#define PORTPICKER_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>

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

/* Remove the kernel's ephemeral range (ip_local_port_range) and its
 * reserved ports (ip_local_reserved_ports). Linux only: elsewhere, and when
 * /proc is not readable, nothing is removed and -1 is returned. */
int ranges_remove_kernel_ports(struct port_ranges *r);

/* Append "LO-HI" (or "PORT"), after a comma unless *used is 0, to the
 * NUL-terminated text in buf; when it does not fit, append "..." instead and
 * return false. */
bool format_interval(char *buf, size_t len, size_t *used, unsigned lo,
                     unsigned hi);
/* Write "15000-24999" style text of r into buf (truncated with "..."). */
void ranges_format(const struct port_ranges *r, char *buf, size_t len);

/* pick's default range, python_portpicker's. */
#define PICK_RANGE_LO 15000u
#define PICK_RANGE_HI 24999u

/* The ports to pick from, into pool: range (pick's default range when it is
 * empty) less the kernel's ephemeral and reserved ports and less exclude
 * (NULL: nothing). Returns how many; 0 with a message naming the range in
 * err. */
size_t ranges_candidates(struct port_ranges *pool,
                         const struct port_ranges *range,
                         const struct port_ranges *exclude, char *err,
                         size_t errlen);

/* ---- lib/portset.c: a set of ports as a bitmap, for the server ---- */

struct portset {
    uint64_t bits[(PORT_MAX + 1) / 64];
};

void portset_clear(struct portset *set);
void portset_add(struct portset *set, unsigned lo, unsigned hi);
bool portset_has(const struct portset *set, unsigned port);
size_t portset_count(const struct portset *set);
/* Ports of set in increasing order into out (room for portset_count()). */
size_t portset_list(const struct portset *set, uint16_t *out);
/* ranges_each into set. */
int portset_parse(struct portset *set, const char *spec, char *err,
                  size_t errlen);
/* Write "15000-24999" style text of the set into buf (truncated with "..."
 * when it does not fit). */
void portset_format(const struct portset *set, char *buf, size_t len);

/* ---- lib/sockdiag.c ---- */

/* Socket states for sockdiag_count, as bits of the kernel's TCP states. */
#define SOCK_STATE_LISTEN (1u << 10)
/* Connections, TIME_WAIT included: every TCP state but LISTEN, CLOSE and
 * bound-but-inactive (a socket that only holds the port). */
#define SOCK_STATES_CONNECTED                                                 \
    ((1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |  \
     (1u << 8) | (1u << 9) | (1u << 11))
#define SOCK_STATES_ANY 0xffffffffu

/* Count the sockets of protocol (IPPROTO_TCP or IPPROTO_UDP), IPv4 and IPv6,
 * whose local port is port and whose state is one of states, the kernel
 * filtering (NETLINK_SOCK_DIAG). Returns the count, or -1 with errno set
 * when neither family can be asked (not Linux, no diag module). */
int sockdiag_count(int protocol, uint32_t states, unsigned port);

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
    bool dual;                  /* IPv6 wildcard with IPV6_V6ONLY off */
};

/* The sockets opts asks for, into out (room for 4); returns how many. With
 * dual, one dual-stack socket per protocol (see probe_dual_stack). */
size_t probe_targets(const struct probe_opts *opts, bool dual,
                     struct probe_target *out);

/* Can a dual-stack socket stand for both families' wildcards? Yes when opts
 * asks for both families on the wildcards and IPv6 is on (Linux). */
bool probe_dual_stack(const struct probe_opts *opts);

/* Fill sa for family (AF_INET or AF_INET6) at addr (network order; NULL:
 * the wildcard) and port; returns its length. */
socklen_t make_sockaddr(struct sockaddr_storage *sa, int family,
                        const unsigned char *addr, unsigned port);

/* A socket for target bound to port; IPv6 sockets are IPv6-only unless
 * dual; reuse sets SO_REUSEADDR; do_listen makes a TCP socket listen.
 * Returns the fd, or -1 with errno set and nothing left open. */
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
