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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void args_init(struct args *a, int argc, char **argv, const char *usage,
               const int *exits)
{
    memset(a, 0, sizeof(*a));
    a->argc = argc;
    a->argv = argv;
    a->next = 1;
    a->usage = usage;
    a->exits = exits;
}

#define EXIT_CODE_ROW(name, code, meaning) {code, meaning},
static const struct {
    int code;
    const char *meaning;
} exit_rows[] = {EXIT_CODES(EXIT_CODE_ROW)};
#undef EXIT_CODE_ROW

size_t exit_codes_format(char *buf, size_t size, const int *codes)
{
    size_t len = 0;
    buf[0] = '\0';
    /* in the table's order, whatever the order of codes */
    for (size_t i = 0; i < sizeof(exit_rows) / sizeof(exit_rows[0]); i++)
        for (const int *c = codes; *c >= 0 && len < size - 1; c++) {
            if (*c != exit_rows[i].code)
                continue;
            int n = snprintf(buf + len, size - len, "  %3d  %s\n",
                             exit_rows[i].code, exit_rows[i].meaning);
            len = n < 0 ? len : len + (size_t)n < size ? len + (size_t)n : size - 1;
        }
    return len;
}

/* The options of every applet; their ids never reach the applet. */
enum { BUILTIN_HELP = -2, BUILTIN_VERSION = -3 };

static const struct option_spec builtin_specs[] = {
    {"help", 'h', ARG_NONE, BUILTIN_HELP},
    {"version", 'V', ARG_NONE, BUILTIN_VERSION},
    {0, 0, 0, 0},
};

static void print(const char *text, size_t len)
{
    if (write_all(STDOUT_FILENO, text, len) < 0)
        die_errno(RC_SYSTEM, "writing to stdout");
}

/* --help: the usage text, then its exit codes. */
static _Noreturn void print_help(const struct args *a)
{
    char codes[2048];
    print(a->usage, strlen(a->usage));
    if (a->exits)
        print(codes, exit_codes_format(codes, sizeof(codes), a->exits));
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
    static const char version[] = "portpicker " PORTPICKER_VERSION "\n";
    if (id == BUILTIN_HELP)
        print_help(a);
    if (id == BUILTIN_VERSION) {
        print(version, sizeof(version) - 1);
        exit(RC_OK);
    }
    return id;
}

/* The value of an option: glued (inline) or the next word. */
static int take_value(struct args *a, const struct option_spec *spec,
                      const char *inline_value)
{
    if (spec->has_arg == ARG_NONE) {
        if (inline_value)
            die(RC_USAGE, "option '%s' takes no value (got %s)", a->spelled,
                QUOTED(inline_value));
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
    /* "-4x" starts with a flag (-4): a flag misspelled, not a negative
     * number, so it is read as an option and refused as one. */
    bool is_short_flag = word[0] == '-' && word[1] &&
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
            die(RC_USAGE, "unknown option %s (see --help)", QUOTED(spelled));
        return deliver(a, take_value(a, spec, eq ? eq + 1 : NULL));
    }
    snprintf(spelled, sizeof(spelled), "-%c", word[1]);
    a->spelled = spelled;
    const struct option_spec *spec = lookup_short(specs, word[1]);
    if (!spec)
        die(RC_USAGE, "unknown option %s (see --help)", QUOTED(spelled));
    if (spec->has_arg == ARG_NONE && word[2])
        die(RC_USAGE, "unknown option %s (one flag per word; see --help)",
            QUOTED(word));
    return deliver(a, take_value(a, spec, word[2] ? word + 2 : NULL));
}

/* A digit of base (8 or 10)? */
static bool is_digit_in(char c, int base)
{
    return c >= '0' && c < '0' + base;
}

int parse_ullong_in(const char *text, int base, unsigned long long lo,
                    unsigned long long hi, unsigned long long *out, char *err,
                    size_t errlen)
{
    const char *p = text, *kind = base == 8 ? "an octal" : "a whole";
    if (*p == '\0') {
        snprintf(err, errlen, "is empty");
        return -1;
    }
    if (*p == '-' && is_digit_in(p[1], base)) {
        snprintf(err, errlen, "%s is negative", QUOTED(text));
        return -1;
    }
    /* Digits only: strtoull would also take blanks, a sign and 0x. */
    for (; *p; p++)
        if (!is_digit_in(*p, base)) {
            snprintf(err, errlen, "%s is not %s number", QUOTED(text), kind);
            return -1;
        }
    errno = 0;
    unsigned long long value = strtoull(text, NULL, base);
    if (errno == ERANGE || value < lo || value > hi) {
        snprintf(err, errlen, base == 8 ? "%s is out of range %llo-%llo"
                 : "%s is out of range %llu-%llu", QUOTED(text), lo, hi);
        return -1;
    }
    *out = value;
    return 0;
}

int parse_ulong_in(const char *text, int base, unsigned long lo,
                   unsigned long hi, unsigned long *out, char *err,
                   size_t errlen)
{
    unsigned long long value;
    if (parse_ullong_in(text, base, lo, hi, &value, err, errlen))
        return -1;
    *out = (unsigned long)value;
    return 0;
}

unsigned long parse_arg(const char *what, const char *text, int base,
                        unsigned long lo, unsigned long hi)
{
    char err[QUOTE_SIZE + 64];
    unsigned long value;
    if (parse_ulong_in(text, base, lo, hi, &value, err, sizeof(err)))
        die(RC_USAGE, "%s: %s", what, err);
    return value;
}

unsigned parse_port(const char *what, const char *text)
{
    return (unsigned)parse_arg(what, text, 10, 1, PORT_MAX);
}

pid_t parse_pid(const char *what, const char *text)
{
    /* 2^22 is Linux's PID_MAX_LIMIT; other systems stay below INT_MAX. */
    return (pid_t)parse_arg(what, text, 10, 1, PROTO_PID_MAX);
}

void add_name(char **names, unsigned *count, unsigned max, const char *word)
{
    if (!proto_is_name(word))
        die(RC_USAGE, "NAME: %s is not a name (" PROTO_NAME_RULE ")",
            QUOTED(word));
    for (unsigned i = 0; i < *count; i++)
        if (!strcmp(names[i], word))
            die(RC_USAGE, "NAME: %s is given twice", QUOTED(word));
    if (*count == max)
        die(RC_USAGE, "too many NAMEs: %u at most", max);
    names[(*count)++] = (char *)word;
}

double parse_seconds(const char *what, const char *text, double min, double max)
{
    /* strtod alone takes " 1", "+1", "1e-300", "0x2" and "inf" too. A
     * minus is read, to be refused as out of range. */
    const char *num = text + (text[0] == '-');
    size_t digits = strspn(num, "0123456789");
    if (num[digits] == '.')
        digits += 1 + strspn(num + digits + 1, "0123456789");
    if (!digits || num[digits] != '\0' || !strcmp(num, "."))
        die(RC_USAGE, "%s: %s is not a number of seconds", what, QUOTED(text));
    double value = strtod(text, NULL);
    if (value < min || value > max)
        die(RC_USAGE, "%s: %s is out of range %g-%g seconds", what,
            QUOTED(text), min, max);
    return value;
}
