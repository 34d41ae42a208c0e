/* SPDX-License-Identifier: Apache-2.0 */
/* process.c: the process calls of unistd.h that mingw-w64 lacks, for the
 * Windows build (win/include/unistd.h). */
#include <unistd.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#include <tlhelp32.h>

/* stdin, stdout and stderr in binary mode before main: "\n" is written as
 * on Linux, not "\r\n" (the tests and scripts compare lines). */
__attribute__((constructor)) static void binary_stdio(void)
{
    for (int fd = 0; fd < 3; fd++)
        _setmode(fd, _O_BINARY);
}

pid_t getppid(void)
{
    DWORD self = GetCurrentProcessId(), parent = 0;
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    PROCESSENTRY32 entry = {.dwSize = sizeof(entry)};
    if (snap == INVALID_HANDLE_VALUE)
        return 0;
    for (BOOL more = Process32First(snap, &entry); more;
         more = Process32Next(snap, &entry))
        if (entry.th32ProcessID == self) {
            parent = entry.th32ParentProcessID;
            break;
        }
    CloseHandle(snap);
    return (pid_t)parent;
}

pid_t fork(void)
{
    errno = ENOSYS;
    return -1;
}

pid_t setsid(void)
{
    errno = ENOSYS;
    return -1;
}
