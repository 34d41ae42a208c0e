/* SPDX-License-Identifier: Apache-2.0 */
/* run_exec.c: run's command exec'd as sh(1) would: searched in PATH, and a
 * file the kernel will not execute (ENOEXEC) that is a script without
 * "#!" run by /bin/sh, as POSIX asks of execvp. Done here, not by execvp:
 * musl's returns ENOEXEC, glibc's hands any such file to sh, a binary of
 * another architecture too, whose bytes sh then prints (exit 127). */
#include "applets/applets.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is path a script: text, as bash asks it (no NUL in its first line, of
 * its first 80 bytes)? A binary the kernel will not run stays "Exec
 * format error" (126). */
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

/* execv path; on ENOEXEC, a script is run by /bin/sh with the script's
 * path as its $0. Returns only on failure, errno set (ENOEXEC for a
 * binary, or when sh itself could not be run). */
static void exec_file(const char *path, char **argv)
{
    execv(path, argv);
    if (errno != ENOEXEC)
        return;
    if (!looks_like_text(path)) {
        errno = ENOEXEC;
        return;
    }
    size_t n = 0;
    while (argv[n])
        n++;
    char **sh = malloc((n + 2) * sizeof(*sh));
    if (sh) {
        sh[0] = "sh";
        sh[1] = (char *)path;
        memcpy(sh + 2, argv + 1, n * sizeof(*sh)); /* the NULL included */
        execv("/bin/sh", sh);
        free(sh);
    }
    errno = ENOEXEC; /* what the command itself was */
}

void exec_command(char **argv)
{
    if (strchr(argv[0], '/')) {
        exec_file(argv[0], argv);
        return;
    }
    /* Each directory of PATH (unset: musl's default) in turn, as execvp:
     * a file not there, or not ours to run, sends the search on, and EACCES
     * is the answer if nothing else ran; any other failure is. */
    const char *dirs = getenv("PATH");
    if (!dirs)
        dirs = "/usr/local/bin:/bin:/usr/bin";
    bool denied = false;
    char path[PATH_MAX];
    for (const char *d = dirs;; d++) {
        size_t len = strcspn(d, ":");
        int w = snprintf(path, sizeof(path), "%.*s%s%s", (int)len, d,
                         len ? "/" : "", argv[0]);
        if (w > 0 && (size_t)w < sizeof(path)) {
            exec_file(path, argv);
            if (errno == EACCES)
                denied = true;
            else if (errno != ENOENT && errno != ENOTDIR)
                return;
        }
        d += len;
        if (!*d)
            break;
    }
    errno = denied ? EACCES : ENOENT;
}
