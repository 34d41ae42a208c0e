/* SPDX-License-Identifier: Apache-2.0 */
/* detach_fork.c: pick's hold runs in a forked, detached child
 * (applets/pick.c, hold_in_background). (Windows: detach_none.c.) */
#include "portpicker.h"

const char *detach_missing(void)
{
    return NULL;
}
