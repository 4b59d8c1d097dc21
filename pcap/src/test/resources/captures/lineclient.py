#!/usr/bin/env python3
"""Loopback-only client used to make the pcap fixtures.

Makes --count short TCP connections to host:port, one after the other: connect, send one
line, read the answer, close. Addresses alternate over the given --host values.
"""
import argparse, socket, sys

p = argparse.ArgumentParser()
p.add_argument("--host", action="append", required=True, help="127.0.0.1 or ::1 (repeatable)")
p.add_argument("--port", type=int, required=True)
p.add_argument("--count", type=int, required=True)
a = p.parse_args()
for h in a.host:
    if h not in ("127.0.0.1", "::1"):
        sys.exit("loopback addresses only: " + h)
for i in range(a.count):
    h = a.host[i % len(a.host)]
    with socket.create_connection((h, a.port), timeout=5.0) as s:
        s.sendall(b"hello %d\n" % i)
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(256)
            if not chunk:
                break
            buf += chunk
print("done", a.count)
