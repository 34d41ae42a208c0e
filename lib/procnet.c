/* procnet.c: what Linux's /proc/net tables say about a port.
 *
 * The probe needs this to tell TIME_WAIT (listed here, harmless to a server
 * that sets SO_REUSEADDR) from a socket that is bound but not listening (not
 * listed, and a real claim on the port). Elsewhere the files do not exist
 * and callers stay conservative. */
#include "portpicker.h"

#include <stdio.h>

/* Count matching lines of one file; -1 if it cannot be opened. */
static int count_in_file(const char *path, unsigned port, int state,
                         bool not_state)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[512];
    int count = 0;
    /* The first line is the header. */
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        unsigned local_port, st;
        if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
                   &local_port, &st) != 2)
            continue;
        if (local_port != port)
            continue;
        if (state == PROCNET_ANY_STATE || ((int)st == state) != not_state)
            count++;
    }
    fclose(f);
    return count;
}

int procnet_count(const char *proto, unsigned port, int state, bool not_state)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/net/%s", proto);
    int v4 = count_in_file(path, port, state, not_state);
    snprintf(path, sizeof(path), "/proc/net/%s6", proto);
    int v6 = count_in_file(path, port, state, not_state);
    if (v4 < 0 && v6 < 0)
        return -1;
    return (v4 > 0 ? v4 : 0) + (v6 > 0 ? v6 : 0);
}
