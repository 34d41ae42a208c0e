/* portpicker.h: what every applet shares.
 *
 * lib/msg.c     messages and exits, one write(2) per line
 * lib/args.c    the option parser and the number parsers
 * lib/ranges.c  sets of ports: parsing LO-HI lists, the kernel's exclusions
 * lib/procnet.c what /proc/net/{tcp,udp}{,6} says about a port (Linux)
 * lib/probe.c   is a port free? is something listening on it?
 * lib/hold.c    keep a port reserved for a while without fencing its consumer
 * lib/clock.c   monotonic time, sleeps
 * lib/readfile.c  a small /proc file, read whole
 * lib/random.c  where a scan starts
 * lib/name.c    the NAMEs of a lease
 */
#ifndef PORTPICKER_H
#define PORTPICKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define PORTPICKER_VERSION "0.1.0"

/* Exit codes, the same for every applet: the RC_* enum. */
#include "lib/exit_codes.h"

/* ---- lib/msg.c ---- */

/* The name messages start with: "portpicker pick". Set by main. */
extern const char *applet_name;

/* Print "portpicker APPLET: MESSAGE\n" to stderr in one write and exit with
 * code. die_errno appends ": strerror(errno)". */
_Noreturn void die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
_Noreturn void die_errno(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Same line as die(), without exiting. */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- lib/args.c ---- */

enum { ARG_NONE = 0, ARG_REQUIRED = 1 };

/* One option of an applet. id is returned by args_next(); names are given
 * without dashes; short_name 0 means none. */
struct option_spec {
    const char *long_name;
    char short_name;
    int has_arg;
    int id;
};

/* Iteration state over argv; positional arguments may come anywhere. */
struct args {
    int argc;
    char **argv;
    const char *usage;  /* printed by --help */
    int next;           /* index of the next argv element to look at */
    bool only_positional; /* after "--" */
    const char *value;  /* the option's value, or the positional argument */
    const char *spelled; /* how the option was written, for messages */
};

#define ARGS_END 0
#define ARGS_POSITIONAL (-1)

/* Start at argv[1]. usage is the applet's whole --help text. */
void args_init(struct args *a, int argc, char **argv, const char *usage);

/* The usage lines of the options args_next() answers for every applet;
 * pad is the spaces that line the text up with the applet's other options. */
#define COMMON_OPTION_USAGE(pad)                                              \
    "  -h, --help   " pad "show this help\n"                                  \
    "  -V, --version" pad "print portpicker's version\n"

/* Next option: returns its id with a->value set to its value (ARG_REQUIRED)
 * or NULL; ARGS_POSITIONAL with a->value the argument; ARGS_END when done.
 * -h/--help prints a->usage and -V/--version the version, on stdout, and
 * exit 0, unless the applet's own specs name them.
 * "--name=value", "--name value", "-x value" and "-xvalue" are accepted; a
 * word that looks like a negative number is positional, so the caller can
 * say what is wrong with it. Dies with RC_USAGE on an unknown option, a
 * missing value, or a value given to a flag. */
int args_next(struct args *a, const struct option_spec *specs);

/* Number parsers for command-line values. `what` names the argument in the
 * message ("PID", "--range"); each dies with RC_USAGE naming the applet, the
 * argument, its text and what is wrong. */
unsigned parse_port(const char *what, const char *text);
long parse_long(const char *what, const char *text, long lo, long hi);
pid_t parse_pid(const char *what, const char *text);
/* Seconds, fractional allowed, 0 <= value <= max. */
double parse_seconds(const char *what, const char *text, double max);

/* Return-not-die variant for the daemon and for ranges: 0 and *out, or -1
 * with a message such as "'x' is not a number" in err. */
int parse_ulong_in(const char *text, unsigned long lo, unsigned long hi,
                   unsigned long *out, char *err, size_t errlen);

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

/* Remove the kernel's ephemeral range (ip_local_port_range) and its
 * reserved ports (ip_local_reserved_ports). Linux only: elsewhere, and when
 * /proc is not readable, nothing is removed and -1 is returned. */
int portset_remove_kernel_ports(struct portset *set);

/* pick's default range, python_portpicker's. */
#define PICK_RANGE_LO 15000u
#define PICK_RANGE_HI 24999u

/* The ports to pick from: range (the default range when it is empty) less
 * the kernel's ports and exclude, in increasing order into out (room for
 * PORT_MAX). Changes range. Returns how many; 0 with a message in err. */
size_t portset_candidates(struct portset *range, const struct portset *exclude,
                          uint16_t *out, char *err, size_t errlen);

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

/* Fill sa for family (AF_INET or AF_INET6) at addr (network order; NULL:
 * the wildcard) and port; returns its length. */
socklen_t make_sockaddr(struct sockaddr_storage *sa, int family,
                        const unsigned char *addr, unsigned port);

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

/* ---- lib/probe_args.c: the probe options pick and check share ---- */

enum { OPT_TCP = 1000, OPT_UDP, OPT_IPV4, OPT_IPV6, OPT_HOST };

#define PROBE_OPTION_SPECS                                                    \
    {"tcp", 0, ARG_NONE, OPT_TCP}, {"udp", 0, ARG_NONE, OPT_UDP},            \
    {"ipv4", '4', ARG_NONE, OPT_IPV4}, {"ipv6", '6', ARG_NONE, OPT_IPV6},    \
    {"host", 0, ARG_REQUIRED, OPT_HOST}

/* The usage lines for PROBE_OPTION_SPECS, for applets' --help. */
#define PROBE_OPTION_USAGE                                                    \
    "      --tcp         probe TCP only (default: TCP and UDP)\n"             \
    "      --udp         probe UDP only\n"                                    \
    "  -4, --ipv4        probe IPv4 only (default: IPv4 and IPv6)\n"          \
    "  -6, --ipv6        probe IPv6 only\n"                                   \
    "      --host ADDR   probe the numeric address ADDR, not the wildcards\n"

/* Start collecting probe options: nothing narrowed yet. */
void probe_args_init(struct probe_opts *opts);
/* Apply option id (one of OPT_TCP..OPT_HOST) with its value; returns false
 * for any other id. Dies with RC_USAGE on a bad --host. */
bool probe_args_take(struct probe_opts *opts, int id, const char *value);
/* Fill the defaults the options left open; dies on contradictions (-4 with
 * an IPv6 --host). */
void probe_args_finish(struct probe_opts *opts);

/* ---- lib/server_args.c: --server and --timeout ---- */

enum { OPT_SERVER = 1100, OPT_TIMEOUT };

#define SERVER_OPTION_SPECS                                                   \
    {"server", 's', ARG_REQUIRED, OPT_SERVER},                                \
    {"timeout", 't', ARG_REQUIRED, OPT_TIMEOUT}

#define SERVER_OPTION_USAGE                                                   \
    "  -s, --server ADDR the port server's address (@name: abstract socket);\n" \
    "                    default: $PORTSERVER_ADDRESS\n"                      \
    "  -t, --timeout SECONDS  give up on the server after SECONDS (default 5)\n"

struct server_opts {
    const char *address;    /* NULL: no server */
    double timeout;         /* seconds for the whole exchange */
};

void server_args_init(struct server_opts *opts);
/* Apply OPT_SERVER or OPT_TIMEOUT; false for any other id. Dies with
 * RC_USAGE on a bad --timeout or an address that starts with '-'. */
bool server_args_take(struct server_opts *opts, int id, const char *value);
/* The address defaults to $PORTSERVER_ADDRESS; set but empty means none. */
void server_args_finish(struct server_opts *opts);
/* For applets that cannot work without a server: dies with RC_UNREACHABLE,
 * the same code and message in each, when no address is known. */
void server_args_require(const struct server_opts *opts);

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

/* ---- lib/readfile.c ---- */

/* Read at most len - 1 bytes of path into buf, NUL-terminated. Returns the
 * length, or -1 with errno set. */
ssize_t read_small_file(const char *path, char *buf, size_t len);

/* ---- lib/name.c ---- */

#define PORT_NAME_MAX 32 /* a NAME's length, with its NUL (docs/protocol.md) */

/* Is word a NAME: letters, digits and _, not starting with a digit, shorter
 * than PORT_NAME_MAX? Such a NAME also makes a valid NAME_PORT variable. */
bool is_port_name(const char *word);

/* ---- lib/clock.c ---- */

/* Seconds on CLOCK_MONOTONIC: for deadlines, not for dates. */
double monotonic_seconds(void);
/* Sleep ms milliseconds, resuming after signals. */
void sleep_ms(unsigned ms);

/* ---- lib/random.c ---- */

/* A uniformly distributed number in [0, bound), bound > 0. */
uint32_t random_below(uint32_t bound);

/* ---- lib/ask.c: the client side of docs/protocol.md ---- */

struct sockaddr_un;

/* Fill sun for address: "@name" is a Linux abstract socket, anything else a
 * path. Returns the address length, or 0 with a message in err (empty, or
 * longer than sun_path). */
socklen_t unix_address(const char *address, struct sockaddr_un *sun, char *err,
                       size_t errlen);

enum ask_result {
    ASK_REPLY,       /* reply holds what the server wrote before closing */
    ASK_CLOSED,      /* the server closed without writing: a refusal */
    ASK_UNREACHABLE, /* nothing listens at the address */
    ASK_TIMEOUT,     /* no full answer within the timeout */
    ASK_OVERSIZE,    /* the reply did not fit: not a reply of the protocol */
    ASK_ERROR,       /* anything else; err says what */
};

/* Send request to the server at address and read its reply until the
 * server closes, all within timeout seconds. reply is NUL-terminated. On
 * anything but ASK_REPLY and ASK_CLOSED, err holds one line for the user
 * naming the address and what failed. */
enum ask_result ask_server(const char *address, const char *request,
                           char *reply, size_t replylen, double timeout,
                           char *err, size_t errlen);

/* ---- lib/verbs.c: the requests of docs/protocol.md ---- */

/* Lease count ports for pid: the legacy request when count is 1 and there
 * are no names, else "v1 pick". ports receives them. Returns RC_OK, or an
 * RC_* code (REFUSED, UNREACHABLE, TIMEOUT, BAD_REPLY, UNSUPPORTED, SYSTEM)
 * with one line in err. */
int ask_pick(const char *address, pid_t pid, unsigned count,
                char *const *names, unsigned *ports, double timeout, char *err,
                size_t errlen);

/* Release ports, all or none. RC_OK, or RC_NOT_HELD and the like. */
int ask_release(const char *address, const unsigned *ports, unsigned n,
                   double timeout, char *err, size_t errlen);

/* Ask "v1 VERB" (status, leases); reply holds the server's "ok ..." lines.
 * A legacy server that closes without a reply gives RC_OK with *legacy set
 * (it is up, but cannot say more). */
int ask_query(const char *address, const char *verb, char *reply,
                 size_t replylen, bool *legacy, double timeout, char *err,
                 size_t errlen);

/* ---- applets ---- */

int pick_main(int argc, char **argv);
int check_main(int argc, char **argv);
int serve_main(int argc, char **argv);
int release_main(int argc, char **argv);
int run_main(int argc, char **argv);

/* applets/check_server.c: check --server and check --leases. */
int server_up(const struct server_opts *server, bool quiet);
int print_leases(const struct server_opts *server, bool json);

/* applets/run_fds.c: the descriptors run hands to its command. Move fds[0..n-1]
 * to 3, 4, ... (updating fds), inheritable, and make every other descriptor
 * from 3 + n up close on exec; 0-2 are left alone. Returns 0, or -1 with
 * errno set and why naming the call that failed. */
int pass_fds(int *fds, unsigned n, char *why, size_t whylen);

#endif
