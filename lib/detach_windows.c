/* SPDX-License-Identifier: Apache-2.0 */
/* detach_windows.c: pick's hold on Windows, where there is no fork: a new
 * portpicker.exe is started that inherits the hold's sockets and nothing
 * else (PROC_THREAD_ATTRIBUTE_HANDLE_LIST; stdio on no handle, so
 * $(portpicker pick $$ 5) returns at once), detached from the console. It
 * learns how long from PORTPICKER_HELD in its environment: the deadline in
 * GetTickCount64's milliseconds, which all processes share. A hold off
 * Linux always fences (no take-over is seen), so the child only keeps the
 * inherited sockets open until the deadline; it does so before main, and
 * main never runs in it. (POSIX: detach_fork.c.) */
#include "portpicker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

#define HELD_VAR "PORTPICKER_HELD"
/* BIND_TIMEOUT's most, a day: a larger deadline is not ours. */
#define HELD_MAX_MS (86400ull * 1000)

/* In the child, before main: hold until the deadline, then exit. A
 * malformed PORTPICKER_HELD is not ours: main runs as usual. */
__attribute__((constructor)) static void held(void)
{
    char text[32], *end;
    DWORD len = GetEnvironmentVariableA(HELD_VAR, text, sizeof(text));
    if (len == 0 || len >= sizeof(text) || text[0] < '0' || text[0] > '9')
        return;
    unsigned long long deadline = strtoull(text, &end, 10);
    ULONGLONG now = GetTickCount64();
    if (*end || deadline > now + HELD_MAX_MS)
        return;
    SetEnvironmentVariableA(HELD_VAR, NULL);
    for (; now < deadline; now = GetTickCount64())
        Sleep((DWORD)(deadline - now));
    ExitProcess(0);
}

/* Start this program again, inheriting the n handles alone, with the
 * deadline in its environment. */
static bool start_held(HANDLE *handles, size_t n, double seconds)
{
    wchar_t exe[MAX_PATH];
    char text[32];
    SIZE_T size = 0;
    DWORD got = GetModuleFileNameW(NULL, exe, MAX_PATH);
    if (got == 0 || got >= MAX_PATH)
        return false;
    snprintf(text, sizeof(text), "%llu",
             GetTickCount64() + (unsigned long long)(seconds * 1000 + 0.5));
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = HeapAlloc(GetProcessHeap(), 0, size);
    if (!attrs)
        return false;
    bool ok = false;
    if (InitializeProcThreadAttributeList(attrs, 1, 0, &size)) {
        STARTUPINFOEXW si = {.StartupInfo = {.cb = sizeof(si)},
                             .lpAttributeList = attrs};
        PROCESS_INFORMATION pi;
        /* The variable goes to the child's copy of the environment, made
         * by CreateProcess, and is gone from this one right after. */
        ok = UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                       handles, n * sizeof(*handles), NULL, NULL) &&
             SetEnvironmentVariableA(HELD_VAR, text) &&
             CreateProcessW(exe, NULL, NULL, NULL, TRUE,
                            EXTENDED_STARTUPINFO_PRESENT | DETACHED_PROCESS |
                            CREATE_NO_WINDOW, NULL, NULL, &si.StartupInfo, &pi);
        SetEnvironmentVariableA(HELD_VAR, NULL);
        if (ok) {
            CloseHandle(pi.hThread);
            CloseHandle(pi.hProcess);
        }
        DeleteProcThreadAttributeList(attrs);
    }
    HeapFree(GetProcessHeap(), 0, attrs);
    return ok;
}

int detach_hold(const int *fds, size_t n, double seconds)
{
    HANDLE handles[HOLD_MAX_FDS * PROTO_MAX_PORTS];
    if (n == 0 || n > sizeof(handles) / sizeof(handles[0])) {
        errno = EINVAL;
        return -1;
    }
    /* Made inheritable for CreateProcess's list alone; pick closes them
     * right after. */
    for (size_t i = 0; i < n; i++) {
        handles[i] = (HANDLE)(uintptr_t)fds[i];
        if (!SetHandleInformation(handles[i], HANDLE_FLAG_INHERIT,
                                  HANDLE_FLAG_INHERIT)) {
            errno = EBADF;
            return -1;
        }
    }
    if (!start_held(handles, n, seconds)) {
        errno = ECHILD;
        return -1;
    }
    return 1;
}
