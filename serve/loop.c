/* loop.c: the event loop, redis ae shaped and smaller still.
 *
 * Handlers live in an array indexed by fd; one epoll_wait, whose timeout is
 * the nearest timer, drives everything. Sockets, the signalfd and pidfds
 * are just more readable fds. Linux only (epoll); a port would swap this
 * file for a poll(2) one with the same contract. */
#include "serve/serve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

int64_t loop_now(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC cannot fail with a valid clock id. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1;
}

int loop_init(struct loop *l, void *ctx)
{
    memset(l, 0, sizeof(*l));
    l->ctx = ctx;
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
                             .data.fd = fd};
    bool known = h->on_read || h->on_write;
    if (epoll_ctl(l->epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0)
        return -1;
    *h = (struct handler){on_read, on_write, data};
    return 0;
}

void loop_del(struct loop *l, int fd)
{
    if (fd < 0 || fd >= l->nfds || !(l->fds[fd].on_read || l->fds[fd].on_write))
        return;
    /* Cannot fail for an fd we added; the handler goes either way. */
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    memset(&l->fds[fd], 0, sizeof(l->fds[fd]));
}

int loop_timer(struct loop *l, timer_fn *fn, void *data)
{
    if (l->ntimers == LOOP_TIMERS)
        abort(); /* a programming error: raise LOOP_TIMERS */
    l->timers[l->ntimers] = (struct timer){0, fn, data};
    return l->ntimers++;
}

void loop_timer_at(struct loop *l, int id, int64_t when)
{
    l->timers[id].when = when;
}

void loop_timer_within(struct loop *l, int id, int64_t ms)
{
    int64_t when = loop_now() + ms;
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

static void run_timers(struct loop *l)
{
    int64_t now = loop_now();
    for (int i = 0; i < l->ntimers && !l->stop; i++) {
        struct timer *t = &l->timers[i];
        if (t->when && t->when <= now) {
            t->when = 0;
            t->fn(l, t->data);
        }
    }
}

int loop_once(struct loop *l)
{
    struct epoll_event ev[64];
    int n = epoll_wait(l->epfd, ev, 64, timeout_ms(l, loop_now()));
    if (n < 0 && errno != EINTR)
        return -1;
    for (int i = 0; i < n && !l->stop; i++) {
        int fd = ev[i].data.fd;
        /* An earlier handler of this batch may have closed fd. */
        if (fd >= l->nfds)
            continue;
        struct handler *h = &l->fds[fd];
        if (h->on_read && (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
            h->on_read(l, fd, h->data);
        else if (h->on_write && (ev[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR)))
            h->on_write(l, fd, h->data);
    }
    run_timers(l);
    return 0;
}
