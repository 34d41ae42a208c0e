/* SPDX-License-Identifier: Apache-2.0 */
/* abstract_linux.c: Linux's abstract unix socket names, "@NAME" written
 * with a NUL for the @ and no NUL after. (Elsewhere: abstract_none.c.) */
#include "portpicker.h"

#include <stddef.h>
#include <string.h>
#include <sys/un.h>

const bool have_abstract = true;

socklen_t unix_abstract(struct sockaddr_un *sun, const char *name,
                        size_t len, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    memcpy(sun->sun_path, name, len);
    sun->sun_path[0] = '\0';
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
}
