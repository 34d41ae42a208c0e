/* SPDX-License-Identifier: Apache-2.0 */
/* server_metrics.c: the server's metrics, read from its state into a
 * snapshot for metrics.c's formatter: answered to `v1 metrics` (answer.c)
 * and written to --metrics-file every METRICS_FILE_MS for node_exporter's
 * textfile collector, so the server stays off the network. A failed write
 * is logged and counted, and the next one tried: it never stops the
 * server. */
#include "portpicker.h"
#include "serve/daemon.h"
#include "serve/log.h"
#include "serve/notes.h"
#include "serve/server.h"
#include "serve/server_metrics.h"
#include "serve/stats.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Between rewrites of the metrics file: under node_exporter's usual 15 s
 * scrape, and a few hundred bytes a second of writing. */
#define METRICS_FILE_MS 5000

int server_metrics_format(struct server *s, char *buf, size_t len)
{
    struct stats_view v;
    stats_read(s, &v);
    const struct metrics m = {
        .version = PORTPICKER_VERSION, .stats = &v.counters,
        .leases = v.leases.leased, .owners = v.leases.owners,
        .ports_managed = v.leases.pool, .ports_free = v.leases.free,
        .ports_resting = v.leases.resting,
        .connections_open = s->connections,
        .journal_appends = s->state.appends,
        .journal_compactions = s->state.compactions,
        .journal_errors = s->state.write_errors,
    };
    /* Never more than a client's buffer holds (serve/server.h). */
    return metrics_format(buf, len < METRICS_TEXT_MAX ? len : METRICS_TEXT_MAX, &m);
}

int64_t metrics_file_timer(struct loop *l, void *data)
{
    struct server *s = data;
    const char *path = s->opts->metrics_file;
    char text[METRICS_TEXT_MAX];
    (void)l;
    int len = server_metrics_format(s, text, sizeof(text));
    if (len < 0)
        errno = EOVERFLOW;
    struct notes notes = {0};
    int rc = len < 0 ? -1 : file_replace(path, text, (size_t)len, &notes);
    int saved = errno;
    log_notes(&notes);
    errno = saved;
    if (rc == 0) {
        if (s->metrics_errno)
            slog(LOG_NOTICE, "%s: written again", path);
        s->metrics_errno = 0;
        return METRICS_FILE_MS;
    }
    s->stats.metrics_file_errors++;
    /* Said once while the same failure lasts, not every few seconds. */
    if (errno != s->metrics_errno)
        slog(LOG_ERROR, "%s: cannot write the metrics: %s (retried every "
             "%d s)", path, strerror(errno), METRICS_FILE_MS / 1000);
    s->metrics_errno = errno;
    return METRICS_FILE_MS;
}

void metrics_file_remove(struct server *s)
{
    const char *path = s->opts->metrics_file;
    if (path && unlink(path) < 0 && errno != ENOENT)
        slog(LOG_WARN, "%s: %s", path, strerror(errno));
}
