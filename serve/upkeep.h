/* SPDX-License-Identifier: Apache-2.0 */
/* upkeep.h: the server's work between requests (serve/upkeep.c). */
#ifndef SERVE_UPKEEP_H
#define SERVE_UPKEEP_H

struct server;

/* Register the timers that retry ports found bound and sync the state
 * file, s->t_retry and t_sync, and s->owners.t_settle (no job now). */
void upkeep_timers(struct server *s);

#endif
