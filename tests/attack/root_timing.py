#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""root_timing.py: time a normal user's requests while an attack runs.

usage: root_timing.py ADDR SERVER_PID COUNT INTERVAL_MS

Sends COUNT 'v1 status' requests, INTERVAL_MS apart, each given 20 s, and
prints the answered count, worst, median and p99 latency in ms, and the
share of one core the server used meanwhile (from /proc/SERVER_PID/stat).
"""
import os
import socket
import sys
import time


def cpu_seconds(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(20)
    try:
        s.connect("\0" + addr[1:] if addr.startswith("@") else addr)
        s.sendall(b"v1 status\n")
        out = b""
        while True:
            b = s.recv(4096)
            if not b:
                return out.startswith(b"ok ")
            out += b
    except OSError:
        return False
    finally:
        s.close()


def main(argv):
    addr, spid, count, interval = argv[1], argv[2], int(argv[3]), float(argv[4])
    lat, answered = [], 0
    cpu0, t0 = cpu_seconds(spid), time.monotonic()
    for _ in range(count):
        t = time.monotonic()
        answered += request(addr)
        lat.append((time.monotonic() - t) * 1000)
        time.sleep(max(0.0, interval / 1000 - (time.monotonic() - t)))
    cpu = (cpu_seconds(spid) - cpu0) / (time.monotonic() - t0)
    lat.sort()
    print("answered %d of %d" % (answered, count))
    print("worst %.1f ms, median %.1f ms, p99 %.1f ms" %
          (lat[-1], lat[len(lat) // 2], lat[min(len(lat) - 1, len(lat) * 99 // 100)]))
    print("server cpu %.0f%% of a core" % (cpu * 100))


if __name__ == "__main__":
    main(sys.argv)
