/* SPDX-License-Identifier: Apache-2.0 */
/* server_metrics.c: the server's metrics, read from its state into a
 * snapshot for metrics.c's formatter: answered to `v1 metrics` (answer.c)
 * and written to --metrics-file every METRICS_FILE_MS for node_exporter's
 * textfile collector, so the server stays off the network. A failed write
 * is logged and counted, and the next one tried: it never stops the
 * server. */
#include "serve/daemon.h"
#include "serve/server.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Between rewrites of the metrics file: under node_exporter's usual 15 s
 * scrape, and a few hundred bytes a second of writing. */
#define METRICS_FILE_MS 5000

int server_metrics_format(struct server *s, char *buf, size_t len)
{
    const struct leases *ls = &s->leases;
    const struct metrics m = {
        .version = PORTPICKER_VERSION, .stats = &s->stats,
        .leases = ls->nleases, .owners = ls->nowners,
        .ports_managed = ls->npool, .ports_free = ls->free.len,
        .ports_resting = ls->resting.len + ls->dying.len,
        .connections_open = s->nclients,
        .journal_appends = s->journal.appends,
        .journal_compactions = s->journal.compactions,
        .journal_errors = s->journal.write_errors,
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
    if (len >= 0 && file_replace(path, text, (size_t)len) == 0) {
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
