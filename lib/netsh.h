/* SPDX-License-Identifier: Apache-2.0 */
/* netsh.h: ask Windows' netsh.exe and keep what it printed
 * (lib/netsh_windows.c; the Windows build only, for
 * lib/kernel_ports_windows.c). */
#ifndef PORTPICKER_NETSH_H
#define PORTPICKER_NETSH_H

#include <stddef.h>

/* The most netsh may print for one question: a list of about a thousand
 * excluded ranges. More is an answer cut short, never parsed. */
#define NETSH_TEXT_MAX 32768
/* How long all the questions together may take: netsh loads its helper
 * DLLs at each start, a few hundred ms on a loaded machine. */
#define NETSH_TIMEOUT_MS 3000
#define NETSH_QUERIES_MAX 4

struct netsh_query {
    const char *args;          /* "int ipv4 show dynamicport tcp" */
    char text[NETSH_TEXT_MAX]; /* what netsh printed on stdout, NUL-ended */
    size_t len;
    char why[96];              /* "" when netsh exited 0, else why not */
};

/* Run the system directory's netsh.exe with each query's args, all at
 * once, and wait for them together for at most NETSH_TIMEOUT_MS: netsh
 * still running then is ended. n is at most NETSH_QUERIES_MAX. Each query
 * gets its output in text, and why empty when netsh exited 0, else a few
 * words saying what failed (it could not start, exit N, no answer in time,
 * too much output). */
void netsh_ask(struct netsh_query *q, size_t n);

#endif
