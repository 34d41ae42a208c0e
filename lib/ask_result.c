/* SPDX-License-Identifier: Apache-2.0 */
/* ask_result.c: what a client says when ask_server fails, one line for
 * each ask_result, whichever way it talked (ask.c over a unix socket,
 * ask_pipe_windows.c over a named pipe). */
#include "portpicker.h"

#include <stdio.h>

static const char *const stage_names[] = {
    [ASK_AT_CONNECT] = "connect", [ASK_AT_SEND] = "send", [ASK_AT_READ] = "read",
};

void ask_result_line(enum ask_result r, const struct ask_failure *f, char *err,
                     size_t errlen)
{
    switch (r) {
    case ASK_REPLY:
    case ASK_CLOSED:
    case ASK_BAD_ADDRESS:
        return;
    case ASK_UNREACHABLE:
        snprintf(err, errlen, "no port server at %s (%s)", f->address, f->detail);
        return;
    case ASK_TIMEOUT:
        snprintf(err, errlen, "no answer from the port server at %s within %g s "
                 "(at %s)", f->address, f->timeout, stage_names[f->stage]);
        return;
    case ASK_OVERSIZE:
        snprintf(err, errlen, "the port server at %s sent a reply longer than "
                 "%zu bytes: not a reply of the protocol", f->address, f->cap);
        return;
    case ASK_NUL:
        snprintf(err, errlen, "the port server at %s sent a NUL byte: not a "
                 "reply of the protocol", f->address);
        return;
    case ASK_ERROR:
        snprintf(err, errlen, "talking to the port server at %s: %s: %s",
                 f->address, stage_names[f->stage], f->detail);
        return;
    }
}
