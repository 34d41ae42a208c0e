/* release.c: give ports back to the port server before their owner exits.
 *
 * usage: portpicker release PORT...
 *
 * Not built yet: the server protocol that carries it is planned (see
 * docs/protocol.md when it lands). Until then this applet says so and exits
 * 126, rather than pretending to succeed. */
#include "portpicker.h"

int release_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    die(RC_NOT_BUILT, "not built yet: this version's server protocol has no "
                      "release verb; ports return to the pool when their "
                      "owner exits");
}
