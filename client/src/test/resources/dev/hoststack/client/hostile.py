#!/usr/bin/env python3
"""A hostile local client of hoststack-daemon, for HostileLocalUserTest (run as another uid).

    hostile.py idle SOCKET N          N connections, each says hello then idles; waits for a line on stdin
    hostile.py connect SOCKET N       N connections, each sends hello without waiting for the reply; waits for a line
    hostile.py attach SOCKET N        N connections, each says hello and attaches app nI; waits for a line on stdin
    hostile.py flood SOCKET N SECS    one connection pipelines N show requests and never reads, for SECS at most
    hostile.py squat SOCKET APP PORT  tries to take APP and PORT, prints the daemon's answers

Prints one JSON line of counts: outcome (ok, or the refusal's code, or a Python error) -> count.
"""
import json
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s


def read_line(s):
    out = bytearray()
    while True:
        b = s.recv(1)
        if not b:
            return None
        if b == b"\n":
            return json.loads(out.decode())
        out += b


def call(s, **req):
    try:
        s.sendall((json.dumps(req) + "\n").encode())
    except (BrokenPipeError, ConnectionResetError):
        pass  # a connection refused at once: the daemon sent its refusal line and closed; read it
    while True:
        r = read_line(s)
        if r is None:
            return {"ok": False, "error": "CLOSED"}
        if "event" not in r:
            return r


def outcome(r):
    return "ok" if r.get("ok") else r.get("error", "?")


def hold(path, n, attach):
    counts, socks = {}, []
    for i in range(n):
        try:
            s = connect(path)
            r = call(s, op="hello", version=1)
            if r.get("ok") and attach:
                r = call(s, op="attach", app="n%d" % i)
            counts[outcome(r)] = counts.get(outcome(r), 0) + 1
            socks.append(s)
        except OSError as e:
            key = "OSError:" + (os.strerror(e.errno) if e.errno else type(e).__name__)
            counts[key] = counts.get(key, 0) + 1
    print(json.dumps(counts), flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()
    print("released", flush=True)


def connect_only(path, n):
    counts, socks = {}, []
    for i in range(n):
        try:
            s = connect(path)
            s.sendall(b'{"op":"hello","version":1}\n')
            socks.append(s)
            counts["connected"] = counts.get("connected", 0) + 1
        except OSError as e:
            key = "OSError:" + (os.strerror(e.errno) if e.errno else type(e).__name__)
            counts[key] = counts.get(key, 0) + 1
    print(json.dumps(counts), flush=True)
    sys.stdin.readline()
    for s in socks:
        s.close()
    print("released", flush=True)


def flood(path, n, secs):
    s = connect(path)
    call(s, op="hello", version=1)
    s.setblocking(False)
    line = b'{"op":"show"}\n'
    chunk = line * 1000
    sent, pending, end, closed = 0, b"", time.time() + secs, None
    while sent < n and time.time() < end:
        if not pending:
            pending = chunk
        try:
            k = s.send(pending)
            pending = pending[k:]
            sent += k // len(line)
        except BlockingIOError:
            time.sleep(0.01)
        except OSError as e:
            closed = os.strerror(e.errno) if e.errno else type(e).__name__
            break
    print(json.dumps({"sent": sent, "closed": closed, "seconds": round(secs - (end - time.time()), 1)}), flush=True)
    s.close()


def squat(path, app, port):
    counts = {}
    a = connect(path)
    call(a, op="hello", version=1)
    counts["attach " + app] = outcome(call(a, op="attach", app=app))
    b = connect(path)
    call(b, op="hello", version=1)
    counts["attach squat"] = outcome(call(b, op="attach", app="squat"))
    counts["listen 127.0.0.1"] = outcome(call(b, op="listen", uri="tcp://127.0.0.1/%d" % port, reuseport=True))
    counts["listen 0.0.0.0"] = outcome(call(b, op="listen", uri="tcp://0.0.0.0/%d" % port, reuseport=True))
    print(json.dumps(counts), flush=True)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "idle":
        hold(path, int(sys.argv[3]), False)
    elif mode == "connect":
        connect_only(path, int(sys.argv[3]))
    elif mode == "attach":
        hold(path, int(sys.argv[3]), True)
    elif mode == "flood":
        flood(path, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "squat":
        squat(path, sys.argv[3], int(sys.argv[4]))


if __name__ == "__main__":
    main()
