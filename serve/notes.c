/* SPDX-License-Identifier: Apache-2.0 */
/* notes.c: keeping a line for the daemon's edge to log (serve/notes.h). */
#include "serve/notes.h"

#include <stdarg.h>
#include <stdio.h>

void note(struct notes *ns, int level, const char *fmt, ...)
{
    if (ns->n == NOTES_MAX)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ns->at[ns->n].text, sizeof(ns->at[ns->n].text), fmt, ap);
    va_end(ap);
    ns->at[ns->n++].level = level;
}
