/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_ports_sysctl.c: the ephemeral range of macOS and FreeBSD, from
 * sysctl net.inet.ip.portrange.first and .last (IANA's 49152-65535 by
 * default on both). They keep no list of reserved ports in that sense.
 * (Linux: kernel_ports_linux.c; anything else: kernel_ports_iana.c.) */
#include "portpicker.h"

#include <sys/sysctl.h>

const bool have_proc_ports = false;

static bool read_port(const char *name, unsigned *port)
{
    int value = 0;
    size_t len = sizeof(value);
    if (sysctlbyname(name, &value, &len, NULL, 0) < 0 || len != sizeof(value) ||
        value < 1 || (unsigned)value > PORT_MAX)
        return false;
    *port = (unsigned)value;
    return true;
}

int ephemeral_range(unsigned *lo, unsigned *hi, const char **guess)
{
    if (read_port("net.inet.ip.portrange.first", lo) &&
        read_port("net.inet.ip.portrange.last", hi)) {
        /* Either order is a range to the kernel (in_pcb.c swaps them). */
        if (*lo > *hi) {
            unsigned t = *lo;
            *lo = *hi;
            *hi = t;
        }
        return 0;
    }
    *lo = IANA_EPHEMERAL_LO;
    *hi = IANA_EPHEMERAL_HI;
    *guess = "cannot read sysctl net.inet.ip.portrange.first and .last: "
             "leaving out " PROTO_STR(IANA_EPHEMERAL_LO) "-"
             PROTO_STR(IANA_EPHEMERAL_HI) ", their default";
    return -1;
}

ssize_t reserved_ports_read(char *buf, size_t len)
{
    (void)len;
    buf[0] = '\0';
    return 0;
}
