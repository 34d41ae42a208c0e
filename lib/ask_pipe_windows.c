/* SPDX-License-Identifier: Apache-2.0 */
/* ask_pipe_windows.c: the client side of the port server protocol on
 * Windows, over a named pipe, as python_portpicker's Windows client (1.5.0,
 * its PR #25): the address "@NAME" is the pipe \\.\pipe\NAME. One request
 * per connection, the reply read until the server closes its end, all
 * within one deadline (overlapped I/O, each wait bounded). A socket path
 * is refused: there is no unix socket client here. (POSIX: ask.c.) */
#include "portpicker.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

#define PIPE_PREFIX "\\\\.\\pipe\\"

static DWORD ms_left(double deadline)
{
    double left = (deadline - monotonic_seconds_syscall()) * 1000;
    return left > 0 ? (DWORD)left + 1 : 0;
}

/* Open the pipe, waiting while every instance is busy. */
static enum ask_result open_pipe(const char *path, double deadline,
                                 HANDLE *pipe, DWORD *why)
{
    for (;;) {
        *pipe = CreateFileA(path, GENERIC_READ | GENERIC_WRITE, 0, NULL,
                            OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
        if (*pipe != INVALID_HANDLE_VALUE)
            return ASK_REPLY;
        *why = GetLastError();
        if (*why == ERROR_FILE_NOT_FOUND)
            return ASK_UNREACHABLE;
        if (*why != ERROR_PIPE_BUSY)
            return ASK_ERROR;
        if (ms_left(deadline) == 0)
            return ASK_TIMEOUT;
        WaitNamedPipeA(path, ms_left(deadline));
    }
}

/* Has the server closed its end (or disconnected this instance)? */
static bool closed(DWORD why)
{
    return why == ERROR_BROKEN_PIPE || why == ERROR_NO_DATA ||
           why == ERROR_PIPE_NOT_CONNECTED;
}

/* One overlapped ReadFile or WriteFile, waited for until deadline: *done
 * bytes. The server's end closed is ASK_CLOSED. */
static enum ask_result transfer(HANDLE pipe, HANDLE event, bool write,
                                void *buf, DWORD len, DWORD *done,
                                double deadline, DWORD *why)
{
    OVERLAPPED ov = {.hEvent = event};
    BOOL ok = write ? WriteFile(pipe, buf, len, NULL, &ov)
                    : ReadFile(pipe, buf, len, NULL, &ov);
    if (!ok && GetLastError() != ERROR_IO_PENDING && GetLastError() != ERROR_MORE_DATA) {
        *why = GetLastError();
        return closed(*why) ? ASK_CLOSED : ASK_ERROR;
    }
    if (WaitForSingleObject(event, ms_left(deadline)) != WAIT_OBJECT_0) {
        CancelIo(pipe);
        GetOverlappedResult(pipe, &ov, done, TRUE);
        return ASK_TIMEOUT;
    }
    if (!GetOverlappedResult(pipe, &ov, done, FALSE) &&
        GetLastError() != ERROR_MORE_DATA) {
        *why = GetLastError();
        return closed(*why) ? ASK_CLOSED : ASK_ERROR;
    }
    return ASK_REPLY;
}

static enum ask_result exchange(HANDLE pipe, HANDLE event, const char *request,
                                char *reply, size_t cap, size_t *got,
                                double deadline, DWORD *why,
                                enum ask_stage *stage)
{
    size_t len = strlen(request), sent = 0;
    DWORD n;
    *stage = ASK_AT_SEND;
    while (sent < len) {
        enum ask_result r = transfer(pipe, event, true, (char *)request + sent,
                                     (DWORD)(len - sent), &n, deadline, why);
        if (r == ASK_CLOSED)
            break; /* the server closed: read what it said */
        if (r != ASK_REPLY)
            return r;
        sent += n;
    }
    *stage = ASK_AT_READ;
    for (;;) {
        if (*got == cap)
            return ASK_OVERSIZE;
        enum ask_result r = transfer(pipe, event, false, reply + *got,
                                     (DWORD)(cap - *got), &n, deadline, why);
        if (r == ASK_CLOSED)
            return *got ? ASK_REPLY : ASK_CLOSED;
        if (r != ASK_REPLY)
            return r;
        if (memchr(reply + *got, '\0', n))
            return ASK_NUL;
        *got += n;
    }
}

enum ask_result ask_server(const char *address, const char *request,
                           char *reply, size_t replylen, double timeout,
                           char *err, size_t errlen)
{
    char path[sizeof(PIPE_PREFIX) + 256], detail[sizeof(path) + 32];
    double deadline = monotonic_seconds_syscall() + timeout;
    size_t got = 0;
    DWORD why = 0;
    /* A pipe's name may hold any byte but a backslash; a control
     * character or invalid UTF-8 is refused too, so that every message
     * shows it as it is, on one line. */
    if (address[0] != '@' || !address[1] || strlen(address) > 256 ||
        strchr(address, '\\') || unprintable(address)) {
        snprintf(err, errlen, "%s is not a named pipe: on Windows a port "
                 "server address is @NAME (the pipe \\\\.\\pipe\\NAME, 256 "
                 "bytes at most, no backslash)", QUOTED(address));
        return ASK_BAD_ADDRESS;
    }
    snprintf(path, sizeof(path), PIPE_PREFIX "%s", address + 1);
    HANDLE pipe, event = CreateEventA(NULL, TRUE, FALSE, NULL);
    if (!event) {
        snprintf(err, errlen, "CreateEvent: Windows error %lu", GetLastError());
        return ASK_ERROR;
    }
    struct ask_failure f = {.address = address, .stage = ASK_AT_CONNECT,
                            .timeout = timeout, .cap = replylen - 1,
                            .detail = detail};
    enum ask_result r = open_pipe(path, deadline, &pipe, &why);
    if (r == ASK_REPLY) {
        r = exchange(pipe, event, request, reply, f.cap, &got, deadline, &why,
                     &f.stage);
        CloseHandle(pipe);
    }
    CloseHandle(event);
    reply[got] = '\0';
    if (r == ASK_UNREACHABLE)
        snprintf(detail, sizeof(detail), "no pipe %s", path);
    else
        snprintf(detail, sizeof(detail), "Windows error %lu", why);
    ask_result_line(r, &f, err, errlen);
    return r;
}
