/* SPDX-License-Identifier: Apache-2.0 */
/* portpicker.h: what lib/ offers every applet and the server; include
 * this one header. Each group has its own header, the module behind each
 * function named above it:
 *
 * lib/msg.h     messages and exits, one write(2) per line (msg.c)
 * lib/args.h    the option parser, the number parsers, the shared option
 *               groups (args.c, probe_args.c, server_args.c)
 * lib/ports.h   sets of ports (ranges.c, portset.c)
 * lib/probe.h   socket diag, probing, holding (sockdiag.c, probe.c, hold.c)
 * lib/sys.h     time, fd limits and flags, small /proc files, randomness
 *               (clock.c, fdflags.c, fdlimit.c, readfile.c, random.c)
 * lib/os.h      what differs by system, one file per system and mechanism
 *               (*_linux.c and their fallbacks; the Makefile picks)
 * lib/client.h  talking to a port server (ask.c, verbs.c)
 * lib/exit_codes.h  every exit code, once
 * lib/proto.h   the port server protocol, both sides (proto.c, proto_reply.c,
 *               proto_check.c)
 */
#ifndef PORTPICKER_H
#define PORTPICKER_H

#include "lib/args.h"
#include "lib/client.h"
#include "lib/msg.h"
#include "lib/os.h"
#include "lib/ports.h"
#include "lib/probe.h"
#include "lib/proto.h"
#include "lib/sys.h"

#define PORTPICKER_VERSION "0.2.0"

/* Exit codes, the same for every applet: the RC_* enum. */
#include "lib/exit_codes.h"

#endif
