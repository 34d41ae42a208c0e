/* SPDX-License-Identifier: Apache-2.0 */
/* run_exec.c: run's command exec'd as sh(1) would: searched in PATH, and a
 * file the kernel will not execute (ENOEXEC: a script without "#!") run by
 * /bin/sh, as POSIX asks of execvp. glibc's execvp does that; musl's, in
 * the static build, returns ENOEXEC. */
#include "applets/applets.h"

#include <errno.h>
#include <fcntl.h>
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

/* Might path be a script: text, as bash asks it (no NUL in its first line,
 * of its first 80 bytes)? A binary the kernel will not run (another
 * architecture, a truncated ELF) stays "Exec format error" (126), never
 * fed to sh, which would print its bytes and exit 127. */
static bool looks_like_text(const char *path)
{
    char head[80];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, head, sizeof(head));
    close(fd);
    if (n <= 0)
        return n == 0; /* an empty file is an empty script */
    const char *nl = memchr(head, '\n', (size_t)n);
    return !memchr(head, '\0', nl ? (size_t)(nl - head) : (size_t)n);
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
    if (!looks_like_text(path)) {
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
