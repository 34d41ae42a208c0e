# SPDX-License-Identifier: Apache-2.0
"""reuse_pid.py ADDRESS: lease a port to a child, kill it, and give its pid
to a new child started in the same clock tick, as a pid reuse attack on
--no-pidfd would. Run as root in a pid namespace of its own, where
ns_last_pid is ours to set. Prints the port, then keeps the new child
alive until stdin closes; exits 1 when no try of 50 got the same pid in
the same tick."""
import os
import signal
import socket
import sys

SLEEP = "/bin/sleep"

def child():
    # posix_spawn, not fork: a forked Python parent then pays copy-on-write
    # faults for milliseconds, which would make the same tick unlikely.
    return os.posix_spawn(SLEEP, [SLEEP, "300"], os.environ)


def start_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[19]


def lease(address, pid):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("\0" + address[1:])
    s.sendall(f"{pid}\n".encode())
    reply = s.recv(64).decode().strip()
    s.close()
    return reply


def one_try(address):
    """The port leased to a pid now held by a newcomer of the same tick
    (the newcomer's pid in *held), or None."""
    victim = child()
    start = start_of(victim)
    port = lease(address, victim)
    os.kill(victim, signal.SIGKILL)
    os.waitpid(victim, 0)
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(victim - 1))
    newcomer = child()
    if port and newcomer == victim and start_of(newcomer) == start:
        return port, newcomer
    os.kill(newcomer, signal.SIGKILL)
    os.waitpid(newcomer, 0)
    return None, 0


def main():
    for _ in range(50):
        port, newcomer = one_try(sys.argv[1])
        if port:
            print(port, flush=True)
            sys.stdin.read()
            os.kill(newcomer, signal.SIGKILL)
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
