/* SPDX-License-Identifier: Apache-2.0 */
/* owner_slots.c: owner records: one slot a pool port (and a spare), since
 * an owner holds at least one lease between requests, handed out from a
 * high-water mark, and found by pid in an open-addressing table. */
#include "serve/owner_slots.h"

/* The last owner record's serial: of the process, not of a table, so it
 * is never reused in its life, whatever tables come and go. */
static uint64_t last_serial;

static struct owner *slot(const struct leases *ls, uint32_t entry)
{
    return &ls->owners[entry - 1];
}

static size_t pid_slot(const struct leases *ls, pid_t pid)
{
    return ((uint32_t)pid * 2654435761u) & ls->by_pid_mask;
}

/* The by_pid slot holding pid, or the empty slot where it would go. */
static size_t pid_find(const struct leases *ls, pid_t pid)
{
    size_t i = pid_slot(ls, pid);
    while (ls->by_pid[i] && slot(ls, ls->by_pid[i])->pid != pid)
        i = (i + 1) & ls->by_pid_mask;
    return i;
}

/* Remove slot i, shifting back the entries after it (no tombstones). */
static void pid_remove(struct leases *ls, size_t i)
{
    size_t j = i;
    ls->by_pid[i] = 0;
    for (;;) {
        j = (j + 1) & ls->by_pid_mask;
        if (!ls->by_pid[j])
            return;
        size_t home = pid_slot(ls, slot(ls, ls->by_pid[j])->pid);
        /* Move j back to i unless its home lies cyclically in (i, j]. */
        if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
            ls->by_pid[i] = ls->by_pid[j];
            ls->by_pid[j] = 0;
            i = j;
        }
    }
}

struct owner *leases_owner(struct leases *ls, pid_t pid)
{
    uint32_t entry = ls->by_pid[pid_find(ls, pid)];
    return entry ? slot(ls, entry) : NULL;
}

struct owner *leases_owner_new(struct leases *ls, pid_t pid, uint64_t start)
{
    uint32_t entry = ls->owner_free;
    if (entry)
        ls->owner_free = slot(ls, entry)->next_free;
    else if (ls->owners_used < ls->nslots)
        entry = (uint32_t)++ls->owners_used;
    else
        return NULL;
    struct owner *o = slot(ls, entry);
    *o = (struct owner){.pid = pid, .pidfd = -1, .start = start,
                        .serial = ++last_serial,
                        .ruid = OWNER_UID_UNKNOWN, .euid = OWNER_UID_UNKNOWN};
    ls->by_pid[pid_find(ls, pid)] = entry;
    ls->nowners++;
    return o;
}

void leases_owner_free(struct leases *ls, struct owner *o)
{
    pid_remove(ls, pid_find(ls, o->pid));
    *o = (struct owner){.pidfd = -1, .next_free = ls->owner_free};
    ls->owner_free = (uint32_t)(o - ls->owners) + 1;
    ls->nowners--;
}

struct owner *leases_next_owner(const struct leases *ls, const struct owner *o)
{
    size_t i = o ? (size_t)(o - ls->owners) + 1 : 0;
    for (; ls->owners && i < ls->owners_used; i++)
        if (ls->owners[i].pid)
            return &ls->owners[i];
    return NULL;
}
