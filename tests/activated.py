# SPDX-License-Identifier: Apache-2.0
"""A server that binds nothing: it serves on the sockets `portpicker run`
passes (sd_listen_fds(3)): TCP as an HTTP server, UDP by echoing each
datagram upper-cased. It checks LISTEN_PID and LISTEN_FDS as a
socket-activated daemon must, then prints "ready"."""
import http.server
import os
import socket
import sys
import threading


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from fd %d\n" % self.server.socket.fileno()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve_http(sock):
    server = http.server.HTTPServer(("", 0), Hello, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.serve_forever()


def serve_udp(sock):
    while True:
        data, peer = sock.recvfrom(512)
        sock.sendto(data.upper(), peer)


if int(os.environ["LISTEN_PID"]) != os.getpid():
    sys.exit("LISTEN_PID is not this process")
for fd in range(3, 3 + int(os.environ["LISTEN_FDS"])):
    sock = socket.socket(fileno=fd)
    serve = serve_http if sock.type == socket.SOCK_STREAM else serve_udp
    threading.Thread(target=serve, args=(sock,), daemon=True).start()
print("ready", flush=True)
threading.Event().wait()
