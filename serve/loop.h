/* SPDX-License-Identifier: Apache-2.0 */
/* loop.h: the event loop (serve/loop.c), redis ae shaped and smaller still.
 *
 * Handlers are found by fd; one epoll_wait, whose timeout is the nearest
 * timer, drives everything. A timer's function returns when it wants to run
 * again, so a repeating timer is rearmed by the loop, in one place. */
#ifndef SERVE_LOOP_H
#define SERVE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

/* Events in a handler's mask; a hang-up or an error sets both. */
enum { LOOP_READ = 1, LOOP_WRITE = 2 };

/* What a timer_fn returns to rest until loop_timer_within arms it again. */
#define LOOP_DONE (-1)

typedef void loop_fn(struct loop *l, int fd, void *data, int mask);
/* Returns milliseconds until the timer runs again, or LOOP_DONE. */
typedef int64_t timer_fn(struct loop *l, void *data);

struct handler {
    loop_fn *on_read, *on_write;
    void *data;
    uint32_t gen;       /* bumped by loop_del: stale events are dropped */
};

enum { LOOP_TIMERS = 10 };

struct timer {
    int64_t when;       /* monotonic_ms(); 0 means not armed */
    timer_fn *fn;
    void *data;
};

struct loop {
    int epfd;
    bool stop;
    void *ctx;                  /* for handlers that need more than their
                                 * data (run.c: the owners, for pidfds) */
    void (*before_wait)(void);  /* as redis ae's beforesleep (run.c:
                                 * log_flush) */
    struct handler *fds;        /* indexed by fd */
    int nfds;
    struct timer timers[LOOP_TIMERS];
    int ntimers;
};

/* Returns 0, or -1 with errno set. ctx is left in l->ctx for handlers;
 * before_wait (may be NULL) runs before each epoll_wait. */
int loop_init(struct loop *l, void *ctx, void (*before_wait)(void));
void loop_fini(struct loop *l);

/* Watch fd for reading (on_read) and/or writing (on_write); calling it
 * again for the same fd replaces its handlers. Returns 0, or -1 with errno
 * set. */
int loop_add(struct loop *l, int fd, loop_fn *on_read, loop_fn *on_write,
             void *data);
/* Stop watching fd (before closing it); events of this batch still
 * pending for fd are dropped, even if the number is reused at once. */
void loop_del(struct loop *l, int fd);
/* loop_del without its epoll_ctl, for an fd the caller closes next and is
 * the only holder of (no dup, no fork): the close takes it out of epoll.
 * One syscall fewer per connection. */
void loop_forget(struct loop *l, int fd);

/* Register a timer, not armed; returns its id (0..LOOP_TIMERS-1). */
int loop_timer(struct loop *l, timer_fn *fn, void *data);
/* Arm id to run in ms unless it is armed to run sooner. */
void loop_timer_within(struct loop *l, int id, int64_t ms);

/* One epoll_wait and its handlers, then the due timers. Returns 0, or -1
 * when epoll_wait failed (errno set; EINTR is not a failure). */
int loop_once(struct loop *l);

#endif
