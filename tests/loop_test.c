/* SPDX-License-Identifier: Apache-2.0 */
/* loop_test.c: the event loop's promises (serve/loop.h), one case per run:
 * `loop_test both|reuse|reuse-forget|timer` exits 0 when the promise holds, else 1 with
 * a line saying what broke. Built by tests/loop.bats through `make`. */
#include "serve/loop.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int reads, writes, stale, fires;
static int victim = -1;
static bool by_forget;  /* close_other forgets instead of deleting */

static int fail(const char *what)
{
    fprintf(stderr, "loop_test: %s\n", what);
    return 1;
}

static void count_read(struct loop *l, int fd, void *data, int mask)
{
    (void)l, (void)fd, (void)data, (void)mask;
    reads++;
}

static void count_write(struct loop *l, int fd, void *data, int mask)
{
    (void)l, (void)fd, (void)data, (void)mask;
    writes++;
}

/* Both cases: a socket with a byte to read and room to write. */
static int both(struct loop *l)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || write(sv[1], "x", 1) != 1)
        return fail("socketpair");
    if (loop_add(l, sv[0], count_read, count_write, NULL) < 0)
        return fail("loop_add");
    loop_once(l);
    if (reads != 1 || writes != 1)
        return fail("a read and a write event in one batch were not both handled");
    return 0;
}

static void never(struct loop *l, int fd, void *data, int mask)
{
    (void)l, (void)fd, (void)data, (void)mask;
    stale++;
}

/* The first of two readable fds to be handled closes the other and opens a
 * new socket, which gets the closed number; the other's event, already in
 * this batch, must not reach the newcomer. */
static void close_other(struct loop *l, int fd, void *data, int mask)
{
    int *pair = data, other = fd == pair[0] ? pair[1] : pair[0];
    (void)mask;
    if (victim >= 0)
        return;
    if (by_forget)
        loop_forget(l, other);
    else
        loop_del(l, other);
    close(other);
    int fresh = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fresh != other || loop_add(l, fresh, never, NULL, NULL) < 0)
        return;
    victim = fresh;
}

static int reuse(struct loop *l)
{
    int a[2], b[2], pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM, 0, b) < 0 ||
        write(a[1], "x", 1) != 1 || write(b[1], "x", 1) != 1)
        return fail("socketpair");
    pair[0] = a[0];
    pair[1] = b[0];
    if (loop_add(l, a[0], close_other, NULL, pair) < 0 ||
        loop_add(l, b[0], close_other, NULL, pair) < 0)
        return fail("loop_add");
    loop_once(l);
    if (victim < 0)
        return fail("the closed fd's number was not reused");
    if (stale)
        return fail("a reused fd got its predecessor's event");
    return 0;
}

/* Runs three times, 1 ms apart, then rests. */
static int64_t thrice(struct loop *l, void *data)
{
    (void)l, (void)data;
    return ++fires < 3 ? 1 : LOOP_DONE;
}

static int timer(struct loop *l)
{
    int id = loop_timer(l, thrice, NULL);
    loop_timer_within(l, id, 0);
    for (int i = 0; i < 1000 && l->timers[id].when; i++)
        loop_once(l);
    if (fires != 3)
        return fail("a timer did not run again after the delay it returned");
    if (l->timers[id].when)
        return fail("a timer that returned LOOP_DONE is still armed");
    return 0;
}

/* The same with loop_forget, which leaves the fd's removal from epoll to
 * its close. */
static int reuse_forget(struct loop *l)
{
    by_forget = true;
    return reuse(l);
}

int main(int argc, char **argv)
{
    struct loop l;
    if (argc != 2 || loop_init(&l, NULL, NULL) < 0)
        return fail("usage: loop_test both|reuse|reuse-forget|timer");
    int rc = !strcmp(argv[1], "both")    ? both(&l)
             : !strcmp(argv[1], "reuse") ? reuse(&l)
             : !strcmp(argv[1], "reuse-forget") ? reuse_forget(&l)
             : !strcmp(argv[1], "timer") ? timer(&l)
                                         : fail("no such case");
    loop_fini(&l);
    return rc;
}
