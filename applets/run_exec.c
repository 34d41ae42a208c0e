/* SPDX-License-Identifier: Apache-2.0 */
/* run_exec.c: run's command exec'd as sh(1) would: searched in PATH, and a
 * file the kernel will not execute (ENOEXEC: a script without "#!") run by
 * /bin/sh, as POSIX asks of execvp. glibc's execvp does that; musl's, in
 * the static build, returns ENOEXEC. */
#include "applets/applets.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where execvp found name: the first executable regular file of that name
 * in PATH (its default when unset, as musl's), into path. */
static bool find_in_path(const char *name, char *path, size_t len)
{
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/usr/local/bin:/bin:/usr/bin";
    for (const char *d = dirs;; d++) {
        size_t n = strcspn(d, ":");
        struct stat st;
        int w = snprintf(path, len, "%.*s%s%s", (int)n, d, n ? "/" : "", name);
        if (w > 0 && (size_t)w < len && access(path, X_OK) == 0 &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode))
            return true;
        d += n;
        if (!*d)
            return false;
    }
}

void exec_command(char **argv)
{
    execvp(argv[0], argv);
    if (errno != ENOEXEC)
        return;
    char path[PATH_MAX];
    if (strchr(argv[0], '/'))
        snprintf(path, sizeof(path), "%s", argv[0]);
    else if (!find_in_path(argv[0], path, sizeof(path))) {
        errno = ENOEXEC;
        return;
    }
    size_t n = 0;
    while (argv[n])
        n++;
    /* sh, the script, its arguments: argv[0] becomes the script's path,
     * which the shell sets $0 to. */
    char **sh = malloc((n + 2) * sizeof(*sh));
    if (!sh) {
        errno = ENOEXEC;
        return;
    }
    sh[0] = "sh";
    sh[1] = path;
    memcpy(sh + 2, argv + 1, n * sizeof(*sh)); /* the NULL included */
    execv("/bin/sh", sh);
    free(sh);
    errno = ENOEXEC; /* what the command itself was */
}
