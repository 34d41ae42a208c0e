/* SPDX-License-Identifier: Apache-2.0 */
/* server_metrics.h: the server's metrics, its snapshot read for
 * `v1 metrics` and --metrics-file (serve/server_metrics.c). */
#ifndef SERVE_SERVER_METRICS_H
#define SERVE_SERVER_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct server;

/* The metrics now, as OpenMetrics text (metrics_format) into buf; its
 * length, or -1 when it does not fit. */
int server_metrics_format(struct server *s, char *buf, size_t len);
/* Rewrite --metrics-file (a timer_fn, data the server): a failure is
 * logged and counted, and retried at the next turn. */
int64_t metrics_file_timer(struct loop *l, void *data);
/* Remove --metrics-file at shutdown: a stopped server has no metrics. */
void metrics_file_remove(struct server *s);

#endif
