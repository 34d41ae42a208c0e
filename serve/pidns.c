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
 * /proc, built at most once every PIDNS_MAP_MS for every namespace at once,
 * however many requests miss it. A namespace the server may not identify
 * (an unprivileged server, another uid's caller) gets no map: its pids
 * other than the caller's line are refused, never taken for ours. */
#include "portpicker.h"
#include "serve/owner.h"
#include "serve/pidns.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pidns_init(struct pidns *n)
{
    *n = (struct pidns){0};
    return proc_pidns(getpid(), &n->ours);
}

void pidns_fini(struct pidns *n)
{
    free(n->map);
    n->map = NULL;
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

static int by_ns_pid(const void *a, const void *b)
{
    const struct pidns_pid *x = a, *y = b;
    if (x->ns != y->ns)
        return x->ns < y->ns ? -1 : 1;
    return (x->nspid > y->nspid) - (x->nspid < y->nspid);
}

/* Map every process of a foreign namespace we may identify. */
static void scan(struct pidns *n)
{
    DIR *d = opendir("/proc");
    n->len = 0;
    n->scans++;
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        uint64_t ns;
        struct proc_ids ids;
        if (*end || pid <= 0 || proc_pidns((pid_t)pid, &ns) < 0 ||
            ns == n->ours || proc_ids((pid_t)pid, &ids) < 0)
            continue;
        if (n->len == n->cap) {
            size_t cap = n->cap ? n->cap * 2 : 256;
            struct pidns_pid *map = realloc(n->map, cap * sizeof(*map));
            if (!map)
                break; /* a partial map: a miss is a refusal, never a guess */
            n->map = map;
            n->cap = cap;
        }
        n->map[n->len++] = (struct pidns_pid){ns, ids.nspid, (pid_t)pid};
    }
    closedir(d);
    qsort(n->map, n->len, sizeof(*n->map), by_ns_pid);
}

static pid_t lookup(const struct pidns *n, uint64_t ns, long long pid)
{
    struct pidns_pid key = {ns, (pid_t)pid, 0};
    const struct pidns_pid *hit = n->len ? bsearch(&key, n->map, n->len,
                                                   sizeof(key), by_ns_pid) : NULL;
    return hit ? hit->pid : 0;
}

pid_t pidns_resolve(struct pidns *n, pid_t peer, long long pid, char *why,
                    size_t whylen)
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
    ours = lookup(n, p->ns, pid);
    if (!ours && (!n->built || now - n->built >= PIDNS_MAP_MS)) {
        scan(n);
        n->built = now;
        ours = lookup(n, p->ns, pid);
    }
    if (!ours)
        snprintf(why, whylen, "no pid %lld in the caller's pid namespace", pid);
    return ours;
}
