/* SPDX-License-Identifier: Apache-2.0 */
/* ipv6_windows.c: a dual-mode socket (IPv6 wildcard, IPV6_V6ONLY off)
 * binds the IPv4 wildcard too, and with SO_EXCLUSIVEADDRUSE (lib/
 * socket_windows.c) fails on any holder of either family, so the probe
 * tries the two dual-stack sockets first; a failure is settled by the four.
 * (Linux: ipv6_linux.c.) */
#include "portpicker.h"

const bool have_proc_ipv6 = false;

bool ipv6_dual_stack_probe(void)
{
    return true;
}
