/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_ports_windows.c: Windows' dynamic port range, 49152-65535, the
 * default since Vista (`netsh int ipv4 show dynamicport tcp`; KB929851).
 * Not read from the system: an administrator's `netsh int ipv4 set
 * dynamicport` and the excluded port ranges (`netsh int ipv4 show
 * excludedportrange`, Hyper-V's reservations) are not seen, which a build
 * for real Windows would ask for (docs/platforms.md). No reserved ports.
 * (Linux: kernel_ports_linux.c.) */
#include "portpicker.h"

const bool have_proc_ports = false;

int ephemeral_range(unsigned *lo, unsigned *hi, const char **guess)
{
    *lo = IANA_EPHEMERAL_LO;
    *hi = IANA_EPHEMERAL_HI;
    *guess = NULL;
    return 0;
}

ssize_t reserved_ports_read(char *buf, size_t len)
{
    (void)len;
    buf[0] = '\0';
    return 0;
}
