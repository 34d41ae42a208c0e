/* name.c: the NAMEs a lease carries (pick --env, run --tcp/--udp/--env),
 * which also become environment variables NAME_PORT, so the rule is both
 * docs/protocol.md's and the shell's. */
#include "portpicker.h"

#include <string.h>

bool is_port_name(const char *word)
{
    static const char word_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "abcdefghijklmnopqrstuvwxyz_0123456789";
    size_t len = strspn(word, word_chars);
    return len > 0 && len < PORT_NAME_MAX && !word[len] &&
           !(word[0] >= '0' && word[0] <= '9');
}
