/* SPDX-License-Identifier: Apache-2.0 */
/* proc_fields.h: numbers out of /proc's text (serve/proc_fields.c), each
 * read with lib/args.h's one number parser: a field that is not digits
 * alone ("-1", "", "12x"), or too large, is an error, never a number. */
#ifndef SERVE_PROC_FIELDS_H
#define SERVE_PROC_FIELDS_H

/* Field n (counted from 1, n >= 3) of a /proc/PID/stat line into *v.
 * Returns 0, or -1 when the line has no such field or it is not a number
 * (64 bits at most). */
int proc_stat_field(const char *stat, int n, unsigned long long *v);

/* The numbers on the line "KEY\tN\tN..." of a /proc/PID/status text (key
 * with its newline before and colon after: "\nUid:"), at most max of them
 * into v, each at most hi. Returns how many (0 when no line has key), or
 * -1 when one is not a number of 0..hi. */
int proc_status_numbers(const char *status, const char *key,
                        unsigned long long hi, unsigned long long *v, int max);

/* The number of a /proc file that holds one ("65534\n": digits, then a
 * newline or the end) into *v. Returns 0, or -1 when it is not one of
 * 0..hi. */
int proc_number(const char *text, unsigned long long hi, unsigned long long *v);

/* Is a /proc/PID/uid_map text the initial user namespace's, which maps
 * every uid to itself ("0 0 4294967295", one line)? 1 or 0. */
int proc_uid_map_is_whole(const char *map);

#endif
