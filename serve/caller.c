/* SPDX-License-Identifier: Apache-2.0 */
/* caller.c: deny(), the one writer of a refusal (serve/caller.h). */
#include "serve/caller.h"

#include <stdarg.h>
#include <stdio.h>

void deny(struct refusal *r, enum proto_err code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof(r->why), fmt, ap);
    va_end(ap);
    r->code = code;
    r->refused = true;
}
