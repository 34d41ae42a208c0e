/* SPDX-License-Identifier: Apache-2.0 */
/* hold.c: keep a picked port reserved for a while, python_portpicker's
 * BIND_TIMEOUT, without locking out the program the port was picked for.
 *
 * On Linux, a socket bound with SO_REUSEADDR that does not listen stops every
 * bind without SO_REUSEADDR (other pickers' probes, ours included) but lets a
 * consumer that sets SO_REUSEADDR bind and listen at once; for UDP the later
 * binder receives the unicast datagrams. python_portpicker's hold listens,
 * which keeps the consumer out too: that is the fence mode here, and the
 * only one off Linux (hold_hands_over). */
#include "portpicker.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

bool hold_hands_over(void)
{
    /* Linux twice over: its bind lets a SO_REUSEADDR socket in beside a
     * bound, not listening SO_REUSEADDR one, where the BSDs refuse unless
     * both set SO_REUSEPORT (in_pcbbind_setup, docs/platforms.md); and
     * sock_diag sees the consumer arrive. */
    return have_sockdiag;
}

int hold_port(const struct probe_opts *opts, unsigned port, bool fence,
              struct hold *hold)
{
    struct probe_target targets[HOLD_MAX_FDS];
    size_t n = probe_targets(opts, probe_dual_stack(opts), targets);
    int skipped_family = 0;

    memset(hold, 0, sizeof(*hold));
    hold->port = port;
    for (size_t i = 0; i < n; i++) {
        if (targets[i].family == skipped_family)
            continue;
        int fd = bind_target(&targets[i], port, true,
                             fence || !hold_hands_over());
        if (fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT)) {
            skipped_family = targets[i].family;
            continue;
        }
        if (fd < 0) {
            int saved = errno;
            hold_close(hold);
            errno = saved;
            return -1;
        }
        hold->fds[hold->nfds++] = fd;
        if (targets[i].type == SOCK_DGRAM)
            hold->udp_fds++;
    }
    return 0;
}

bool hold_taken_over(const struct hold *hold)
{
    if (sockdiag_count(IPPROTO_TCP, SOCK_STATE_LISTEN, hold->port) > 0)
        return true;
    return hold->udp_fds > 0 &&
           sockdiag_count(IPPROTO_UDP, SOCK_STATES_ANY, hold->port) > hold->udp_fds;
}

void hold_close(struct hold *hold)
{
    for (int i = 0; i < hold->nfds; i++)
        close(hold->fds[i]);
    hold->nfds = 0;
    hold->udp_fds = 0;
}
