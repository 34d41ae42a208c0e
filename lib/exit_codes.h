/* SPDX-License-Identifier: Apache-2.0 */
/* exit_codes.h: every exit code of every applet, defined once.
 *
 * Each row is X(NAME, CODE, MEANING). The RC_* enum is made from it, and so
 * is the list `portpicker --help` prints. The README's exit code table and
 * portpicker.1's EXIT STATUS repeat each MEANING word for word, and
 * tests/docs.bats fails when a code or a meaning differs, is missing or is
 * extra. To add a code, see HACKING.md, "Adding an option or an exit code".
 *
 * A MEANING is one line of plain text (no markup: it is printed as is), short
 * enough for an 80-column --help. */
#ifndef PORTPICKER_EXIT_CODES_H
#define PORTPICKER_EXIT_CODES_H

#define EXIT_CODES(X) \
    X(RC_OK, 0, "done; the port is free or listening; the server is up") \
    X(RC_NO, 1, "check: in use, not listening, or no server up") \
    X(RC_USAGE, 2, "usage error: a bad argument, named on stderr; nothing done") \
    X(RC_SYSTEM, 3, "system error: a system call failed (EACCES, EMFILE, ...)") \
    X(RC_EXHAUSTED, 4, "pick: no free port left in the range") \
    X(RC_ADDR_IN_USE, 5, "serve: a server answers at the address or holds the --state file") \
    X(RC_REFUSED, 6, "the port server refused (pool empty, unknown pid, quota)") \
    X(RC_UNREACHABLE, 7, "no port server: no address given, or none answers") \
    X(RC_TIMEOUT, 8, "the port server did not answer within --timeout") \
    X(RC_BAD_REPLY, 9, "the port server's reply is not in the protocol; nothing printed") \
    X(RC_NOT_HELD, 10, "release: a port is not leased, or not to you; none released") \
    X(RC_UNSUPPORTED, 11, "the port server is too old for the request") \
    X(RC_SERVER_FAILED, 12, "the port server failed (its state file, a system call); nothing done") \
    X(RC_CANNOT_EXEC, 126, "run: the command cannot be executed") \
    X(RC_NO_APPLET, 127, "no such applet; run: no such command")

#define EXIT_CODE_ENUM(name, code, meaning) name = code,
enum exit_code { EXIT_CODES(EXIT_CODE_ENUM) };
#undef EXIT_CODE_ENUM

#endif
