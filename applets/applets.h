/* applets.h: the applets' entry points, for portpicker.c's table, and
 * what check borrows from check_server.c. */
#ifndef PORTPICKER_APPLETS_H
#define PORTPICKER_APPLETS_H

#include "lib/args.h"

int pick_main(int argc, char **argv);
int check_main(int argc, char **argv);
int serve_main(int argc, char **argv);
int release_main(int argc, char **argv);

/* applets/check_server.c: check --server and check --leases. */
int server_up(const struct server_opts *server, bool quiet);
int print_leases(const struct server_opts *server, bool json);

#endif
