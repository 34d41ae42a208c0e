/* SPDX-License-Identifier: Apache-2.0 */
/* sys/socket.h for the Windows build (make windows, -Iwin/include): the
 * POSIX socket calls the portable core makes, over Winsock. Each call is
 * renamed to a wrapper in win/socket.c that sets errno from
 * WSAGetLastError() (Winsock leaves errno alone), takes an int descriptor,
 * and, for close(), calls closesocket() on a socket and _close() on a file.
 * No file of the core has an #if for Windows: this directory stands in
 * for the headers mingw-w64 lacks. */
#ifndef PORTPICKER_WIN_SYS_SOCKET_H
#define PORTPICKER_WIN_SYS_SOCKET_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <afunix.h>
#include <errno.h>
#include <io.h>
#include <sys/types.h>
#include <unistd.h>

#define SHUT_RDWR SD_BOTH

int win_socket(int family, int type, int protocol);
int win_bind(int fd, const struct sockaddr *sa, socklen_t len);
int win_listen(int fd, int backlog);
int win_connect(int fd, const struct sockaddr *sa, socklen_t len);
int win_setsockopt(int fd, int level, int name, const void *val, socklen_t len);
int win_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
ssize_t win_send(int fd, const void *buf, size_t len, int flags);
ssize_t win_recv(int fd, void *buf, size_t len, int flags);
int win_shutdown(int fd, int how);
int win_close(int fd);
int win_poll(struct pollfd *fds, unsigned long n, int timeout_ms);
/* fd non-blocking (FIONBIO): 0, or -1 with errno set. */
int win_set_nonblock(int fd);
/* Winsock started (WSAStartup, once): 0, or -1 with errno set. */
int win_sockets_up(void);
/* errno for a Winsock error code (WSAEADDRINUSE: EADDRINUSE, ...). */
int win_errno(int wsa);

#ifndef PORTPICKER_WIN_SHIM_IMPL
#define socket win_socket
#define bind win_bind
#define listen win_listen
#define connect win_connect
#define setsockopt win_setsockopt
#define getsockopt win_getsockopt
#define send win_send
#define recv win_recv
#define shutdown win_shutdown
#define close(fd) win_close(fd)
#endif

#endif
