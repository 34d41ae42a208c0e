/* SPDX-License-Identifier: Apache-2.0 */
/* unistd.h for the Windows build: mingw-w64's, and the call it lacks
 * (win/process.c). No fork: pick's detached hold starts a process of its
 * own (lib/detach_windows.c). */
#ifndef PORTPICKER_WIN_UNISTD_H
#define PORTPICKER_WIN_UNISTD_H
#include_next <unistd.h>
#include <sys/types.h>
/* The parent's process id (Toolhelp32), or 0 when it cannot be read. */
pid_t getppid(void);
#endif
