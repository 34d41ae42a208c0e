/* SPDX-License-Identifier: Apache-2.0 */
/* poll.h for the Windows build: WSAPoll (sockets only), errno set. */
#ifndef PORTPICKER_WIN_POLL_H
#define PORTPICKER_WIN_POLL_H
#include <sys/socket.h>
#ifndef PORTPICKER_WIN_SHIM_IMPL
#define poll win_poll
#endif
#endif
