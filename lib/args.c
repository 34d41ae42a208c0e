/* SPDX-License-Identifier: Apache-2.0 */
/* args.c: the one option parser every applet uses, and the number parsers.
 *
 * Spec: an applet passes a table of struct option_spec ending with a zero
 * entry. args_next() walks argv once:
 *   --name, --name=value, --name value    long options
 *   -x, -x value, -xvalue                 short options (one per word)
 *   --                                    everything after is positional
 *   -5, -1.5                              positional: looks like a number, so
 *                                         the applet can say what is wrong
 *                                         (unless a short option is "-5")
 *   anything else                         positional, in place
 * Every applet also has -h/--help (the usage text given to args_init, on
 * stdout, exit 0) and -V/--version, answered here and never seen by the
 * applet; its own table is searched first, so these stay out of its way.
 * Errors end the program with RC_USAGE and one line naming the applet. */
#include "portpicker.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void args_init(struct args *a, int argc, char **argv, const char *usage)
{
    memset(a, 0, sizeof(*a));
    a->argc = argc;
    a->argv = argv;
    a->next = 1;
    a->usage = usage;
}

/* The options of every applet; their ids never reach the applet. */
enum { BUILTIN_HELP = -2, BUILTIN_VERSION = -3 };

static const struct option_spec builtin_specs[] = {
    {"help", 'h', ARG_NONE, BUILTIN_HELP},
    {"version", 'V', ARG_NONE, BUILTIN_VERSION},
    {0, 0, 0, 0},
};

static _Noreturn void print_and_exit(const char *text)
{
    size_t len = strlen(text);
    if (write(STDOUT_FILENO, text, len) != (ssize_t)len)
        die_errno(RC_SYSTEM, "writing to stdout");
    exit(RC_OK);
}

static bool looks_negative_number(const char *word)
{
    return word[0] == '-' && (isdigit((unsigned char)word[1]) ||
                              (word[1] == '.' && isdigit((unsigned char)word[2])));
}

static const struct option_spec *find_long(const struct option_spec *specs,
                                           const char *name, size_t len)
{
    for (; specs->id; specs++)
        if (specs->long_name && strlen(specs->long_name) == len &&
            !strncmp(specs->long_name, name, len))
            return specs;
    return NULL;
}

static const struct option_spec *find_short(const struct option_spec *specs,
                                            char c)
{
    for (; specs->id; specs++)
        if (specs->short_name && specs->short_name == c)
            return specs;
    return NULL;
}

/* The applet's option of that name, else the builtin one, else NULL. */
static const struct option_spec *lookup_long(const struct option_spec *specs,
                                             const char *name, size_t len)
{
    const struct option_spec *spec = find_long(specs, name, len);
    return spec ? spec : find_long(builtin_specs, name, len);
}

static const struct option_spec *lookup_short(const struct option_spec *specs,
                                              char c)
{
    const struct option_spec *spec = find_short(specs, c);
    return spec ? spec : find_short(builtin_specs, c);
}

/* The option's id for the applet; help and version are answered here. */
static int deliver(const struct args *a, int id)
{
    if (id == BUILTIN_HELP)
        print_and_exit(a->usage);
    if (id == BUILTIN_VERSION)
        print_and_exit("portpicker " PORTPICKER_VERSION "\n");
    return id;
}

/* The value of an option: glued (inline) or the next word. */
static int take_value(struct args *a, const struct option_spec *spec,
                      const char *inline_value)
{
    if (spec->has_arg == ARG_NONE) {
        if (inline_value)
            die(RC_USAGE, "option '%s' takes no value (got '%s')", a->spelled,
                inline_value);
        a->value = NULL;
        return spec->id;
    }
    if (inline_value) {
        a->value = inline_value;
        return spec->id;
    }
    if (a->next >= a->argc)
        die(RC_USAGE, "option '%s' needs a value", a->spelled);
    a->value = a->argv[a->next++];
    return spec->id;
}

int args_next(struct args *a, const struct option_spec *specs)
{
    static char spelled[64];

    if (a->next >= a->argc)
        return ARGS_END;
    const char *word = a->argv[a->next++];
    bool is_short_flag = word[0] == '-' && word[1] && !word[2] &&
                         lookup_short(specs, word[1]);
    if (a->only_positional || word[0] != '-' || word[1] == '\0' ||
        (looks_negative_number(word) && !is_short_flag)) {
        a->value = word;
        return ARGS_POSITIONAL;
    }
    if (!strcmp(word, "--")) {
        a->only_positional = true;
        return args_next(a, specs);
    }
    if (word[1] == '-') {
        const char *name = word + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        snprintf(spelled, sizeof(spelled), "--%.*s", (int)len, name);
        a->spelled = spelled;
        const struct option_spec *spec = lookup_long(specs, name, len);
        if (!spec)
            die(RC_USAGE, "unknown option '%s' (see --help)", spelled);
        return deliver(a, take_value(a, spec, eq ? eq + 1 : NULL));
    }
    snprintf(spelled, sizeof(spelled), "-%c", word[1]);
    a->spelled = spelled;
    const struct option_spec *spec = lookup_short(specs, word[1]);
    if (!spec)
        die(RC_USAGE, "unknown option '%s' (see --help)", spelled);
    if (spec->has_arg == ARG_NONE && word[2])
        die(RC_USAGE, "unknown option '%s' (one flag per word; see --help)",
            word);
    return deliver(a, take_value(a, spec, word[2] ? word + 2 : NULL));
}

/* A newline in a bad value once broke a message's one line (found by
 * fuzz/ranges_fuzz.c): messages quote only this much of it. */
int quotable(const char *text, size_t len)
{
    size_t n = 0;
    while (n < len && n < 40 && text[n] >= 0x20 && text[n] < 0x7f)
        n++;
    return (int)n;
}

int parse_ulong_in(const char *text, unsigned long lo, unsigned long hi,
                   unsigned long *out, char *err, size_t errlen)
{
    const char *p = text;
    int q = quotable(text, strlen(text));
    const char *more = text[q] ? "..." : "";
    if (*p == '\0') {
        snprintf(err, errlen, "is empty");
        return -1;
    }
    if (*p == '-' && isdigit((unsigned char)p[1])) {
        snprintf(err, errlen, "'%.*s%s' is negative", q, text, more);
        return -1;
    }
    for (; *p; p++)
        if (!isdigit((unsigned char)*p)) {
            snprintf(err, errlen, "'%.*s%s' is not a whole number", q, text, more);
            return -1;
        }
    errno = 0;
    unsigned long value = strtoul(text, NULL, 10);
    if (errno == ERANGE || value < lo || value > hi) {
        snprintf(err, errlen, "'%.*s%s' is out of range %lu-%lu", q, text, more, lo, hi);
        return -1;
    }
    *out = value;
    return 0;
}

long parse_long(const char *what, const char *text, long lo, long hi)
{
    char err[160];
    unsigned long value;
    if (parse_ulong_in(text, (unsigned long)lo, (unsigned long)hi, &value, err,
                       sizeof(err)))
        die(RC_USAGE, "%s: %s", what, err);
    return (long)value;
}

unsigned parse_port(const char *what, const char *text)
{
    return (unsigned)parse_long(what, text, 1, PORT_MAX);
}

pid_t parse_pid(const char *what, const char *text)
{
    /* 2^22 is Linux's PID_MAX_LIMIT; other systems stay below INT_MAX. */
    return (pid_t)parse_long(what, text, 1, 2147483647L);
}

double parse_seconds(const char *what, const char *text, double max)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || isspace((unsigned char)*text) ||
        !isfinite(value) || errno == ERANGE)
        die(RC_USAGE, "%s: '%s' is not a number of seconds", what, text);
    if (value < 0 || value > max)
        die(RC_USAGE, "%s: '%s' is out of range 0-%g seconds", what, text, max);
    return value;
}
