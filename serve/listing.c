/* SPDX-License-Identifier: Apache-2.0 */
/* listing.c: the lines of a leases reply (docs/protocol.md, "leases"),
 * written a buffer at a time as the client drains its socket (client.c),
 * so a client that never reads costs its buffer and no more. */
#include "lib/proto.h"
#include "lib/sys.h"
#include "serve/leases.h"
#include "serve/listing.h"
#include "serve/owner_slots.h"
#include "serve/proc.h"

/* Owners' command lines, by owner slot modulo CMD_CACHE: leases come in
 * port order, and a pool filled by a few owners in turn interleaves them,
 * so a listing would otherwise read /proc a lease. Live owners hold
 * distinct slots, so up to CMD_CACHE owners never evict each other (by pid,
 * two owners 64 pids apart did, at every line). An entry is good for the
 * owner record whose serial it holds: a record is made afresh for a new
 * process (even of a reused pid) and its serial is never reused, so a
 * reused slot or pid never shows its predecessor's line, start time read
 * or not. One server a process: the cache is this file's. */
#define CMD_CACHE 64
static struct cmd_entry {
    uint64_t serial;    /* 0: empty */
    char cmd[PROTO_CMD_MAX + 1];
} cmds[CMD_CACHE];

/* o's command line, read from /proc once per process. */
static const char *cmdline_of(unsigned slot, const struct owner *o)
{
    struct cmd_entry *e = &cmds[slot % CMD_CACHE];
    if (e->serial != o->serial) {
        proc_cmdline(o->pid, e->cmd, sizeof(e->cmd));
        e->serial = o->serial;
    }
    return e->cmd;
}

size_t listing_more(const struct leases *ls, struct listing *li, uid_t uid,
                    char *buf, size_t size)
{
    uint32_t now = (uint32_t)(monotonic_ms() / 1000);
    size_t len = 0;
    while (li->lines_left && size - len >= PROTO_LEASE_LINE_MAX) {
        unsigned port = leases_next_leased(ls, li->cursor);
        if (!port) {
            /* Fewer than COUNT: some ended meanwhile. An empty line says
             * the listing is whole, so a client tells it from one cut
             * short (docs/protocol.md). */
            buf[len++] = '\n';
            li->lines_left = 0;
            break;
        }
        const struct lease *l = leases_lease(ls, port);
        const struct owner *o = leases_owner_of(ls, port);
        /* A lease's command line (which may hold a password) goes to its
         * uid and root; others get the port, uid and pid. */
        bool shown = uid == 0 || uid == l->uid;
        struct lease_line line = {
            .port = port, .pid = (int)o->pid, .uid = (unsigned)l->uid,
            .age = now - l->since, .names = leases_name_of(ls, port),
            .cmd = shown ? cmdline_of(l->owner, o) : "",
        };
        int n = proto_format_lease(buf + len, size - len, &line);
        if (n < 0)
            break;
        len += (size_t)n;
        li->cursor = port;
        li->lines_left--;
    }
    return len;
}
