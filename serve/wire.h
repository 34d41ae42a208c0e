/* wire.h: request framing and parsing, pure (serve/wire.c). */
#ifndef SERVE_WIRE_H
#define SERVE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAX 20     /* longest request, as portserver.py */
#define V1_MAX 1024     /* longest v1 request (docs/protocol.md) */
#define V1_MAX_PORTS 1000
#define V1_NAME_MAX 32  /* a NAME's length, with its NUL */

enum wire_status { WIRE_MORE, WIRE_PID, WIRE_V1, WIRE_BAD };

/* Frame and parse a request: optional whitespace, an optional sign, decimal
 * digits, optional whitespace; complete at the first newline or, with
 * done (EOF or timeout), at the end. On WIRE_PID *pid holds the number,
 * clamped to INT32_MIN..INT32_MAX+1 so huge values stay out of range.
 * WIRE_MORE: wait for more bytes. On WIRE_BAD why says what is wrong. */
enum wire_status wire_parse(const char *buf, size_t len, bool done,
                            long long *pid, const char **why);

/* A request that starts with 'v' is v1 (docs/protocol.md), framed up to
 * its newline (or EOF), at most V1_MAX bytes and without a NUL byte. WIRE_V1: *line_len is the
 * length before the newline. WIRE_MORE and WIRE_BAD as above. */
enum wire_status wire_frame_v1(const char *buf, size_t len, bool done,
                               size_t *line_len, const char **why);

enum v1_verb { V1_PICK, V1_RELEASE, V1_STATUS, V1_LEASES };

struct v1_request {
    enum v1_verb verb;
    long long pid;                      /* pick */
    unsigned count;                     /* pick: ports asked; release: given */
    unsigned nnames;                    /* pick: 0, or count */
    const char *names[V1_MAX_PORTS];    /* pick: into the parsed line */
    uint16_t ports[V1_MAX_PORTS];       /* release */
};

enum v1_parse { V1_OK, V1_BAD_REQUEST, V1_UNSUPPORTED };

/* Parse a v1 line (NUL-terminated, no newline), splitting it in place.
 * On anything but V1_OK, why holds the reason for the err reply. */
enum v1_parse wire_parse_v1(char *line, struct v1_request *r, char *why,
                            size_t whylen);

#endif
