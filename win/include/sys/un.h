/* SPDX-License-Identifier: Apache-2.0 */
/* sys/un.h for the Windows build: struct sockaddr_un is afunix.h's. */
#include <sys/socket.h>
