/* SPDX-License-Identifier: Apache-2.0 */
/* sockdiag_none.c: no socket diag off Linux. Every count fails, so the
 * probe takes a TCP port whose plain bind fails for taken (TIME_WAIT
 * included), and every hold fences (lib/hold.c). (Linux: sockdiag.c.) */
#include "portpicker.h"

#include <errno.h>

const bool have_sockdiag = false;

int sockdiag_count(int protocol, uint32_t states, unsigned port)
{
    (void)protocol;
    (void)states;
    (void)port;
    errno = ENOSYS;
    return -1;
}
