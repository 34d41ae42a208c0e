/* SPDX-License-Identifier: Apache-2.0 */
/* caller.h: who asks (a connection's peer, as SO_PEERCRED told us), what
 * a uid may hold, and why a request is refused: the one refusal channel,
 * written by deny() alone (serve/caller.c). */
#ifndef SERVE_CALLER_H
#define SERVE_CALLER_H

#include "lib/proto.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct caller {
    pid_t pid;          /* in our namespace (0: unknown) */
    uid_t uid;
    int64_t asked;      /* monotonic_ms() when its request came: only a pid
                         * map made since can say a pid is not there; 0: it
                         * can wait no longer */
};

/* A per-uid limit: 0 is none; root is held to it only when set by an
 * option (by default root is exempt: it could stop the server anyway). */
struct uid_limits {
    unsigned max;
    bool root_too;
};

/* The limit l puts on uid (0: none). */
static inline unsigned uid_limit(struct uid_limits l, uid_t uid)
{
    return uid == 0 && !l.root_too ? 0 : l.max;
}

/* Why a request is refused: set by deny() only. */
struct refusal {
    bool refused;
    enum proto_err code;
    char why[160];
};

/* Refuse with code and a reason (printf-style), into r. */
void deny(struct refusal *r, enum proto_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
