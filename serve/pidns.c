/* SPDX-License-Identifier: Apache-2.0 */
/* pidns.c: which of our processes a caller in another pid namespace means.
 *
 * A caller names an owner by its pid as the caller sees it. SO_PEERCRED
 * gives the caller's own pid in our namespace, and /proc/PID/status (which
 * anyone may read, unlike /proc/PID/ns/pid) gives, in NSpid, a process's
 * pid in each namespace from ours down to its own. Going up from the
 * caller through PPid while the nesting stays the same covers the caller
 * and its parents (python_portpicker sends its pid or its parent's) in a
 * few reads: a parent's namespace is the child's or an outer one, so equal
 * nesting means the same namespace. Any other pid needs a map of all of
 * /proc (no file maps a namespace's pid to ours), made by a pass that runs
 * a slice at a time between other clients (pidns_work), reading only the
 * processes the last pass did not see (by pid and inode): a request that
 * misses waits for a pass started after it came, so a process started
 * just before is found, and a pass serves every request waiting, however
 * many and from however many namespaces. A hit is checked against that one
 * process's /proc/PID/status, so a pid reused since the pass is never
 * taken for the process it was. A namespace the server may not identify
 * (an unprivileged server, another uid's caller) gets no map: its pids
 * other than the caller's line are refused, never taken for ours. */
#include "lib/args.h"
#include "lib/sys.h"

#include "serve/proc.h"
#include "serve/pidns.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int pidns_init(struct pidns *n)
{
    *n = (struct pidns){0};
    return proc_pidns(getpid(), &n->ours);
}

void pidns_fini(struct pidns *n)
{
    if (n->dir)
        closedir(n->dir);
    n->dir = NULL;
    free(n->map.at);
    free(n->next.at);
    n->map = n->next = (struct pidns_map){0};
}

/* The peer's namespace, remembered for PIDNS_PEER_MS. NULL when /proc
 * says nothing of it (gone already): it is then taken to share ours. */
static const struct pidns_peer *peer_of(struct pidns *n, pid_t peer, int64_t now)
{
    struct pidns_peer *p = &n->peers[(unsigned)peer % PIDNS_PEERS];
    if (p->peer == peer && p->until > now)
        return p;
    struct proc_ids ids;
    uint64_t ns = 0;
    int levels;
    if (proc_pidns(peer, &ns) == 0 && ns == n->ours)
        levels = 1;
    else if (proc_ids(peer, &ids) == 0)
        levels = ids.levels;
    else
        return NULL;
    *p = (struct pidns_peer){.peer = peer, .levels = levels, .ns = ns,
                             .until = now + PIDNS_PEER_MS};
    return p;
}

/* The caller or one of its parents whose pid in their namespace is pid. */
static pid_t walk_up(pid_t peer, int levels, long long pid)
{
    struct proc_ids ids;
    pid_t x = peer;
    for (int depth = 0; x > 0 && depth < PIDNS_MAX_DEPTH; depth++) {
        if (proc_ids(x, &ids) < 0 || ids.levels != levels)
            return 0;
        if (ids.nspid == pid)
            return x;
        x = ids.ppid;
    }
    return 0;
}

/* The last pass's entry for pid, found by walking it alongside this pass:
 * both go up /proc in pid order. NULL when it had none. */
static const struct pidns_pid *seen_before(struct pidns *n, pid_t pid)
{
    const struct pidns_map *m = &n->map;
    while (n->old_at < m->len && m->at[n->old_at].pid < pid)
        n->old_at++;
    return n->old_at < m->len && m->at[n->old_at].pid == pid ? &m->at[n->old_at]
                                                             : NULL;
}

/* Add e, a /proc entry, to the map under way: a process, with its
 * namespace and, in a foreign one, its pid there. A process the last pass
 * saw under the same inode (a new process on a reused pid gets a new one)
 * costs nothing more: its namespace and pids never change. False when out
 * of memory. */
static bool map_entry(struct pidns *n, const struct dirent *e)
{
    unsigned long pid;
    if (parse_ulong_in(e->d_name, 10, 1, INT_MAX, &pid, NULL, 0))
        return true; /* not a process: "self", "sys", ... */
    struct pidns_pid p = {.ino = (uint64_t)e->d_ino, .pid = (pid_t)pid};
    const struct pidns_pid *was = seen_before(n, p.pid);
    struct proc_ids ids;
    if (was && was->ino == p.ino) {
        p = *was;
    } else if (proc_pidns(p.pid, &p.ns) < 0) {
        if (errno != EACCES)
            return true; /* gone already */
        p.ns = 0; /* not ours to read: kept so, not asked again */
    } else if (p.ns != n->ours) {
        if (proc_ids(p.pid, &ids) < 0)
            return true;
        p.nspid = ids.nspid;
    }
    struct pidns_map *m = &n->next;
    if (m->len == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        struct pidns_pid *at = realloc(m->at, cap * sizeof(*at));
        if (!at)
            return false;
        m->at = at;
        m->cap = cap;
    }
    m->at[m->len++] = p;
    return true;
}

/* The pass is done (or cut short: a partial map makes a miss a refusal,
 * never a guess): it becomes the map. */
static void pass_done(struct pidns *n)
{
    struct pidns_map old = n->map;
    closedir(n->dir);
    n->dir = NULL;
    n->map = n->next;
    n->next = (struct pidns_map){.at = old.at, .cap = old.cap};
    n->built = n->started;
}

int64_t pidns_work(struct pidns *n)
{
    int64_t now = monotonic_ms();
    if (!n->dir) {
        if (n->started && now - n->started < PIDNS_MAP_MS)
            return PIDNS_MAP_MS - (now - n->started);
        n->started = now;
        n->next.len = 0;
        n->old_at = 0;
        if (!(n->dir = opendir("/proc"))) {
            n->built = now; /* an empty map: every miss a refusal */
            n->map.len = 0;
            return 0;
        }
    }
    do {
        struct dirent *e = readdir(n->dir);
        if (!e || !map_entry(n, e)) {
            pass_done(n);
            return 0;
        }
    } while (monotonic_ms() - now < PIDNS_SLICE_MS);
    return PIDNS_REST_MS;
}

/* Our pid for (ns, pid) in the map, if that process is still the one the
 * pass saw: in ns, and pid there. A walk of the map: some 10 ns a process,
 * against the 40 us of reading one. */
static pid_t lookup(const struct pidns *n, uint64_t ns, int levels, long long pid)
{
    const struct pidns_pid *hit = NULL;
    for (size_t i = 0; i < n->map.len && !hit; i++)
        if (n->map.at[i].ns == ns && n->map.at[i].nspid == pid)
            hit = &n->map.at[i];
    struct proc_ids ids;
    uint64_t now_ns;
    if (!hit || proc_ids(hit->pid, &ids) < 0 || ids.levels != levels ||
        ids.nspid != pid || proc_pidns(hit->pid, &now_ns) < 0 || now_ns != ns)
        return 0;
    return hit->pid;
}

pid_t pidns_resolve(struct pidns *n, pid_t peer, long long pid, int64_t asked,
                    char *why, size_t whylen)
{
    int64_t now = monotonic_ms();
    if (!n->ours || peer <= 0)
        return (pid_t)pid;
    const struct pidns_peer *p = peer_of(n, peer, now);
    if (!p || p->levels == 1)
        return (pid_t)pid;
    pid_t ours = walk_up(peer, p->levels, pid);
    if (ours)
        return ours;
    if (!p->ns) {
        snprintf(why, whylen, "pid %lld is not the caller or a parent of it, "
                 "and the caller's pid namespace cannot be read", pid);
        return -1;
    }
    if ((ours = lookup(n, p->ns, p->levels, pid)))
        return ours;
    if (n->built && asked && n->built >= asked) {
        snprintf(why, whylen, "no pid %lld in the caller's pid namespace", pid);
        return 0;
    }
    if (asked)
        return PIDNS_WAIT;
    snprintf(why, whylen, "pid %lld is not the caller or a parent of it, and "
             "the map of other pid namespaces was not made in time", pid);
    return -1;
}
