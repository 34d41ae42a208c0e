/* SPDX-License-Identifier: Apache-2.0 */
/* loop.c: the event loop, redis ae shaped and smaller still.
 *
 * Handlers live in an array indexed by fd; one epoll_wait, whose timeout is
 * the nearest timer, drives everything. Sockets, the signalfd and pidfds
 * are just more readable fds. Each event carries its fd and the slot's
 * generation, which loop_del and loop_forget bump: a handler that closes
 * an fd whose number is reused before the rest of the batch runs cannot
 * have the old fd's events delivered to the new one. Linux only (epoll); a
 * port would swap this file for a poll(2) one with the same contract. */
#include "lib/sys.h"

#include "serve/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

int loop_init(struct loop *l, void *ctx, void (*before_wait)(void))
{
    memset(l, 0, sizeof(*l));
    l->ctx = ctx;
    l->before_wait = before_wait;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    return l->epfd < 0 ? -1 : 0;
}

void loop_fini(struct loop *l)
{
    if (l->epfd >= 0)
        close(l->epfd);
    l->epfd = -1;
    free(l->fds);
    l->fds = NULL;
    l->nfds = 0;
}

static int grow(struct loop *l, int fd)
{
    if (fd < l->nfds)
        return 0;
    int n = l->nfds ? l->nfds : 64;
    while (n <= fd)
        n *= 2;
    struct handler *fds = realloc(l->fds, (size_t)n * sizeof(*fds));
    if (!fds)
        return -1;
    memset(fds + l->nfds, 0, (size_t)(n - l->nfds) * sizeof(*fds));
    l->fds = fds;
    l->nfds = n;
    return 0;
}

int loop_add(struct loop *l, int fd, loop_fn *on_read, loop_fn *on_write,
             void *data)
{
    if (grow(l, fd) < 0)
        return -1;
    struct handler *h = &l->fds[fd];
    struct epoll_event ev = {.events = (on_read ? EPOLLIN : 0u) |
                                       (on_write ? EPOLLOUT : 0u),
                             .data.u64 = (uint64_t)h->gen << 32 | (uint32_t)fd};
    bool known = h->on_read || h->on_write;
    if (epoll_ctl(l->epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
        return -1;
    *h = (struct handler){on_read, on_write, data, h->gen};
    return 0;
}

/* Drop fd's handler and bump its generation; true if it had one. */
static bool forget(struct loop *l, int fd)
{
    if (fd < 0 || fd >= l->nfds || !(l->fds[fd].on_read || l->fds[fd].on_write))
        return false;
    l->fds[fd] = (struct handler){.gen = l->fds[fd].gen + 1};
    return true;
}

void loop_del(struct loop *l, int fd)
{
    /* Cannot fail for an fd we added; the handler goes either way. */
    if (forget(l, fd))
        epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
}

void loop_forget(struct loop *l, int fd)
{
    forget(l, fd);
}

int loop_timer(struct loop *l, timer_fn *fn, void *data)
{
    if (l->ntimers == LOOP_TIMERS)
        abort(); /* a programming error: raise LOOP_TIMERS */
    l->timers[l->ntimers] = (struct timer){0, fn, data};
    return l->ntimers++;
}

void loop_timer_within(struct loop *l, int id, int64_t ms)
{
    int64_t when = monotonic_ms() + ms;
    if (!l->timers[id].when || l->timers[id].when > when)
        l->timers[id].when = when;
}

static int timeout_ms(const struct loop *l, int64_t now)
{
    int64_t nearest = -1;
    for (int i = 0; i < l->ntimers; i++) {
        int64_t when = l->timers[i].when;
        if (when && (nearest < 0 || when < nearest))
            nearest = when;
    }
    if (nearest < 0)
        return -1;
    return nearest <= now ? 0 : (int)(nearest - now > 60000 ? 60000 : nearest - now);
}

/* The one place timers are rearmed: by what their function returns. A
 * timer armed again from its own function keeps the sooner of the two. */
static void run_timers(struct loop *l)
{
    int64_t now = monotonic_ms();
    for (int i = 0; i < l->ntimers && !l->stop; i++) {
        struct timer *t = &l->timers[i];
        if (t->when && t->when <= now) {
            t->when = 0;
            int64_t next = t->fn(l, t->data);
            if (next != LOOP_DONE)
                loop_timer_within(l, i, next);
        }
    }
}

/* Is the slot of this event's fd still the one it was reported for? */
static struct handler *current(struct loop *l, uint64_t key)
{
    int fd = (int)(uint32_t)key;
    if (fd >= l->nfds || l->fds[fd].gen != (uint32_t)(key >> 32))
        return NULL;
    return &l->fds[fd];
}

int loop_once(struct loop *l)
{
    struct epoll_event ev[64];
    if (l->before_wait)
        l->before_wait();
    int n = epoll_wait(l->epfd, ev, 64, timeout_ms(l, monotonic_ms()));
    if (n < 0 && errno != EINTR)
        return -1;
    for (int i = 0; i < n && !l->stop; i++) {
        uint64_t key = ev[i].data.u64;
        int fd = (int)(uint32_t)key;
        uint32_t e = ev[i].events;
        int mask = (e & (EPOLLIN | EPOLLHUP | EPOLLERR) ? LOOP_READ : 0) |
                   (e & (EPOLLOUT | EPOLLHUP | EPOLLERR) ? LOOP_WRITE : 0);
        /* Look the slot up again before each call: the first handler may
         * have closed fd, or grown the array. */
        struct handler *h = current(l, key);
        if (h && h->on_read && (mask & LOOP_READ))
            h->on_read(l, fd, h->data, mask);
        h = current(l, key);
        if (h && h->on_write && (mask & LOOP_WRITE))
            h->on_write(l, fd, h->data, mask);
    }
    run_timers(l);
    return 0;
}
