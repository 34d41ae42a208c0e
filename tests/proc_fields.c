/* SPDX-License-Identifier: Apache-2.0 */
/* proc_fields.c: serve/proc_fields.c alone, fed /proc text no kernel
 * writes. tests/proc_fields.bats reads what it prints:
 *   proc_fields stat N TEXT         field N of the stat line TEXT
 *   proc_fields status KEY HI TEXT  the numbers of KEY's line, each <= HI
 *   proc_fields uid_map TEXT        1 if TEXT maps every uid, else 0
 *   proc_fields number HI TEXT      the one number of TEXT, <= HI
 * Each prints the numbers read, a space between, or "error"; exit 0, or 2
 * on a usage error. */
#include "serve/proc_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NUMBERS 8

int main(int argc, char **argv)
{
    unsigned long long v[MAX_NUMBERS];
    int n;
    if (argc == 4 && !strcmp(argv[1], "stat")) {
        n = proc_stat_field(argv[3], atoi(argv[2]), v) < 0 ? -1 : 1;
    } else if (argc == 5 && !strcmp(argv[1], "status")) {
        n = proc_status_numbers(argv[4], argv[2], strtoull(argv[3], NULL, 10),
                                v, MAX_NUMBERS);
    } else if (argc == 4 && !strcmp(argv[1], "number")) {
        n = proc_number(argv[3], strtoull(argv[2], NULL, 10), v) < 0 ? -1 : 1;
    } else if (argc == 3 && !strcmp(argv[1], "uid_map")) {
        v[0] = (unsigned long long)proc_uid_map_is_whole(argv[2]);
        n = 1;
    } else {
        fputs("usage: proc_fields stat N TEXT | status KEY HI TEXT | "
              "uid_map TEXT | number HI TEXT\n", stderr);
        return 2;
    }
    if (n < 0)
        puts("error");
    for (int i = 0; i < n; i++)
        printf("%s%llu", i ? " " : "", v[i]);
    if (n >= 0)
        putchar('\n');
    return 0;
}
