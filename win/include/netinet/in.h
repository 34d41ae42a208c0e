/* SPDX-License-Identifier: Apache-2.0 */
/* netinet/in.h for the Windows build: Winsock has it all (sys/socket.h). */
#include <sys/socket.h>
