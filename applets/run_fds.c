/* SPDX-License-Identifier: Apache-2.0 */
/* run_fds.c: lay out the descriptors run's command inherits, as sd_listen_fds(3)
 * expects: the passed sockets at 3, 4, ... without close-on-exec, nothing
 * else above 2. Descriptors 0-2 belong to the caller and are left alone.
 *
 * Every other descriptor is marked close-on-exec, not closed: the exec may
 * still fail, and run must then be able to say so (and glibc may hold
 * descriptors of its own until then). */
#include "applets/applets.h"
#include "portpicker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int pass_fds(int *fds, unsigned n, char *why, size_t whylen)
{
    int first_free = 3 + (int)n;

    /* Out of the way first: a socket below first_free but not at its own
     * place may sit where another goes. One already in place stays, so n
     * sockets need no more descriptors than n (ulimit -n 3 + n). */
    for (unsigned i = 0; i < n; i++) {
        if (fds[i] == 3 + (int)i || fds[i] >= first_free)
            continue;
        int high = fcntl(fds[i], F_DUPFD_CLOEXEC, first_free);
        if (high < 0) {
            if (errno == EINVAL) /* first_free is past the limit */
                errno = EMFILE;
            snprintf(why, whylen, "fcntl(F_DUPFD)");
            return -1;
        }
        close(fds[i]);
        fds[i] = high;
    }
    for (unsigned i = 0; i < n; i++) {
        /* Inherited: dup2 leaves its copy without close-on-exec; one in
         * place has the flag taken off. */
        if (fds[i] == 3 + (int)i) {
            if (fcntl(fds[i], F_SETFD, 0) < 0) {
                snprintf(why, whylen, "fcntl(F_SETFD)");
                return -1;
            }
            continue;
        }
        if (dup2(fds[i], 3 + (int)i) < 0) {
            snprintf(why, whylen, "dup2");
            return -1;
        }
        close(fds[i]);
        fds[i] = 3 + (int)i;
    }
    if (cloexec_from(first_free) < 0) {
        snprintf(why, whylen, "marking descriptors close-on-exec");
        return -1;
    }
    return 0;
}
