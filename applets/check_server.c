/* check_server.c: check's questions to a port server, --server (is it up?)
 * and --leases (who holds what?). */
#include "applets/applets.h"
#include "portpicker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replies to "v1 leases" can be large: 50,000 leases of ~200 bytes. */
#define LEASES_REPLY_MAX (16u << 20)

int server_up(const struct server_opts *server, bool quiet)
{
    char reply[1024], err[512];
    bool legacy;
    int rc = ask_query(server->address, VERB_STATUS, reply, sizeof(reply),
                       &legacy, server->timeout, err, sizeof(err));
    if (rc != RC_OK) {
        if (!quiet)
            printf("%s\n", err);
        return RC_NO;
    }
    if (!quiet && legacy)
        printf("port server at %s is up: legacy server (answers pids only)\n",
               server->address);
    else if (!quiet)
        printf("port server at %s is up: %.*s\n", server->address,
               (int)strcspn(reply + 3, "\n"), reply + 3);
    return fflush(stdout) == 0 ? RC_OK : RC_SYSTEM;
}

/* The server's escaped command line (\xHH, \\) as a JSON string body. */
static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
            printf("\\u00%c%c", s[2], s[3]);
            s += 3;
        } else if (s[0] == '\\' && s[1] == '\\') {
            fputs("\\\\", stdout);
            s++;
        } else if (*s == '"') {
            fputs("\\\"", stdout);
        } else {
            putchar(*s);
        }
    }
    putchar('"');
}

static void print_json_lease(const struct lease_fields *l, bool first)
{
    printf("%s\n  {\"port\": %s, \"pid\": %s, \"uid\": %s, \"age\": %s, \"names\": [",
           first ? "" : ",", l->port, l->pid, l->uid, l->age);
    if (strcmp(l->names, "-")) {
        for (const char *n = l->names; *n;) {
            size_t len = strcspn(n, ",");
            printf("%s\"%.*s\"", n == l->names ? "" : ", ", (int)len, n);
            n += len + (n[len] == ',');
        }
    }
    fputs("], \"cmd\": ", stdout);
    print_json_string(l->cmd);
    putchar('}');
}

int print_leases(const struct server_opts *server, bool json)
{
    char err[512];
    bool legacy;
    char *reply = malloc(LEASES_REPLY_MAX);
    if (!reply)
        die_errno(RC_SYSTEM, "malloc");
    int rc = ask_query(server->address, VERB_LEASES, reply, LEASES_REPLY_MAX,
                       &legacy, server->timeout, err, sizeof(err));
    if (rc == RC_OK && legacy)
        rc = RC_UNSUPPORTED;
    if (rc != RC_OK) {
        free(reply);
        die(rc, "%s", err);
    }
    char *save, *line = strtok_r(reply, "\n", &save);  /* "ok COUNT" */
    if (json)
        fputs("[", stdout);
    else
        printf("%-6s %-8s %-6s %-6s %-16s %s\n", "PORT", "PID", "UID", "AGE", "NAMES", "COMMAND");
    bool first = true;
    while ((line = strtok_r(NULL, "\n", &save))) {
        struct lease_fields l;
        if (!proto_parse_lease(line, &l)) {
            free(reply);
            die(RC_BAD_REPLY, "the port server at %s sent a lease line that is "
                "not in the protocol", server->address);
        }
        if (json)
            print_json_lease(&l, first);
        else
            printf("%-6s %-8s %-6s %-6s %-16s %s\n", l.port, l.pid, l.uid, l.age, l.names, l.cmd);
        first = false;
    }
    if (json)
        fputs(first ? "]\n" : "\n]\n", stdout);
    free(reply);
    return fflush(stdout) == 0 ? RC_OK : RC_SYSTEM;
}
