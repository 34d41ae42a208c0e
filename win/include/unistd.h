/* SPDX-License-Identifier: Apache-2.0 */
/* unistd.h for the Windows build: mingw-w64's, and the few calls it lacks
 * (win/process.c): no fork, so pick's detached hold is refused before it
 * would be called (lib/os.h, background_hold_missing). */
#ifndef PORTPICKER_WIN_UNISTD_H
#define PORTPICKER_WIN_UNISTD_H
#include_next <unistd.h>
#include <sys/types.h>
/* The parent's process id (Toolhelp32), or 0 when it cannot be read. */
pid_t getppid(void);
/* Not on Windows: -1 with errno ENOSYS. */
pid_t fork(void);
pid_t setsid(void);
#endif
