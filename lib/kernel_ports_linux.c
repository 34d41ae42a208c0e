/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_ports_linux.c: the ports Linux keeps for itself, from /proc.
 * (Elsewhere: kernel_ports_sysctl.c, kernel_ports_iana.c.) */
#include "portpicker.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const bool have_proc_ports = true;

/* The number of up to 5 digits at *text, into *out; *text moves past it
 * and the blanks after. */
static bool take_port_number(const char **text, unsigned long *out)
{
    char digits[6];
    size_t n = strcspn(*text, " \t\n");
    if (n == 0 || n >= sizeof(digits))
        return false;
    memcpy(digits, *text, n);
    digits[n] = '\0';
    *text += n + strspn(*text + n, " \t\n");
    return parse_ulong_in(digits, 10, 0, PORT_MAX, out, NULL, 0) == 0;
}

/* The kernel's ephemeral range, "32768\t60999\n", into *lo and *hi. */
static bool parse_ephemeral(const char *text, unsigned *lo, unsigned *hi)
{
    unsigned long a, b;
    if (!take_port_number(&text, &a) || !take_port_number(&text, &b) || *text)
        return false;
    *lo = (unsigned)a;
    *hi = (unsigned)b;
    return true;
}

int ephemeral_range(unsigned *lo, unsigned *hi, const char **guess)
{
    static char said[160];
    char buf[32];
    ssize_t n = read_small_file("/proc/sys/net/ipv4/ip_local_port_range", buf,
                                sizeof(buf));
    if (n >= 0 && parse_ephemeral(buf, lo, hi))
        return 0;
    *lo = KERNEL_EPHEMERAL_LO;
    *hi = KERNEL_EPHEMERAL_HI;
    /* Why it could not be read, as it was: no /proc is one cause, a full
     * fd table (EMFILE) another. */
    snprintf(said, sizeof(said), "cannot read the kernel's ephemeral range "
             "(%s): leaving out " PROTO_STR(KERNEL_EPHEMERAL_LO) "-"
             PROTO_STR(KERNEL_EPHEMERAL_HI) ", its default",
             n < 0 ? strerror(errno) : "not two port numbers");
    *guess = said;
    return -1;
}

ssize_t reserved_ports_read(char *buf, size_t len)
{
    ssize_t n = read_small_file("/proc/sys/net/ipv4/ip_local_reserved_ports",
                                buf, len);
    if (n < 0)
        buf[0] = '\0';
    return n;
}
