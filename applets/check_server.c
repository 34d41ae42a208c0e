/* SPDX-License-Identifier: Apache-2.0 */
/* check_server.c: check's questions to a port server, --server-up (is it
 * up?), --leases (who holds what?) and --metrics (how has it done?). */
#include "applets/applets.h"
#include "portpicker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replies to "v1 metrics": about 6 KB from our server. */
#define METRICS_REPLY_MAX (64u << 10)

/* Bytes escaped at a time by put_escaped. */
#define ESCAPE_CHUNK 1024

/* s[0..len) on stdout, as text for a terminal or as a JSON string's body
 * (proto_escape), a part at a time. */
static void put_escaped(const char *s, size_t len, enum proto_escape_style style)
{
    char buf[PROTO_ESCAPED_MAX(ESCAPE_CHUNK)];
    while (len > 0) {
        size_t part = proto_utf8_cut(s, len, ESCAPE_CHUNK);
        proto_escape(buf, sizeof(buf), s, part, style);
        fputs(buf, stdout);
        s += part;
        len -= part;
    }
}

static void put_json_string(const char *s, size_t len)
{
    putchar('"');
    put_escaped(s, len, PROTO_ESCAPE_JSON);
    putchar('"');
}

/* The status as one JSON object: the address, up, legacy, and for a v1
 * server its name, version and every key=value field (a number when the
 * value is one that JSON keeps exactly, else a string). */
static void print_json_status(const char *address, bool up, bool legacy,
                              const struct status_view *v, const char *err)
{
    fputs("{\"address\": ", stdout);
    put_json_string(address, strlen(address));
    printf(", \"up\": %s", up ? "true" : "false");
    if (!up) {
        fputs(", \"error\": ", stdout);
        put_json_string(err, strlen(err));
    } else {
        printf(", \"legacy\": %s", legacy ? "true" : "false");
    }
    if (up && !legacy) {
        fputs(", \"server\": ", stdout);
        put_json_string(v->server, strlen(v->server));
        fputs(", \"version\": ", stdout);
        put_json_string(v->version, strlen(v->version));
        fputs(", \"status\": {", stdout);
        for (size_t i = 0; i < v->nfields; i++) {
            const char *value = v->field[i].value;
            size_t digits = strspn(value, "0123456789");
            fputs(i ? ", " : "", stdout);
            put_json_string(v->field[i].key, strlen(v->field[i].key));
            fputs(": ", stdout);
            if (!value[digits] && digits <= 15 && (value[0] != '0' || digits == 1))
                fputs(value, stdout);
            else
                put_json_string(value, strlen(value));
        }
        putchar('}');
    }
    puts("}");
}

int server_up(const struct server_opts *server, bool quiet, bool json)
{
    char reply[1024], err[ASK_ERR_SIZE], why[160];
    struct status_view view;
    bool legacy;
    int rc = ask_query(server->address, VERB_STATUS, reply, sizeof(reply),
                       &legacy, server->timeout, err, sizeof(err));
    size_t len = rc == RC_OK && !legacy ? strcspn(reply, "\n") : 0;
    if (rc == RC_OK && !legacy && reply[len + 1]) {
        snprintf(err, sizeof(err), "the port server at %s sent a status reply "
                 "of more than one line: not in the protocol", server->address);
        rc = RC_BAD_REPLY;
    }
    /* "ok\n" passes ask_query's check, but a status has words after it:
     * the text below is the reply from its fourth byte on. */
    if (rc == RC_OK && !legacy && !json && len <= 3) {
        snprintf(err, sizeof(err), "the port server at %s sent a status reply "
                 "that is not in the protocol: no server name and version",
                 server->address);
        rc = RC_BAD_REPLY;
    }
    if (rc == RC_OK && !legacy && json) {
        reply[len] = '\0';
        if (!proto_check_status(reply, &view, why, sizeof(why))) {
            snprintf(err, sizeof(err), "the port server at %s sent a status "
                     "reply that is not in the protocol: %s", server->address, why);
            rc = RC_BAD_REPLY;
        }
    }
    /* Only "no server answers" (nothing listens, or nothing answered in
     * time) is the documented no, exit 1, said on stdout as the answer.
     * Anything else is no answer at all: a reply not in the protocol, an
     * err from a server that is up, a failed system call here, an address
     * no socket can have. It is said on stderr with its own exit code, and
     * nothing on stdout (JSON or text). */
    if (rc != RC_OK && rc != RC_UNREACHABLE && rc != RC_TIMEOUT)
        die(rc, "%s", err);
    if (rc != RC_OK) {
        if (!quiet && json)
            print_json_status(server->address, false, false, NULL, err);
        else if (!quiet)
            printf("%s\n", err);
        stdout_done("the answer");
        return RC_NO;
    }
    if (!quiet && json) {
        print_json_status(server->address, true, legacy, &view, "");
    } else if (!quiet && legacy) {
        printf("port server at %s is up: legacy server (answers pids only)\n",
               server->address);
    } else if (!quiet) {
        printf("port server at %s is up: ", server->address);
        put_escaped(reply + 3, len - 3, PROTO_ESCAPE_TEXT);
        putchar('\n');
    }
    stdout_done("the answer");
    return RC_OK;
}

static void print_json_lease(const struct lease_view *l, bool first)
{
    printf("%s\n  {\"port\": %u, \"pid\": %lu, \"uid\": %lu, \"age\": %lu, \"names\": [",
           first ? "" : ",", l->port, l->pid, l->uid, l->age);
    if (strcmp(l->names, "-")) {
        for (const char *n = l->names; *n;) {
            size_t len = strcspn(n, ",");
            if (n != l->names)
                fputs(", ", stdout);
            put_json_string(n, len);
            n += len + (n[len] == ',');
        }
    }
    fputs("], \"cmd\": ", stdout);
    put_json_string(l->cmd, l->cmdlen);
    putchar('}');
}

static void print_text_lease(const struct lease_view *l)
{
    char names[PROTO_ESCAPED_MAX(PROTO_MAX_NAMES * (PROTO_NAME_MAX + 1))];
    proto_escape(names, sizeof(names), l->names, strlen(l->names), PROTO_ESCAPE_TEXT);
    printf("%-6u %-8lu %-6lu %-6lu %-16s ", l->port, l->pid, l->uid, l->age, names);
    put_escaped(l->cmd, l->cmdlen, PROTO_ESCAPE_TEXT);
    putchar('\n');
}

/* Every lease line of reply (len bytes) checked before any is printed;
 * dies with RC_BAD_REPLY naming what was wrong. The views, one per line. */
static struct lease_view *checked_leases(char *reply, size_t len, size_t *n,
                                         const char *address)
{
    size_t lines = 1;
    for (const char *p = reply; (p = memchr(p, '\n', len - (size_t)(p - reply))); p++)
        lines++;
    /* A lease line a port at most, with the "ok N" line and the empty one
     * that ends the listing: more is no listing, and a view a line would
     * let a reply of newlines ask for 56 times its size. */
    if (lines > PROTO_LEASES_MAX + 3)
        die(RC_BAD_REPLY, "the port server at %s sent a leases reply that is "
            "not in the protocol: %zu lines, more than there are ports; "
            "nothing printed", address, lines - 1);
    struct lease_view *views = calloc(lines, sizeof(*views));
    if (!views)
        die_errno(RC_SYSTEM, "malloc");
    char why[256];
    if (proto_check_leases(reply, len, views, lines, n, why, sizeof(why)) !=
        LEASES_WHOLE)
        die(RC_BAD_REPLY, "the port server at %s sent a leases reply that is "
            "not in the protocol: %s; nothing printed", address, why);
    return views;
}

/* Ask the server for a v1 query's reply (VERB_LEASES, VERB_METRICS) of at
 * most max bytes: malloc'd, NUL-terminated (ask_query let no NUL byte in),
 * its length in *len. Dies with the failure's RC_* and its line, or
 * RC_UNSUPPORTED when the server is a legacy one. */
static char *ask_v1(const struct server_opts *server, enum proto_verb verb,
                    size_t max, size_t *len)
{
    char err[ASK_ERR_SIZE];
    bool legacy;
    char *reply = malloc(max);
    if (!reply)
        die_errno(RC_SYSTEM, "malloc");
    int rc = ask_query(server->address, verb, reply, max, &legacy,
                       server->timeout, err, sizeof(err));
    if (rc == RC_OK && legacy)
        rc = RC_UNSUPPORTED;
    if (rc != RC_OK) {
        free(reply);
        die(rc, "%s", err);
    }
    *len = strlen(reply);
    return reply;
}

int print_leases(const struct server_opts *server, bool json)
{
    size_t len;
    /* Any listing the protocol allows, and its NUL: about 70 MiB at most,
     * but malloc maps it untouched, and only what arrives is paged in. */
    char *reply = ask_v1(server, VERB_LEASES, PROTO_LEASES_REPLY_MAX + 1, &len);
    size_t n;
    struct lease_view *views = checked_leases(reply, len, &n, server->address);
    if (json)
        fputs("[", stdout);
    else
        printf("%-6s %-8s %-6s %-6s %-16s %s\n", "PORT", "PID", "UID", "AGE", "NAMES", "COMMAND");
    for (size_t i = 0; i < n; i++) {
        if (json)
            print_json_lease(&views[i], i == 0);
        else
            print_text_lease(&views[i]);
    }
    if (json)
        fputs(n ? "\n]\n" : "]\n", stdout);
    free(views);
    free(reply);
    stdout_done("the answer");
    return RC_OK;
}

int print_metrics(const struct server_opts *server)
{
    char why[160];
    const char *text;
    size_t len;
    char *reply = ask_v1(server, VERB_METRICS, METRICS_REPLY_MAX, &len);
    if (!proto_check_metrics(reply, len, &text, why, sizeof(why))) {
        free(reply);
        die(RC_BAD_REPLY, "the port server at %s sent a metrics reply that is "
            "not in the protocol: %s; nothing printed", server->address, why);
    }
    /* Printed byte for byte: OpenMetrics text has escapes of its own (\\,
     * \" and \n in a label value, \\ in HELP), which proto_escape would
     * double. Safe for a terminal because proto_check_metrics took only
     * lines of printable ASCII, no control byte among them. */
    fputs(text, stdout);
    free(reply);
    stdout_done("the answer");
    return RC_OK;
}
