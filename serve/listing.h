/* SPDX-License-Identifier: Apache-2.0 */
/* listing.h: the lines of a leases reply, written as the client reads them
 * (serve/listing.c). */
#ifndef SERVE_LISTING_H
#define SERVE_LISTING_H

#include <stddef.h>
#include <sys/types.h>

struct leases;

/* Where a listing is: lines left to write, after the leased port cursor. */
struct listing {
    unsigned cursor;
    size_t lines_left;
};

/* Write the next lease lines of li into buf (size bytes, room for two
 * lines at least), from the leased port after li->cursor, as many as fit
 * whole (at most li->lines_left), advancing both; a lease's command line
 * is shown to its uid and root only. When the leases run out before
 * lines_left does, an empty line ends the reply. Returns the bytes
 * written: 0 when the reply is complete. */
size_t listing_more(const struct leases *ls, struct listing *li, uid_t uid,
                    char *buf, size_t size);

#endif
