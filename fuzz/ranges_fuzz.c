/* SPDX-License-Identifier: Apache-2.0 */
/* ranges_fuzz.c: libFuzzer target for the port range parser
 * (lib/ranges.c's portset_parse, on top of lib/args.c's parse_ulong_in),
 * which reads --pool, --range and --exclude: it returns, never dies, so a
 * bad value is the applet's to report.
 *
 * Each input is one spec (cut at its first NUL). Checked, with abort() and
 * a line saying which promise broke:
 *   - a refused spec comes with a one-line message;
 *   - an accepted spec, written by portset_format and parsed again, gives
 *     the same set (the text --pool and status print is one we accept);
 *   - parse_ulong_in on the spec agrees with strtoul in range 0-65535.
 *
 *   make fuzz                  every target, FUZZ_SECONDS each */
#include "portpicker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond) ((cond) ? (void)0 : broken(#cond, __LINE__))

static void broken(const char *what, int line)
{
    fprintf(stderr, "ranges_fuzz.c:%d: invariant broken: %s\n", line, what);
    abort();
}

/* Every port as "P," is 6 bytes at most: room for any set, untruncated. */
static char text[6 * (PORT_MAX + 1) + 1];
static char spec[4097];

static void check_number(const char *s)
{
    char err[160] = "";
    unsigned long v = 0;
    if (parse_ulong_in(s, 10, 0, 65535, &v, err, sizeof(err)) == 0) {
        char *end;
        CHECK(strtoul(s, &end, 10) == v && v <= 65535);
    } else {
        CHECK(err[0] && !strchr(err, '\n'));
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static struct portset a, b;
    char err[160] = "";
    size_t n = size < sizeof(spec) - 1 ? size : sizeof(spec) - 1;
    memcpy(spec, data, n);
    spec[n] = '\0';
    check_number(spec);
    portset_clear(&a);
    if (portset_parse(&a, spec, err, sizeof(err)) < 0) {
        CHECK(err[0] && !strchr(err, '\n'));
        return 0;
    }
    portset_format(&a, text, sizeof(text));
    CHECK(!strstr(text, "..."));
    portset_clear(&b);
    if (portset_count(&a)) {
        CHECK(portset_parse(&b, text, err, sizeof(err)) == 0);
    }
    CHECK(!memcmp(&a, &b, sizeof(a)));
    return 0;
}
