/* SPDX-License-Identifier: Apache-2.0 */
/* netsh_windows.c: run netsh.exe, several at once within one deadline, and
 * keep what each printed (lib/netsh.h).
 *
 * netsh is run by its full path in the system directory: CreateProcess
 * given a bare name looks in the current directory first, and a netsh.exe
 * planted there would choose which ports pick leaves out. Its stdout is an
 * anonymous pipe, which has no overlapped I/O: the pipe is polled with
 * PeekNamedPipe between waits on the processes, so no read blocks past the
 * deadline, and a full pipe never stalls a netsh that prints a lot. */
#include "lib/netsh.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <windows.h>

/* How often the pipes are looked at while netsh runs. */
#define POLL_MS 10
/* How long an ended netsh is given to be gone. */
#define END_WAIT_MS 500

struct child {
    HANDLE proc; /* NULL once its answer is settled */
    HANDLE out;  /* NULL once read to its end */
};

/* The command line: the quoted path, then args (ASCII) widened. */
static bool command_line(wchar_t *cmd, size_t len, const wchar_t *netsh,
                         const char *args)
{
    size_t at = 0, plen = wcslen(netsh);
    if (plen + strlen(args) + 4 > len)
        return false;
    cmd[at++] = L'"';
    memcpy(cmd + at, netsh, plen * sizeof(wchar_t));
    at += plen;
    cmd[at++] = L'"';
    cmd[at++] = L' ';
    while (*args)
        cmd[at++] = (wchar_t)(unsigned char)*args++;
    cmd[at] = L'\0';
    return true;
}

/* Start netsh with q's args, its stdout into a pipe: c is set, or q->why
 * says why not. nul (inheritable) is its stdin and stderr. */
static void start(struct netsh_query *q, struct child *c, const wchar_t *netsh,
                  HANDLE nul)
{
    wchar_t cmd[MAX_PATH + 128];
    SECURITY_ATTRIBUTES inherit = {sizeof(inherit), NULL, TRUE};
    HANDLE rd, wr;
    if (!command_line(cmd, sizeof(cmd) / sizeof(cmd[0]), netsh, q->args)) {
        snprintf(q->why, sizeof(q->why), "its path is too long");
        return;
    }
    if (!CreatePipe(&rd, &wr, &inherit, 0)) {
        snprintf(q->why, sizeof(q->why), "no pipe (error %lu)", GetLastError());
        return;
    }
    /* Only the write end goes to netsh; it is closed here right after, so
     * the next netsh started does not inherit it too. */
    SetHandleInformation(rd, HANDLE_FLAG_INHERIT, 0);
    STARTUPINFOW si = {.cb = sizeof(si), .dwFlags = STARTF_USESTDHANDLES,
                       .hStdInput = nul, .hStdOutput = wr, .hStdError = nul};
    PROCESS_INFORMATION pi;
    BOOL ok = CreateProcessW(netsh, cmd, NULL, NULL, TRUE, CREATE_NO_WINDOW,
                             NULL, NULL, &si, &pi);
    DWORD err = GetLastError();
    CloseHandle(wr);
    if (!ok) {
        CloseHandle(rd);
        snprintf(q->why, sizeof(q->why), "cannot start it (error %lu)", err);
        return;
    }
    CloseHandle(pi.hThread);
    c->proc = pi.hProcess;
    c->out = rd;
}

/* Read what c's pipe holds into q. Returns false at the pipe's end or when
 * q->text is full (q->why says so). */
static bool drain(struct netsh_query *q, struct child *c)
{
    DWORD avail, got;
    while (PeekNamedPipe(c->out, NULL, 0, NULL, &avail, NULL)) {
        if (avail == 0)
            return true;
        size_t room = NETSH_TEXT_MAX - 1 - q->len;
        if (room == 0) {
            snprintf(q->why, sizeof(q->why), "more than %d bytes of output",
                     NETSH_TEXT_MAX - 1);
            return false;
        }
        if (!ReadFile(c->out, q->text + q->len,
                      avail < room ? avail : (DWORD)room, &got, NULL))
            return false;
        q->len += got;
        q->text[q->len] = '\0';
    }
    return false;
}

/* Settle c: exited (its exit code), or ended here with why already set. */
static void settle(struct netsh_query *q, struct child *c, bool end)
{
    DWORD code;
    if (end) {
        /* TerminateProcess returns before the process is gone. */
        TerminateProcess(c->proc, 1);
        WaitForSingleObject(c->proc, END_WAIT_MS);
    } else if (!GetExitCodeProcess(c->proc, &code))
        snprintf(q->why, sizeof(q->why), "no exit status (error %lu)",
                 GetLastError());
    else if (code != 0 && !q->why[0])
        snprintf(q->why, sizeof(q->why), "exit %lu", code);
    CloseHandle(c->proc);
    c->proc = NULL;
    if (c->out)
        CloseHandle(c->out);
    c->out = NULL;
}

/* One look at every child still running: read its pipe, settle it if it
 * exited or printed too much. Returns how many still run, their handles
 * in wait. */
static DWORD look(struct netsh_query *q, struct child *c, size_t n,
                  HANDLE *wait)
{
    DWORD running = 0;
    for (size_t i = 0; i < n; i++) {
        if (!c[i].proc)
            continue;
        bool exited = WaitForSingleObject(c[i].proc, 0) == WAIT_OBJECT_0;
        if (c[i].out && !drain(&q[i], &c[i])) {
            CloseHandle(c[i].out);
            c[i].out = NULL;
            if (q[i].why[0]) {
                settle(&q[i], &c[i], true);
                continue;
            }
        }
        /* What it wrote before it exited was in the pipe when drained. */
        if (exited)
            settle(&q[i], &c[i], false);
        else
            wait[running++] = c[i].proc;
    }
    return running;
}

void netsh_ask(struct netsh_query *q, size_t n)
{
    struct child c[NETSH_QUERIES_MAX] = {0};
    HANDLE wait[NETSH_QUERIES_MAX];
    wchar_t netsh[MAX_PATH];
    UINT len = GetSystemDirectoryW(netsh, MAX_PATH - 11);
    SECURITY_ATTRIBUTES inherit = {sizeof(inherit), NULL, TRUE};
    HANDLE nul = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                             FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
                             OPEN_EXISTING, 0, NULL);
    for (size_t i = 0; i < n; i++) {
        q[i].len = 0;
        q[i].text[0] = q[i].why[0] = '\0';
        if (len == 0 || len >= MAX_PATH - 11)
            snprintf(q[i].why, sizeof(q[i].why), "no system directory");
        else if (nul == INVALID_HANDLE_VALUE)
            snprintf(q[i].why, sizeof(q[i].why), "cannot open NUL (error %lu)",
                     GetLastError());
        else {
            wcscpy(netsh + len, L"\\netsh.exe");
            start(&q[i], &c[i], netsh, nul);
        }
    }
    ULONGLONG deadline = GetTickCount64() + NETSH_TIMEOUT_MS;
    for (DWORD running; (running = look(q, c, n, wait)) > 0;) {
        ULONGLONG now = GetTickCount64();
        if (now < deadline) {
            WaitForMultipleObjects(running, wait, FALSE,
                                   deadline - now < POLL_MS ? (DWORD)(deadline - now) : POLL_MS);
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (c[i].proc) {
                snprintf(q[i].why, sizeof(q[i].why), "no answer within %d s",
                         NETSH_TIMEOUT_MS / 1000);
                settle(&q[i], &c[i], true);
            }
    }
    if (nul != INVALID_HANDLE_VALUE)
        CloseHandle(nul);
}
