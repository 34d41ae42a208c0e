/* SPDX-License-Identifier: Apache-2.0 */
/* ipv6_posix.c: no dual-stack shortcut in probes (lib/probe.c) off Linux.
 * What a v4-mapped bind conflicts with differs between the BSDs' in6_pcb.c
 * and Linux, and docs/platforms.md checks only the meaning of the four
 * family sockets, so those are always used: two more binds a probe.
 * (Linux: ipv6_linux.c.) */
#include "portpicker.h"

const bool have_proc_ipv6 = false;

bool ipv6_dual_stack_probe(void)
{
    return false;
}
