/* portpicker_proto.h: the limits and the NAME rule of the port server
 * protocol (docs/protocol.md), defined once.
 *
 * Installed beside portpicker_client.h. Our server and our applets take
 * them from here through lib/proto.h, and so does the C client, so no side
 * can outgrow the other (a client's 1100-byte request once met a server's
 * 1024). tests/docs.bats checks that each is defined only here and that
 * docs/protocol.md states the same values. C99 and C++, libc only. */
#ifndef PORTPICKER_PROTO_H
#define PORTPICKER_PROTO_H

#include <stdbool.h>

/* A legacy request, newline and padding included, as portserver.py. */
#define PROTO_LEGACY_MAX 20
/* Characters of a NAME (the NUL not counted). */
#define PROTO_NAME_MAX 31
/* Ports one v1 pick asks for, or one v1 release gives back. */
#define PROTO_MAX_PORTS 1000
/* NAMEs one v1 pick carries. Lower than PROTO_MAX_PORTS so that a named
 * pick never outgrows the longest release (see PROTO_REQUEST_MAX). */
#define PROTO_MAX_NAMES 128
/* Preferred ports one v1 pick carries (its prefer= word). */
#define PROTO_MAX_PREFER 16
/* The largest pid a v1 pick names (INT_MAX, spelled out so that it can be
 * measured below). */
#define PROTO_PID_MAX 2147483647

#define PROTO_STR_(x) #x
#define PROTO_STR(x) PROTO_STR_(x)
/* Longest request line of each verb that the counts above allow, newline
 * not counted: the limit on the line is derived from the counts, so every
 * request a client may build fits (it once was 1024 bytes against 1000
 * ports of up to 6 bytes each). */
#define PROTO_PICK_LINE_MAX                                                   \
    (sizeof("v1 pick " PROTO_STR(PROTO_PID_MAX) " " PROTO_STR(PROTO_MAX_PORTS)) - 1 + \
     PROTO_MAX_NAMES * (1 + PROTO_NAME_MAX) +                              \
     sizeof(" prefer=") - 1 + PROTO_MAX_PREFER * (sizeof(",65535") - 1) - 1)
#define PROTO_RELEASE_LINE_MAX                                                \
    (sizeof("v1 release") - 1 + PROTO_MAX_PORTS * (sizeof(" 65535") - 1))
/* A v1 request line, newline not counted: the longer of the two. Every
 * connection buffers one whole line, so this is also what a slow client
 * costs the server. */
#define PROTO_REQUEST_MAX                                                     \
    (PROTO_PICK_LINE_MAX > PROTO_RELEASE_LINE_MAX ? PROTO_PICK_LINE_MAX      \
                                                  : PROTO_RELEASE_LINE_MAX)

/* Bytes of an owner's command line a lease line shows; the rest is cut.
 * Escaped (up to 4 bytes a byte), it bounds a lease line, and so what a
 * leases reply costs the server per connection (PROTO_LEASE_LINE_MAX). */
#define PROTO_CMD_MAX 256
/* Longest lease line, newline included: the fixed words, the largest
 * numbers, one NAME and a command line of PROTO_CMD_MAX bytes, escaped. */
#define PROTO_LEASE_LINE_MAX                                                  \
    (sizeof("port=65535 pid=" PROTO_STR(PROTO_PID_MAX) " uid=4294967295 "     \
            "age=4294967295 names= cmd=\n") - 1 + PROTO_NAME_MAX + 4 * PROTO_CMD_MAX)

/* Does word (NUL-terminated) follow the NAME rule: [A-Za-z_][A-Za-z0-9_]*,
 * 1 to PROTO_NAME_MAX characters? Written out by character range, not with
 * <ctype.h>, so the locale never changes what a server accepts. */
static inline bool proto_is_name(const char *word)
{
    unsigned long i = 0;
    for (; word[i]; i++) {
        char c = word[i];
        bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
        bool digit = c >= '0' && c <= '9';
        if (!letter && !(i > 0 && digit))
            return false;
    }
    return i > 0 && i <= PROTO_NAME_MAX;
}

#endif
