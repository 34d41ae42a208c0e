#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""attack.py: attacks 2 and 4 of docs/security.md against a running server,
printing the server's VmHWM and the worst latency of a normal request.

usage: attack.py ADDR SERVER_PID leases CLIENTS OWNER_PID LEASES
       attack.py ADDR SERVER_PID flood CONNECTIONS
leases: OWNER_PID gets LEASES leases, then CLIENTS send 'v1 leases' and
never read. flood: CONNECTIONS connections that send nothing, from
uid 65534. Either way,
then 20 normal requests ('v1 status') are timed while the attackers hold on.
"""
import os, socket, sys, time

def sock(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect('\0' + addr[1:] if addr.startswith('@') else addr)
    return s

def ask(addr, line):
    s = sock(addr)
    s.sendall(line.encode())
    out = b''
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out.decode()

def hwm(pid):
    for line in open('/proc/%s/status' % pid):
        if line.startswith(('VmHWM', 'VmRSS')):
            print(line.strip())

addr, spid, kind = sys.argv[1:4]
held = []
if kind == 'leases':
    clients, owner, n = int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
    while n > 0:
        k = min(n, 1000)
        r = ask(addr, 'v1 pick %s %d\n' % (owner, k))
        assert r.startswith('ok '), r
        n -= k
    for _ in range(clients):
        s = sock(addr)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b'v1 leases\n')
        held.append(s)
elif os.fork() == 0:
    # The flood, as nobody: keep CONNECTIONS open for 6 s, opening a new
    # one as fast as the server takes them, closing our oldest beyond that.
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    end = time.monotonic() + 6
    while time.monotonic() < end:
        try:
            held.append(sock(addr))
        except OSError:
            time.sleep(0.001)
        if len(held) > int(sys.argv[4]):
            held.pop(0).close()
    os._exit(0)
time.sleep(1)
worst, failed, lat = 0, 0, []
for _ in range(20):
    t = time.monotonic()
    try:
        r = ask(addr, 'v1 status\n')
    except OSError as e:
        r = str(e)
    worst = max(worst, time.monotonic() - t)
    lat.append(round((time.monotonic() - t) * 1000, 1))
    time.sleep(0.2)
    failed += not r.startswith('ok ')
print('normal requests not answered: %d of 20' % failed)
print('attackers: %d' % len(held), lat)
print('worst v1 status: %.1f ms' % (worst * 1000))
hwm(spid)
