/* SPDX-License-Identifier: Apache-2.0 */
/* pool.h: the ports not leased: the free and resting queues, and their
 * probes (serve/pool.c). Taking a port pops the head of the free queue and
 * probes it; a port back from a lease joins the tail unprobed, so it rests
 * as long as possible before reuse, and is probed when it is taken. */
#ifndef SERVE_POOL_H
#define SERVE_POOL_H

#include "serve/leases.h"

/* Queue the free ports, in increasing order; once, after leases_init and
 * the leases restored. */
void pool_fill(struct leases *ls);

/* Take a free port: pop the free queue, probing at most `budget` ports;
 * ports found bound rest. Returns the port, or 0 (pool exhausted, or budget
 * spent, errno 0); *checked counts the probes. A probe that fails (EMFILE)
 * puts its port back and stops: returns 0, errno set. */
unsigned pool_take(struct leases *ls, unsigned budget, unsigned *checked);
/* Take port itself out of the free queue, in O(1): 1 when it was queued
 * and probes free, 0 when it was not queued or is bound (it then rests),
 * -1 with errno when the probe fails (it stays queued). *checked counts
 * the probes (0 or 1). */
int pool_take_port(struct leases *ls, unsigned port, unsigned *checked);
/* Put back a free port, at the head of the queue (a port taken and not
 * granted, or a grant undone): it probed free a moment ago and no client
 * learned of it, so it is next, as if never taken. */
void pool_untake(struct leases *ls, unsigned port);
/* Put a port whose lease ended at the tail of the free queue, unprobed:
 * the probe when it is taken decides whether it is granted or rests. */
void pool_return(struct leases *ls, unsigned port);
/* Probe up to budget resting ports; free ones join the tail of the free
 * queue. Returns how many were freed. */
size_t pool_retry(struct leases *ls, size_t budget);

#endif
