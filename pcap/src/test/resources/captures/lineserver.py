#!/usr/bin/env python3
"""Loopback-only line server used to make the pcap fixtures.

Listens on the given loopback addresses (127.0.0.1 and/or ::1) and one port; for each
connection it reads one line, answers "ok <line>" and closes. Stops by itself after
--connections connections (or --timeout seconds), so it never runs unbounded.
"""
import argparse, selectors, socket, sys, time

p = argparse.ArgumentParser()
p.add_argument("--host", action="append", required=True, help="127.0.0.1 or ::1 (repeatable)")
p.add_argument("--port", type=int, required=True)
p.add_argument("--connections", type=int, required=True)
p.add_argument("--timeout", type=float, default=60.0)
a = p.parse_args()
for h in a.host:
    if h not in ("127.0.0.1", "::1"):
        sys.exit("loopback addresses only: " + h)

sel = selectors.DefaultSelector()
for h in a.host:
    fam = socket.AF_INET6 if ":" in h else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((h, a.port))
    s.listen(128)
    sel.register(s, selectors.EVENT_READ)
print("listening", flush=True)
done, deadline = 0, time.monotonic() + a.timeout
while done < a.connections and time.monotonic() < deadline:
    for key, _ in sel.select(timeout=1.0):
        c, _ = key.fileobj.accept()
        with c:
            c.settimeout(5.0)
            f = c.makefile("rb")
            line = f.readline()
            c.sendall(b"ok " + line)
        done += 1
print("served", done, flush=True)
