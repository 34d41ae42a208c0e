/* SPDX-License-Identifier: Apache-2.0 */
/* pipe_server.c: a port server over a named pipe for tests/windows.bats,
 * built with mingw-w64 (make build/pipe_server.exe) and run under Wine.
 *
 * usage: pipe_server.exe NAME MODE
 *
 * Serves \\.\pipe\NAME, one connection at a time: reads the request line,
 * prints it to stdout (the test reads what the client sent), and by MODE:
 *   ok      answers as a port server: a legacy "PID" gets "20000\n",
 *           "v1 pick PID N ..." gets "ok 20001 ... \n" (N ports),
 *           "v1 release ..." gets "ok\n"; then closes
 *   close   closes without a reply (a legacy server's refusal)
 *   silent  never answers (the client's --timeout)
 * Prints "ready" once the pipe exists. */
#include <fcntl.h>
#include <io.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static void answer(HANDLE pipe, const char *request, const char *mode)
{
    char reply[8192] = "";
    unsigned pid, n;
    if (!strcmp(mode, "silent")) {
        Sleep(60000);
        return;
    }
    if (!strcmp(mode, "close"))
        return;
    if (sscanf(request, "v1 pick %u %u", &pid, &n) == 2 && n <= 1000) {
        size_t len = (size_t)snprintf(reply, sizeof(reply), "ok");
        for (unsigned i = 0; i < n; i++)
            len += (size_t)snprintf(reply + len, sizeof(reply) - len, " %u",
                                    20001 + i);
        snprintf(reply + len, sizeof(reply) - len, "\n");
    } else if (!strncmp(request, "v1 release ", 11)) {
        strcpy(reply, "ok\n");
    } else if (request[0] >= '0' && request[0] <= '9') {
        strcpy(reply, "20000\n");
    }
    DWORD done;
    WriteFile(pipe, reply, (DWORD)strlen(reply), &done, NULL);
    FlushFileBuffers(pipe);
}

int main(int argc, char **argv)
{
    char path[300];
    if (argc != 3) {
        fprintf(stderr, "usage: pipe_server.exe NAME ok|close|silent\n");
        return 2;
    }
    _setmode(1, _O_BINARY); /* "\n" lines, as the test reads them */
    snprintf(path, sizeof(path), "\\\\.\\pipe\\%s", argv[1]);
    for (bool first = true;; first = false) {
        /* An instance per client, closed after the reply: the client reads
         * what is buffered, then ERROR_BROKEN_PIPE (DisconnectNamedPipe
         * would throw the unread reply away). */
        HANDLE pipe = CreateNamedPipeA(path, PIPE_ACCESS_DUPLEX,
                                       PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT,
                                       PIPE_UNLIMITED_INSTANCES, 8192, 8192, 0, NULL);
        if (pipe == INVALID_HANDLE_VALUE) {
            fprintf(stderr, "CreateNamedPipe %s: error %lu\n", path, GetLastError());
            return 1;
        }
        if (first) {
            printf("ready\n");
            fflush(stdout);
        }
        if (!ConnectNamedPipe(pipe, NULL) && GetLastError() != ERROR_PIPE_CONNECTED)
            return 1;
        char request[8192] = "";
        size_t len = 0;
        DWORD n;
        BOOL ok = TRUE;
        while (len < sizeof(request) - 1 && !memchr(request, '\n', len) &&
               (ok = ReadFile(pipe, request + len, (DWORD)(sizeof(request) - 1 - len),
                              &n, NULL)) && n > 0)
            len += n;
        if (!ok)
            fprintf(stderr, "ReadFile: error %lu\n", GetLastError());
        len = strcspn(request, "\n") < len ? strcspn(request, "\n") : len;
        request[len] = '\0';
        printf("%s\n", request);
        fflush(stdout);
        answer(pipe, request, argv[2]);
        CloseHandle(pipe);
    }
}
