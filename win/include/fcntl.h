/* SPDX-License-Identifier: Apache-2.0 */
/* fcntl.h for the Windows build: O_CLOEXEC is _O_NOINHERIT. */
#ifndef PORTPICKER_WIN_FCNTL_H
#define PORTPICKER_WIN_FCNTL_H
#include_next <fcntl.h>
#define O_CLOEXEC _O_NOINHERIT
#endif
