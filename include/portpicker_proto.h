/* SPDX-License-Identifier: Apache-2.0 */
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
#include <stddef.h>
#include <string.h>

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

/* The most leases a "v1 leases" reply announces (its COUNT): one a port. */
#define PROTO_LEASES_MAX 65535
/* Longest "v1 leases" reply: "ok COUNT", COUNT lease lines of the longest
 * kind, and the empty line that ends a listing, newlines included. A
 * client that takes this much takes any listing the protocol allows. */
#define PROTO_LEASES_REPLY_MAX                                                \
    (sizeof("ok " PROTO_STR(PROTO_LEASES_MAX) "\n") - 1 +                     \
     (size_t)PROTO_LEASES_MAX * PROTO_LEASE_LINE_MAX + 1)

/* The NAME rule, [A-Za-z_][A-Za-z0-9_]* of 1 to PROTO_NAME_MAX characters,
 * in the words every message and --help use (portpicker.1 repeats them;
 * tests/docs.bats compares). */
#define PROTO_NAME_RULE                                                       \
    "letters, digits and _, not starting with a digit, "                      \
    PROTO_STR(PROTO_NAME_MAX) " at most"

/* Does word (NUL-terminated) follow the NAME rule? Written out by
 * character range, not with <ctype.h>, so the locale never changes what a
 * server accepts. */
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

/* The CODE words of an "err CODE TEXT" reply (docs/protocol.md, "Errors"),
 * each X(NAME, WORD) once: lib/proto.h makes the ERR_* codes the server
 * sends and the applets read from this list, and portpicker_client.h reads
 * the words with proto_err_index. tests/docs.bats compares it with
 * docs/protocol.md. */
#define PROTO_ERRORS(X)                                                       \
    X(BAD_REQUEST, "bad-request")                                             \
    X(NO_SUCH_PID, "no-such-pid")                                             \
    X(EXHAUSTED, "exhausted")                                                 \
    X(QUOTA, "quota")                                                         \
    X(NOT_LEASED, "not-leased")                                               \
    X(NOT_OWNER, "not-owner")                                                 \
    X(UNSUPPORTED, "unsupported")                                             \
    X(PID_REFUSED, "pid-refused")                                             \
    X(SERVER, "server-error") /* the server failed, not the request */        \
    X(BUSY, "busy")           /* the uid is at its connection cap */

#define PROTO_ERR_WORD(name, word) word,

/* The place in PROTO_ERRORS of the CODE that code (an err reply after
 * "err ") starts with, ended by a space; -1 for a word not in the list. */
static inline int proto_err_index(const char *code)
{
    static const char *const words[] = {PROTO_ERRORS(PROTO_ERR_WORD)};
    size_t len = 0;
    while (code[len] && code[len] != ' ' && code[len] != '\n')
        len++;
    for (int i = 0; code[len] == ' ' && i < (int)(sizeof(words) / sizeof(words[0])); i++) {
        size_t w = 0;
        while (words[i][w] && w < len && words[i][w] == code[w])
            w++;
        if (w == len && !words[i][w])
            return i;
    }
    return -1;
}

/* Is reply (NUL-terminated, starting "err ") one whole "err CODE TEXT\n"
 * line: a CODE word, a space, a TEXT that may be empty, and the reply's
 * one newline at its end? NULL if so, else what is wrong. Whether CODE is
 * one this client knows is proto_err_index's question. */
static inline const char *proto_err_line_bad(const char *reply)
{
    const char *nl = strchr(reply, '\n');
    size_t code = strcspn(reply + 4, " \n");
    if (!nl)
        return "an err line with no newline at its end";
    if (nl[1])
        return "an err line and more after it";
    if (!code)
        return "an err line with no error code";
    return reply[4 + code] == ' ' ? NULL
           : "an err line with no space and text after its code";
}

/* ---- reading a pick's reply: one rule for every client ---- */

/* "PORT" (1-65535, at most 5 digits, no leading zero: as servers write
 * it) at *p, advancing past it. */
static inline bool proto_take_port(const char **p, unsigned *port)
{
    unsigned long v = 0;
    size_t digits = 0;
    if (**p == '0')
        return false;
    for (; (*p)[digits] >= '0' && (*p)[digits] <= '9'; digits++) {
        if (digits == 5)
            return false;
        v = v * 10 + (unsigned)((*p)[digits] - '0');
    }
    if (!digits || v < 1 || v > 65535)
        return false;
    *port = (unsigned)v;
    *p += digits;
    return true;
}

/* Exactly n (> 0) ports, "ok P1 P2...\n" (a legacy reply: "P\n"), and
 * nothing after: the form proto_format_ports writes? Into ports[0..n). Not
 * checked here: that no port comes twice (proto_port_twice). */
static inline bool proto_parse_ports(const char *reply, bool legacy, unsigned n,
                                     unsigned *ports)
{
    const char *p = reply;
    if (!legacy) {
        if (strncmp(reply, "ok ", 3))
            return false;
        p += 3;
    }
    for (unsigned i = 0; i < n; i++) {
        if (!proto_take_port(&p, &ports[i]) || *p != (i + 1 < n ? ' ' : '\n'))
            return false;
        p++;
    }
    return n > 0 && !*p;
}

/* The first port of ports[0..n) that an earlier one repeats, or 0 when all
 * differ. n is at most PROTO_MAX_PORTS: the square is a millisecond at
 * worst, and a one-port pick touches no bitmap's pages. */
static inline unsigned proto_port_twice(const unsigned *ports, unsigned n)
{
    for (unsigned i = 1; i < n; i++)
        for (unsigned j = 0; j < i; j++)
            if (ports[i] == ports[j])
                return ports[i];
    return 0;
}

/* ---- showing what a server sent: one rule for every client ----
 *
 * A server's bytes (an err text, a status line, a lease's NAMEs and command
 * line) never reach a terminal or a JSON parser raw: a hostile server could
 * send ESC ] 0 ; ... BEL or ESC [ 2 J, or break a JSON string open. */

/* The valid UTF-8 character at s (n > 0 bytes left): its length, 1 to 4,
 * with its code point in *cp; 0 when s[0] does not start one (RFC 3629: no
 * overlong form, no surrogate, nothing above U+10FFFF, no sequence cut by
 * the end). */
static inline size_t proto_utf8_char(const unsigned char *s, size_t n,
                                     unsigned long *cp)
{
    size_t len = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
                 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
                 : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    static const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (len == 0 || len > n)
        return 0;
    unsigned long v = len == 1 ? s[0] : s[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3fu);
    }
    if (v < least[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* A code point no text shown to a person may hold as it is: a control
 * character (C0, DEL, C1: a terminal acts on U+009B as on ESC [), a line
 * or paragraph separator (U+2028, U+2029: a second line in one), or a
 * bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069: text that reads in another order than it is). */
static inline bool proto_is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x061c ||
           cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

enum proto_escape_style {
    /* For a terminal: valid UTF-8 as it is, but a backslash as \\; \n,
     * \r, \t; any other proto_is_control character and any byte that is
     * not valid UTF-8 as \xHH, a byte at a time. */
    PROTO_ESCAPE_TEXT,
    /* The body of a JSON string (RFC 8259): valid UTF-8 as it is; " and \
     * escaped; \n, \r, \t; other proto_is_control characters as
     * \u00XX; each byte that is not valid UTF-8 as \ufffd, the
     * replacement character (the bytes of a command line are not text in
     * any known encoding; the text form shows which byte it was). */
    PROTO_ESCAPE_JSON,
};

/* How many of the len bytes of s to take when at most max may be taken:
 * max, backed up to the first byte of a UTF-8 character it would cut (at
 * most 3 bytes), so the part escapes as the whole text would and never
 * shows half a character as invalid bytes. */
static inline size_t proto_utf8_cut(const char *s, size_t len, size_t max)
{
    size_t part = len < max ? len : max;
    for (int back = 0; part < len && part > 0 && back < 3 &&
         ((unsigned char)s[part] & 0xc0) == 0x80; back++)
        part--;
    return part;
}

/* Room that proto_escape needs for len bytes, the NUL included. */
#define PROTO_ESCAPED_MAX(len) (6 * (len) + 1)

/* Write the len bytes of in (NULs included) into out (outlen > 0 bytes),
 * escaped as style says, and a NUL. What does not fit is left out, a whole
 * character or escape at a time. Returns the length written. The result
 * holds no byte below 0x20, no other proto_is_control character and no
 * invalid UTF-8. */
static inline size_t proto_escape(char *out, size_t outlen, const char *in,
                                  size_t len, enum proto_escape_style style)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned long cp = 0;
        size_t n = proto_utf8_char(s + i, len - i, &cp);
        bool control = n && proto_is_control(cp);
        char esc[16];
        size_t elen = 0;
        if (n && !control && cp != '\\' && (cp != '"' || style != PROTO_ESCAPE_JSON)) {
            for (elen = 0; elen < n; elen++)
                esc[elen] = (char)s[i + elen];
        } else if (n && (cp == '\\' || cp == '"' || cp == '\n' || cp == '\r' || cp == '\t')) {
            esc[elen++] = '\\';
            esc[elen++] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't' : (char)cp;
        } else if (style == PROTO_ESCAPE_JSON) {
            unsigned long u = n ? cp : 0xfffd;
            const char form[] = {'\\', 'u', hex[u >> 12 & 15], hex[u >> 8 & 15],
                                 hex[u >> 4 & 15], hex[u & 15]};
            for (elen = 0; elen < sizeof(form); elen++)
                esc[elen] = form[elen];
            n = n ? n : 1;
        } else {
            for (size_t b = 0, bytes = n ? n : 1; b < bytes; b++) {
                esc[elen++] = '\\';
                esc[elen++] = 'x';
                esc[elen++] = hex[s[i + b] >> 4];
                esc[elen++] = hex[s[i + b] & 15];
            }
            n = n ? n : 1;
        }
        if (outlen - o <= elen)
            break;
        for (size_t k = 0; k < elen; k++)
            out[o++] = esc[k];
        i += n;
    }
    out[o] = '\0';
    return o;
}

#endif
