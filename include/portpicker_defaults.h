/* SPDX-License-Identifier: Apache-2.0 */
/* portpicker_defaults.h: the defaults the port server and its clients
 * share, each defined once: `portpicker serve` and `pick` take them from
 * here, so do the C client (portpicker_client.h) and every --help that
 * names one. Installed with the C client. portpicker.1 and the README
 * repeat them; tests/docs.bats compares.
 *
 * Plain numbers, no suffix or parentheses, so that a help text can spell
 * one with the preprocessor's # (PROTO_STR in portpicker_proto.h). */
#ifndef PORTPICKER_DEFAULTS_H
#define PORTPICKER_DEFAULTS_H

/* Where the server listens, and where the C client asks when
 * PORTSERVER_ADDRESS is unset: portserver.py's abstract socket name. */
#define PORTPICKER_DEFAULT_ADDRESS "@unittest-portserver"

/* The ports a server hands out and pick picks from when not told:
 * python_portpicker's range. */
#define PORTPICKER_DEFAULT_POOL_LO 15000
#define PORTPICKER_DEFAULT_POOL_HI 24999

/* Seconds a client gives the server for a whole request and reply. */
#define PORTPICKER_DEFAULT_TIMEOUT_S 5

/* Seconds the server gives a connection to send its request, from
 * connecting; then it closes it. */
#define PORTPICKER_IDLE_TIMEOUT_S 3

/* The most connections the server lets one uid (root aside) hold open by
 * default, whatever its fd limit (a quarter of that below this): an idle
 * connection costs the server about 4.8 kB, so one uid under systemd's
 * hard limit of 524,288 fds could otherwise hold 131,000 and 630 MB. */
#define PORTPICKER_CONNS_PER_UID_MAX 4096

#endif
