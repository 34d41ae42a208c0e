/* SPDX-License-Identifier: Apache-2.0 */
/* kernel_ports_windows.c: the ports Windows keeps for itself, as netsh
 * reports them: the dynamic ranges of TCP and UDP (`netsh int ipv4 show
 * dynamicport tcp`, 49152-65535 by default since Vista, KB929851) and the
 * excluded port ranges (`netsh int ipv4 show excludedportrange
 * protocol=tcp`: Hyper-V's and WinNAT's reservations, microsoft/WSL#5514,
 * and an administrator's). (Linux: kernel_ports_linux.c.)
 *
 * Why netsh: no documented API lists the excluded ranges (iphlpapi's
 * LookupPersistentTcpPortReservation finds only a reservation one already
 * knows, and only the persistent ones), and the dynamic range's (WMI's
 * MSFT_NetTCPSetting) would bring COM into a libc-only program to save one
 * of the four netsh runs. WMI's model has one dynamic range per protocol,
 * not per IP version, so IPv4's is asked for.
 *
 * netsh's words are localised, its layout is not: a line of dashes, then
 * for the dynamic range two lines each ending in a number (start, count),
 * and for the exclusions rows of two numbers (an administered one marked
 * "*"), up to a blank line. Anything else is output not understood, never
 * an empty list. The four questions are asked once, together, by
 * whichever of this file's two functions is called first. */
#include "portpicker.h"
#include "lib/netsh.h"

#include <stdio.h>
#include <string.h>

const bool have_proc_ports = false;

enum { DYN_TCP, DYN_UDP, EXCL_TCP, EXCL_UDP, QUERIES };

static const char *const questions[QUERIES] = {
    [DYN_TCP] = "int ipv4 show dynamicport tcp",
    [DYN_UDP] = "int ipv4 show dynamicport udp",
    [EXCL_TCP] = "int ipv4 show excludedportrange protocol=tcp",
    [EXCL_UDP] = "int ipv4 show excludedportrange protocol=udp",
};
/* Their answers: 128 KiB, zeroed at start rather than stored in the .exe. */
static struct netsh_query queries[QUERIES];

/* What they told: TCP's dynamic range, and what else is left out (UDP's
 * dynamic range and both protocols' exclusions); warning, when not "",
 * says what could not be read. */
static bool asked, tcp_read;
static unsigned tcp_lo = IANA_EPHEMERAL_LO, tcp_hi = IANA_EPHEMERAL_HI;
static struct port_ranges kept;
static char warning[300];

/* The next line of *text (its \r\n or \n cut off) in line; false at the
 * end. */
static bool next_line(char **text, char **line)
{
    if (!**text)
        return false;
    *line = *text;
    char *end = *text + strcspn(*text, "\n");
    *text = *end ? end + 1 : end;
    *end = '\0';
    if (end > *line && end[-1] == '\r')
        end[-1] = '\0';
    return true;
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* A number from min to 65535 at *s into *value, *s moved past it. */
static bool number(const char **s, unsigned long min, unsigned long *value)
{
    const char *p = *s;
    unsigned long v = 0;
    while (*p >= '0' && *p <= '9' && v <= PORT_MAX)
        v = v * 10 + (unsigned long)(*p++ - '0');
    if (p == *s || (*p >= '0' && *p <= '9') || v < min || v > PORT_MAX)
        return false;
    *s = p;
    *value = v;
    return true;
}

/* Is line dashes alone, in count runs separated by spaces? */
static bool dashes(const char *line, int count)
{
    int runs = 0;
    for (const char *s = skip_space(line); *s; s = skip_space(s)) {
        if (*s != '-')
            return false;
        s += strspn(s, "-");
        runs++;
    }
    return runs == count;
}

/* Find the line after the table's dashes. */
static bool after_dashes(char **text, int count)
{
    char *line;
    while (next_line(text, &line))
        if (dashes(line, count))
            return true;
    return false;
}

/* The number a line ends with, after a label ("Start Port      : 49152",
 * "Puerto de inicio : 49152"). */
static bool labelled_number(char *line, unsigned long min, unsigned long *value)
{
    size_t end = strlen(line);
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t'))
        end--;
    size_t start = end;
    while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9')
        start--;
    line[end] = '\0';
    const char *s = line + start;
    return skip_space(line) != s && number(&s, min, value);
}

/* `show dynamicport`'s range into *lo and *hi. */
static bool parse_dynamic(char *text, unsigned *lo, unsigned *hi)
{
    char *line;
    unsigned long start, count;
    if (!after_dashes(&text, 1))
        return false;
    do
        if (!next_line(&text, &line))
            return false;
    while (!*skip_space(line));
    if (!labelled_number(line, 1, &start) || !next_line(&text, &line) ||
        !labelled_number(line, 1, &count) || start + count - 1 > PORT_MAX)
        return false;
    *lo = (unsigned)start;
    *hi = (unsigned)(start + count - 1);
    return true;
}

/* `show excludedportrange`'s rows into r. */
static bool parse_excluded(char *text, struct port_ranges *r)
{
    char *line;
    if (!after_dashes(&text, 2))
        return false;
    while (next_line(&text, &line)) {
        const char *s = skip_space(line);
        unsigned long lo, hi;
        if (!*s || *s == '*')
            return true;
        if (!number(&s, 1, &lo) || (*s != ' ' && *s != '\t'))
            return false;
        s = skip_space(s);
        if (!number(&s, lo, &hi))
            return false;
        s = skip_space(s);
        if (*s == '*')
            s = skip_space(s + 1);
        if (*s)
            return false;
        ranges_add(r, (unsigned)lo, (unsigned)hi);
    }
    return true;
}

/* Why q told nothing: its own failure, or output not understood. */
static const char *why(const struct netsh_query *q)
{
    return q->why[0] ? q->why : "output not understood";
}

/* The warning for the first question not answered: which, why, and what
 * is done without its answer. */
static void warn_unread(const struct netsh_query *failed, bool dyn,
                        bool excluded)
{
    char dyn_text[80] = "";
    if (!dyn)
        snprintf(dyn_text, sizeof(dyn_text), "Windows' default dynamic range "
                 "%u-%u is left out instead%s", IANA_EPHEMERAL_LO,
                 IANA_EPHEMERAL_HI, excluded ? "" : ", and ");
    snprintf(warning, sizeof(warning), "netsh %s: %s; %s%s", failed->args,
             why(failed), dyn_text, excluded ? "" : "the excluded port ranges "
             "are not known (a port in one cannot be bound)");
}

/* Ask netsh, and keep its answers: TCP's dynamic range in tcp_lo and
 * tcp_hi, the rest in kept, warning set when any could not be read. */
static void ask(void)
{
    unsigned udp_lo = IANA_EPHEMERAL_LO, udp_hi = IANA_EPHEMERAL_HI;
    for (int i = 0; i < QUERIES; i++)
        queries[i].args = questions[i];
    netsh_ask(queries, QUERIES);
    tcp_read = !queries[DYN_TCP].why[0] &&
               parse_dynamic(queries[DYN_TCP].text, &tcp_lo, &tcp_hi);
    bool udp = !queries[DYN_UDP].why[0] &&
               parse_dynamic(queries[DYN_UDP].text, &udp_lo, &udp_hi);
    ranges_add(&kept, udp_lo, udp_hi);
    /* What a table held before a row not understood is still left out. */
    bool excl_tcp = !queries[EXCL_TCP].why[0] &&
                    parse_excluded(queries[EXCL_TCP].text, &kept);
    bool excl_udp = !queries[EXCL_UDP].why[0] &&
                    parse_excluded(queries[EXCL_UDP].text, &kept);
    const struct netsh_query *failed =
        !tcp_read ? &queries[DYN_TCP] : !udp ? &queries[DYN_UDP]
        : !excl_tcp ? &queries[EXCL_TCP] : !excl_udp ? &queries[EXCL_UDP]
        : NULL;
    if (failed)
        warn_unread(failed, tcp_read && udp, excl_tcp && excl_udp);
}

static void ask_once(void)
{
    if (!asked)
        ask();
    asked = true;
}

int ephemeral_range(unsigned *lo, unsigned *hi, const char **guess)
{
    ask_once();
    *lo = tcp_lo;
    *hi = tcp_hi;
    *guess = warning[0] ? warning : NULL;
    return tcp_read ? 0 : -1;
}

/* Read as a file is: the text cut at len - 1 bytes, so that a caller
 * whose buffer is full asks again with a larger one. */
ssize_t reserved_ports_read(char *buf, size_t len)
{
    size_t used = 0;
    ask_once();
    for (size_t i = 0; i < kept.n && used < len - 1; i++) {
        char part[16];
        int n = snprintf(part, sizeof(part), "%s%u-%u", i ? "," : "",
                         kept.iv[i].lo, kept.iv[i].hi);
        size_t take = (size_t)n < len - 1 - used ? (size_t)n : len - 1 - used;
        memcpy(buf + used, part, take);
        used += take;
    }
    buf[used] = '\0';
    return (ssize_t)used;
}
