/* SPDX-License-Identifier: Apache-2.0 */
/* ipv6_linux.c: is IPv6 on, so that a dual-stack socket can stand for both
 * wildcards in a probe (lib/probe.c)? (Elsewhere: ipv6_posix.c.) */
#include "portpicker.h"

const bool have_proc_ipv6 = true;

/* Read once: a long-running server keeps the answer, which is safe either
 * way. */
bool ipv6_dual_stack_probe(void)
{
    static int on = -1;
    char buf[16];
    if (on < 0)
        on = read_small_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", buf,
                             sizeof(buf)) > 0 && buf[0] == '0';
    return on;
}
