/* SPDX-License-Identifier: Apache-2.0 */
/* args.h: the command line: one option parser for every applet, the
 * number parsers, and the option groups several applets share. */
#ifndef PORTPICKER_ARGS_H
#define PORTPICKER_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "include/portpicker_defaults.h"
#include "lib/ports.h"
#include "lib/probe.h"

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
    const int *exits;   /* and these exit codes after it */
    int next;           /* index of the next argv element to look at */
    bool only_positional; /* after "--" */
    const char *value;  /* the option's value, or the positional argument */
    const char *spelled; /* how the option was written, for messages */
};

#define ARGS_END 0
#define ARGS_POSITIONAL (-1)

/* Start at argv[1]. usage is the applet's --help text, ending with the
 * heading of its exit codes ("Exit codes:\n"); exits are the codes the
 * applet may end with (RC_* values, ended by -1), which --help lists after
 * it with their meanings, by exit_codes_format. */
void args_init(struct args *a, int argc, char **argv, const char *usage,
               const int *exits);

/* "  CODE  MEANING\n" for each of codes (ended by -1), in the order and
 * the words of lib/exit_codes.h, into buf (size > 0; NUL-terminated, cut
 * when it does not fit). Returns the length written. */
size_t exit_codes_format(char *buf, size_t size, const int *codes);

/* The default pool in a help text: "LO-HI". */
#define DEFAULT_POOL                                                          \
    PROTO_STR(PORTPICKER_DEFAULT_POOL_LO) "-" PROTO_STR(PORTPICKER_DEFAULT_POOL_HI)

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

/* The one number parser, for options, arguments, environment variables
 * and files alike: text is digits of base (8 or 10) and nothing else (no
 * blank, sign or 0x, which strtoul would take), lo <= value <= hi. Returns
 * 0 with *out, or -1 with a message such as "'x' is not a whole number"
 * (the value quoted by quote()) in err (which may be NULL if errlen is 0). */
int parse_ulong_in(const char *text, int base, unsigned long lo,
                   unsigned long hi, unsigned long *out, char *err,
                   size_t errlen);
/* The same parser for a number wider than a long may be (a /proc start
 * time, in clock ticks, outgrows 32 bits). */
int parse_ullong_in(const char *text, int base, unsigned long long lo,
                    unsigned long long hi, unsigned long long *out, char *err,
                    size_t errlen);

/* parse_ulong_in for a command-line value: dies with RC_USAGE, the message
 * naming the applet and what (the argument: "PID", "--count"). */
unsigned long parse_arg(const char *what, const char *text, int base,
                        unsigned long lo, unsigned long hi);
/* parse_arg for a port, 1-65535, and a pid, 1-PROTO_PID_MAX. */
unsigned parse_port(const char *what, const char *text);
pid_t parse_pid(const char *what, const char *text);
/* Seconds, min <= value <= max, in decimal with a fraction allowed ("2",
 * "0.5", ".5"): no plus, blank, exponent, hex, inf or nan (a minus is out
 * of range); dies as parse_arg. */
double parse_seconds(const char *what, const char *text, double min, double max);
/* Add the NAME word to names (*count of at most max), or die as parse_arg
 * when it is no NAME (PROTO_NAME_RULE), is given twice (its ports would
 * be two, their variables one), or is one too many. */
void add_name(char **names, unsigned *count, unsigned max, const char *word);

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
    "  -t, --timeout SECONDS  give up on the server after SECONDS (default "  \
    PROTO_STR(PORTPICKER_DEFAULT_TIMEOUT_S) ")\n"

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

#endif
