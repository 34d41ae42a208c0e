/* SPDX-License-Identifier: Apache-2.0 */
/* arpa/inet.h for the Windows build: Winsock has it all (sys/socket.h). */
#include <sys/socket.h>
