/* SPDX-License-Identifier: Apache-2.0 */
/* applets.h: the applets' entry points, for portpicker.c's table, and
 * what check borrows from check_server.c. */
#ifndef PORTPICKER_APPLETS_H
#define PORTPICKER_APPLETS_H

#include "lib/args.h"

int pick_main(int argc, char **argv);
int check_main(int argc, char **argv);
int serve_main(int argc, char **argv);
int release_main(int argc, char **argv);
int run_main(int argc, char **argv);

/* applets/check_server.c: check --server-up, --leases and --metrics. */
int server_up(const struct server_opts *server, bool quiet, bool json);
int print_leases(const struct server_opts *server, bool json);
int print_metrics(const struct server_opts *server);

/* applets/run_fds.c: the descriptors run hands to its command. Move fds[0..n-1]
 * to 3, 4, ... (updating fds), inheritable, and make every other descriptor
 * from 3 + n up close on exec; 0-2 are left alone. Returns 0, or -1 with
 * errno set and why naming the call that failed. */
int pass_fds(int *fds, unsigned n, char *why, size_t whylen);

/* applets/run_exec.c: exec argv as sh(1) would (execvp, and a file it
 * will not execute run by /bin/sh). Returns only on failure, errno set:
 * ENOENT when no such command. */
void exec_command(char **argv);

#endif
