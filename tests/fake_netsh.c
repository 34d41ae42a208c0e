/* SPDX-License-Identifier: Apache-2.0 */
/* fake_netsh.c: a stand-in for Windows' netsh.exe in tests/windows.bats,
 * built with mingw-w64 (make build/fake_netsh.exe). The test puts it in
 * the Wine prefix's system32, where portpicker.exe runs netsh from (Wine's
 * own netsh prints nothing for these questions).
 *
 * usage: netsh.exe int ipv4 show dynamicport tcp|udp
 *        netsh.exe int ipv4 show excludedportrange protocol=tcp|udp
 *
 * The environment's FAKE_NETSH says how to answer:
 *   default  Windows' defaults, in the layout a real netsh prints (English,
 *            CRLF): 49152-65535 dynamic, and exclusions from a GitHub
 *            runner (open-telemetry/opentelemetry-collector-contrib#10872)
 *   custom   moved dynamic ranges and exclusions inside pick's default
 *            range, under localised headers in their code pages (French
 *            CP850, Spanish CP850, Chinese GBK, from netsh outputs quoted in
 *            issues; the dynamic range's labels are ours): TCP dynamic
 *            20000-20999, UDP dynamic 23000-23254, TCP excluded 15000-15099
 *            and 16000 (administered), UDP excluded 17000-17049 and
 *            60000-60099
 *   badexcl  custom's dynamic ranges, but an exclusion row not understood
 *   none     Windows' defaults and no exclusions at all (empty tables)
 *   empty    exit 0 having printed nothing (what Wine's netsh does)
 *   garbage  exit 0 with a message where the table should be
 *   badrange a dynamic range past 65535 and an inverted exclusion
 *   fail     netsh's message for an unknown command, exit 1
 *   hang     never answers
 *   flood    more output than portpicker reads (64 KiB of rows) */
#include <fcntl.h>
#include <io.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

#define CRLF "\r\n"

static void dynamic(const char *proto, const char *start, const char *count,
                    unsigned lo, unsigned n)
{
    printf(CRLF "Protocol %s Dynamic Port Range" CRLF
           "---------------------------------" CRLF
           "%s: %u" CRLF "%s: %u" CRLF CRLF, proto, start, lo, count, n);
}

static void excluded(const char *title, const char *head, const char *rows,
                     const char *note)
{
    printf(CRLF "%s" CRLF CRLF "%s" CRLF "----------    --------      " CRLF
           "%s" CRLF "%s" CRLF CRLF, title, head, rows, note);
}

static const char english_head[] = "Start Port    End Port      ";
static const char english_note[] = "* - Administered port exclusions.";

static void answer_default(const char *q, const char *tcp_rows, const char *udp_rows)
{
    if (!strcmp(q, "dynamicport tcp"))
        dynamic("tcp", "Start Port      ", "Number of Ports ", 49152, 16384);
    else if (!strcmp(q, "dynamicport udp"))
        dynamic("udp", "Start Port      ", "Number of Ports ", 49152, 16384);
    else if (!strcmp(q, "excludedportrange protocol=tcp"))
        excluded("Protocol tcp Port Exclusion Ranges", english_head, tcp_rows,
                 english_note);
    else
        excluded("Protocol udp Port Exclusion Ranges", english_head, udp_rows,
                 english_note);
}

static void answer_custom(const char *q, bool bad_row)
{
    if (!strcmp(q, "dynamicport tcp"))
        dynamic("tcp", "Port de d\x82" "but   ", "Nombre de ports ", 20000, 1000);
    else if (!strcmp(q, "dynamicport udp"))
        dynamic("udp", "Puerto de inicio   ", "N\xa3mero de puertos ", 23000, 255);
    else if (!strcmp(q, "excludedportrange protocol=tcp"))
        excluded("\xd0\xad\xd2\xe9 tcp \xb6\xcb\xbf\xda\xc5\xc5\xb3\xfd\xb7\xb6\xce\xa7",
                 "\xbf\xaa\xca\xbc\xb6\xcb\xbf\xda    \xbd\xe1\xca\xf8\xb6\xcb\xbf\xda",
                 bad_row ? "     15000       15099" CRLF "     16000       to 16000"
                         : "     15000       15099" CRLF "     16000       16000     *",
                 "* - \xb9\xdc\xc0\xed\xb5\xc4\xb6\xcb\xbf\xda\xc5\xc5\xb3\xfd\xa1\xa3");
    else
        excluded("Protocolo udp Intervalos de exclusi\xa2n de puertos",
                 "Puerto de inicio    Puerto final",
                 "     17000       17049" CRLF "     60000       60099",
                 "* - Exclusiones de puertos administrados.");
}

int main(int argc, char **argv)
{
    char q[200] = "";
    const char *mode = getenv("FAKE_NETSH");
    if (!mode)
        mode = "default";
    _setmode(1, _O_BINARY); /* CRLF as written, not \r\r\n */
    /* "int ipv4 show " and the rest: the question. */
    if (argc < 5 || strcmp(argv[1], "int") || strcmp(argv[2], "ipv4") ||
        strcmp(argv[3], "show"))
        mode = "fail";
    for (int i = 4; i < argc && strlen(q) + strlen(argv[i]) + 2 < sizeof(q); i++)
        strcat(strcat(q, i > 4 ? " " : ""), argv[i]);
    if (strcmp(q, "dynamicport tcp") && strcmp(q, "dynamicport udp") &&
        strcmp(q, "excludedportrange protocol=tcp") &&
        strcmp(q, "excludedportrange protocol=udp"))
        mode = "fail";

    if (!strcmp(mode, "default"))
        answer_default(q, "        80          80      " CRLF
                          "      5986        5986      " CRLF
                          "     47001       47001      " CRLF
                          "     51417       51516      " CRLF
                          "     51517       51616      ",
                       "     56030       56129      " CRLF
                       "     56130       56229      ");
    else if (!strcmp(mode, "none"))
        answer_default(q, "", "");
    else if (!strcmp(mode, "custom") || !strcmp(mode, "badexcl"))
        answer_custom(q, !strcmp(mode, "badexcl"));
    else if (!strcmp(mode, "empty"))
        ;
    else if (!strcmp(mode, "garbage"))
        printf(CRLF "The requested operation requires elevation." CRLF CRLF);
    else if (!strcmp(mode, "badrange") && !strncmp(q, "dynamic", 7))
        dynamic("tcp", "Start Port      ", "Number of Ports ", 65000, 1000);
    else if (!strcmp(mode, "badrange"))
        excluded("Protocol tcp Port Exclusion Ranges", english_head,
                 "     16000       15000", english_note);
    else if (!strcmp(mode, "hang"))
        Sleep(INFINITE);
    else if (!strcmp(mode, "flood")) {
        excluded("Protocol tcp Port Exclusion Ranges", english_head, "", "");
        for (int i = 0; i < 4096; i++)
            printf("     %5d       %5d" CRLF, 1000 + i, 1000 + i);
    } else {
        printf("The following command was not found: %s." CRLF, q);
        return 1;
    }
    return 0;
}
