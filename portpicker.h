/* portpicker.h: what lib/ offers every applet and the server; include
 * this one header. Each group has its own header, the module behind each
 * function named above it:
 *
 * lib/msg.h     messages and exits, one write(2) per line (msg.c)
 * lib/args.h    the option parser, the number parsers, the shared option
 *               groups (args.c, probe_args.c, server_args.c)
 * lib/ports.h   sets of ports, /proc/net, probing, holding (ranges.c,
 *               procnet.c, probe.c, hold.c)
 * lib/sys.h     time, fd limits, small /proc files, randomness (clock.c,
 *               fdlimit.c, readfile.c, random.c)
 * lib/client.h  talking to a port server (ask.c, verbs.c)
 */
#ifndef PORTPICKER_H
#define PORTPICKER_H

#include "lib/args.h"
#include "lib/client.h"
#include "lib/msg.h"
#include "lib/ports.h"
#include "lib/sys.h"

#define PORTPICKER_VERSION "0.1.0"

/* Exit codes, the same for every applet; README and portpicker.1 list them. */
enum {
    RC_OK = 0,          /* done; the port is free; the condition holds */
    RC_NO = 1,          /* check: in use, or not listening */
    RC_USAGE = 2,       /* bad argument; nothing was done */
    RC_SYSTEM = 3,      /* a system call failed (EACCES, EMFILE, ...) */
    RC_EXHAUSTED = 4,   /* pick: no free port left in the range */
    RC_ADDR_IN_USE = 5, /* serve: a live server already answers there */
    RC_REFUSED = 6,     /* the port server refused (pool exhausted, ...) */
    RC_UNREACHABLE = 7, /* no port server answers at the address */
    RC_TIMEOUT = 8,     /* the port server did not answer in time */
    RC_BAD_REPLY = 9,   /* the port server's reply is not in the protocol */
    RC_NOT_HELD = 10,   /* release: a port is not leased, or not to us */
    RC_UNSUPPORTED = 11, /* the server is too old for the request */
    RC_NOT_BUILT = 126, /* applet named but not part of this build */
    RC_NO_APPLET = 127, /* no such applet */
};

#endif
