/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_ports_iana.c: a system that cannot be asked for its ephemeral
 * range (the POSIX build): IANA's 49152-65535 (RFC 6335), with a warning,
 * and no reserved ports. (Linux: kernel_ports_linux.c; macOS and FreeBSD:
 * kernel_ports_sysctl.c.) */
#include "portpicker.h"

const bool have_proc_ports = false;

int ephemeral_range(unsigned *lo, unsigned *hi, const char **guess)
{
    *lo = IANA_EPHEMERAL_LO;
    *hi = IANA_EPHEMERAL_HI;
    *guess = "this build cannot ask the system for its ephemeral range: "
             "leaving out " PROTO_STR(IANA_EPHEMERAL_LO) "-"
             PROTO_STR(IANA_EPHEMERAL_HI) ", IANA's (RFC 6335)";
    return -1;
}

ssize_t reserved_ports_read(char *buf, size_t len)
{
    (void)len;
    buf[0] = '\0';
    return 0;
}
