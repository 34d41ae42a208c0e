/* SPDX-License-Identifier: Apache-2.0 */
/* unit_sandbox.c: run a command under a systemd unit's
 * RestrictAddressFamilies=, where systemd is not PID 1 to apply it.
 *
 *   unit_sandbox UNIT_FILE COMMAND [ARG...]
 *
 * Reads every RestrictAddressFamilies= line of UNIT_FILE as systemd does
 * (systemd.exec(5): lines add up; a list starting with ~ is a deny list; an
 * empty value resets; "none" allows no family), then installs the same kind
 * of filter systemd installs: seccomp-BPF on socket(2)'s first argument, a
 * family outside the list failing with EAFNOSUPPORT. Then it sets
 * no_new_privs (the unit's NoNewPrivileges=yes, and what an unprivileged
 * seccomp filter needs) and execs COMMAND. tests/unit_sandbox.bats runs
 * serve under it, so the test follows whatever the unit file says.
 *
 * Only socket(2) is filtered, as systemd does on x86-64 and arm64: they have
 * no socketcall(2), and socketpair(2) makes nothing but AF_UNIX. Exit 2 for
 * a unit line it cannot read (an unknown family, named on stderr), 3 when
 * the filter cannot be installed, 127 when COMMAND cannot be run. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "unit_sandbox: only x86-64 and arm64 (no socketcall) are written here"
#endif

#define MAX_FAMILIES 64

static const struct { const char *name; int family; } names[] = {
    {"AF_UNIX", AF_UNIX},       {"AF_LOCAL", AF_UNIX},
    {"AF_INET", AF_INET},       {"AF_INET6", AF_INET6},
    {"AF_NETLINK", AF_NETLINK}, {"AF_PACKET", AF_PACKET},
    {"AF_BLUETOOTH", AF_BLUETOOTH}, {"AF_VSOCK", AF_VSOCK},
    {"AF_ALG", AF_ALG},         {"AF_XDP", AF_XDP},
};

struct policy {
    int deny;           /* the list names what is refused */
    int set;            /* a non-empty assignment was read */
    int n;
    int families[MAX_FAMILIES];
};

static _Noreturn void die(int code, const char *what, const char *detail)
{
    fprintf(stderr, "unit_sandbox: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    exit(code);
}

static int family_of(const char *name)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i].name, name))
            return names[i].family;
    die(2, "unknown address family in RestrictAddressFamilies=", name);
}

/* One RestrictAddressFamilies= value into p, as systemd merges them. */
static void add_value(struct policy *p, char *value)
{
    if (!*value) {
        memset(p, 0, sizeof *p);
        return;
    }
    int deny = *value == '~';
    if (deny)
        value++;
    if (p->set && deny != p->deny)
        die(2, "RestrictAddressFamilies= mixes allow and deny lists", NULL);
    p->set = 1;
    p->deny = deny;
    for (char *save, *w = strtok_r(value, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        if (!strcmp(w, "none"))
            continue;
        if (p->n == MAX_FAMILIES)
            die(2, "too many families in RestrictAddressFamilies=", NULL);
        p->families[p->n++] = family_of(w);
    }
}

static void read_unit(const char *path, struct policy *p)
{
    static const char key[] = "RestrictAddressFamilies=";
    FILE *f = fopen(path, "r");
    if (!f)
        die(2, path, strerror(errno));
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, key, sizeof key - 1))
            add_value(p, line + sizeof key - 1);
    }
    if (ferror(f))
        die(2, path, strerror(errno));
    fclose(f);
    if (!p->set)
        die(2, path, "no RestrictAddressFamilies= line");
}

/* The filter: any other architecture is killed, any call but socket(2)
 * allowed, and socket(2) judged by its family (the low 32 bits of its first
 * argument, on these little-endian machines). */
static void install_filter(const struct policy *p)
{
    struct sock_filter prog[8 + 2 * MAX_FAMILIES];
    unsigned n = 0;
    unsigned on_match = p->deny ? SECCOMP_RET_ERRNO | EAFNOSUPPORT : SECCOMP_RET_ALLOW;
    unsigned otherwise = p->deny ? SECCOMP_RET_ALLOW : SECCOMP_RET_ERRNO | EAFNOSUPPORT;

    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                             offsetof(struct seccomp_data, arch));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                             offsetof(struct seccomp_data, nr));
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                             offsetof(struct seccomp_data, args[0]));
    for (int i = 0; i < p->n; i++) {
        prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                                 (unsigned)p->families[i], 0, 1);
        prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, on_match);
    }
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, otherwise);

    struct sock_fprog fprog = {.len = (unsigned short)n, .filter = prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        die(3, "prctl(PR_SET_NO_NEW_PRIVS)", strerror(errno));
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
        die(3, "seccomp", strerror(errno));
}

int main(int argc, char **argv)
{
    if (argc < 3)
        die(2, "usage: unit_sandbox UNIT_FILE COMMAND [ARG...]", NULL);
    struct policy p = {0};
    read_unit(argv[1], &p);
    install_filter(&p);
    execvp(argv[2], argv + 2);
    die(127, argv[2], strerror(errno));
}
