/* SPDX-License-Identifier: Apache-2.0 */
/* detach_none.c: no fork on Windows, so no child keeps a pick's sockets
 * after it prints: pick PID BIND_TIMEOUT is refused. (POSIX:
 * detach_fork.c.) */
#include "portpicker.h"

const char *detach_missing(void)
{
    return "holding the port after printing it needs fork (a detached "
           "child keeps the sockets): not available on Windows";
}
