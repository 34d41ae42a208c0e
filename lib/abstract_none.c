/* SPDX-License-Identifier: Apache-2.0 */
/* abstract_none.c: no abstract unix socket names off Linux; "@NAME" is
 * refused rather than taken for a file named @NAME in the working
 * directory. (Linux: abstract_linux.c.) */
#include "portpicker.h"

#include <stdio.h>
#include <sys/un.h>

const bool have_abstract = false;

socklen_t unix_abstract(struct sockaddr_un *sun, const char *name,
                        size_t len, char *err, size_t errlen)
{
    (void)sun;
    (void)len;
    snprintf(err, errlen, "%s is a Linux abstract socket name, and this "
             "system has none: use a socket path", QUOTED(name));
    return 0;
}
