/* SPDX-License-Identifier: Apache-2.0 */
/* socket.c: the POSIX socket calls of the core over Winsock, for the
 * Windows build (win/include/sys/socket.h renames each call here). A
 * descriptor is the SOCKET as an int (Winsock's handles are small
 * numbers); every failure sets errno from WSAGetLastError(). */
#define PORTPICKER_WIN_SHIM_IMPL
#include <sys/socket.h>

#include <errno.h>
#include <io.h>

int win_errno(int wsa)
{
    static const struct { int wsa, err; } map[] = {
        {WSAEADDRINUSE, EADDRINUSE},       {WSAEADDRNOTAVAIL, EADDRNOTAVAIL},
        {WSAEAFNOSUPPORT, EAFNOSUPPORT},   {WSAEPROTONOSUPPORT, EPROTONOSUPPORT},
        {WSAECONNREFUSED, ECONNREFUSED},   {WSAECONNRESET, ECONNRESET},
        {WSAECONNABORTED, ECONNRESET},     {WSAEWOULDBLOCK, EAGAIN},
        {WSAEINPROGRESS, EINPROGRESS},     {WSAEINTR, EINTR},
        {WSAENETUNREACH, ENETUNREACH},     {WSAEHOSTUNREACH, ENETUNREACH},
        {WSAEACCES, EACCES},               {WSAEINVAL, EINVAL},
        {WSAEMFILE, EMFILE},               {WSAENOBUFS, ENOBUFS},
        {WSAENOTSOCK, ENOTSOCK},           {WSAESHUTDOWN, EPIPE},
        {WSAETIMEDOUT, ETIMEDOUT},         {WSAENOTCONN, ENOTCONN},
        {WSAEOPNOTSUPP, EOPNOTSUPP},       {WSAEFAULT, EFAULT},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].wsa == wsa)
            return map[i].err;
    return EIO;
}

static int failed(void)
{
    errno = win_errno(WSAGetLastError());
    return -1;
}

int win_sockets_up(void)
{
    static int up;
    WSADATA data;
    if (up)
        return 0;
    int rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        errno = win_errno(rc);
        return -1;
    }
    up = 1;
    return 0;
}

int win_socket(int family, int type, int protocol)
{
    if (win_sockets_up() < 0)
        return -1;
    /* Not inherited by a child process: close-on-exec. */
    SOCKET s = WSASocketW(family, type, protocol, NULL, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    return s == INVALID_SOCKET ? failed() : (int)s;
}

int win_set_nonblock(int fd)
{
    u_long on = 1;
    return ioctlsocket((SOCKET)fd, FIONBIO, &on) == 0 ? 0 : failed();
}

int win_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
    return bind((SOCKET)fd, sa, len) == 0 ? 0 : failed();
}

int win_listen(int fd, int backlog)
{
    return listen((SOCKET)fd, backlog) == 0 ? 0 : failed();
}

int win_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    if (connect((SOCKET)fd, sa, len) == 0)
        return 0;
    failed();
    /* A non-blocking connect under way is WSAEWOULDBLOCK on Windows. */
    if (errno == EAGAIN)
        errno = EINPROGRESS;
    return -1;
}

int win_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    /* SO_REUSEADDR on Windows lets a socket steal a bound port: never.
     * The core asks for it only to let a consumer in beside a hold
     * (lib/hold.c), which Windows cannot do safely: the socket stays
     * SO_EXCLUSIVEADDRUSE (lib/socket_windows.c) and the hold fences, as
     * hold_hands_over() says it does off Linux. */
    if (level == SOL_SOCKET && name == SO_REUSEADDR)
        return 0;
    return setsockopt((SOCKET)fd, level, name, val, len) == 0 ? 0 : failed();
}

int win_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    if (getsockopt((SOCKET)fd, level, name, val, len) != 0)
        return failed();
    /* SO_ERROR holds a Winsock code: the caller compares errno values. */
    if (level == SOL_SOCKET && name == SO_ERROR && *(int *)val)
        *(int *)val = win_errno(*(int *)val);
    return 0;
}

ssize_t win_send(int fd, const void *buf, size_t len, int flags)
{
    int n = send((SOCKET)fd, buf, len > INT_MAX ? INT_MAX : (int)len, flags);
    return n == SOCKET_ERROR ? failed() : n;
}

ssize_t win_recv(int fd, void *buf, size_t len, int flags)
{
    int n = recv((SOCKET)fd, buf, len > INT_MAX ? INT_MAX : (int)len, flags);
    return n == SOCKET_ERROR ? failed() : n;
}

int win_shutdown(int fd, int how)
{
    return shutdown((SOCKET)fd, how) == 0 ? 0 : failed();
}

int win_close(int fd)
{
    if (closesocket((SOCKET)fd) == 0)
        return 0;
    if (WSAGetLastError() != WSAENOTSOCK && WSAGetLastError() != WSANOTINITIALISED)
        return failed();
    return _close(fd);
}

int win_poll(struct pollfd *fds, unsigned long n, int timeout_ms)
{
    int r = WSAPoll(fds, n, timeout_ms);
    return r == SOCKET_ERROR ? failed() : r;
}
