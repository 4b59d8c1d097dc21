#!/usr/bin/env python3
"""A hoststack worker in plain Python (3.9+, standard library only).

It speaks the daemon's control protocol (docs/protocol.md): one control connection and one data
connection per app worker; it attaches (worker 0) or adds workers, listens, then takes each
connection's descriptor with socket.recv_fds, returns one credit byte per descriptor, and answers
with one HTTP/1.0 line naming the app, the worker and its pid.

    python3 examples/python/hoststack_worker.py --control /tmp/hs --app py --workers 2 \
        --listen tcp://127.0.0.1/8080 --reuseport

It prints "ready app=... workers=... pid=... uri=..." once every worker listens (the URI carries
the port the daemon bound when the listen asked for port 0), and "error CODE message" with exit
code 3 when the daemon refuses a request. When no daemon answers on --control it prints one line
on standard error saying so and exits with 4, as `hoststack worker` does.
"""
import argparse
import json
import os
import selectors
import socket
import sys

VERSION = 1
SOCKET_NAME = "hoststack.sock"


class Refused(Exception):
    def __init__(self, reply):
        super().__init__(reply.get("message", ""))
        self.code = reply.get("error", "?")
        self.reply = reply


def read_line(sock):
    """One line, byte by byte, so that nothing after it is consumed (the data connection)."""
    out = bytearray()
    while True:
        b = sock.recv(1)
        if not b:
            raise ConnectionError("the daemon closed the connection")
        if b == b"\n":
            return out.decode()
        out += b


def call(sock, **req):
    try:
        sock.sendall((json.dumps(req) + "\n").encode())
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused at once (a connection limit): the daemon sent one refusal line and closed; read it
    while True:
        reply = json.loads(read_line(sock))
        if "event" in reply:
            if reply.get("event") == "closed":  # closed for a timeout: the reply will not come
                raise Refused(reply)
            continue
        if not reply.get("ok"):
            raise Refused(reply)
        return reply


class Worker:
    def __init__(self, path, app, index_or_none, ns, secret, window):
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(path)
        call(self.ctl, op="hello", version=VERSION, client="hoststack-python")
        if index_or_none is None:
            r = call(self.ctl, op="attach", app=app, namespace=ns, secret=secret)
        else:
            r = call(self.ctl, op="add_worker", app=app)
        self.app = app
        self.index = r["worker"]
        self.data = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.data.connect(path)
        call(self.data, op="data", version=VERSION, token=r["token"], window=window)
        self.served = 0

    def listen(self, uri, reuseport, selector):
        req = {"op": "listen", "uri": uri, "reuseport": reuseport}
        if selector:
            req["selector"] = selector
        return call(self.ctl, **req)["uri"]

    def take(self):
        """Takes the descriptors waiting on the data connection; False when the daemon is gone."""
        msg, fds, _flags, _addr = socket.recv_fds(self.data, 16, 16)
        if not msg and not fds:
            return False
        for fd in fds:
            self.data.sendall(b"A")  # one credit per descriptor taken, before using it
            self.answer(fd)
        return True

    def answer(self, fd):
        conn = socket.socket(fileno=fd)
        try:
            conn.setblocking(True)
            conn.settimeout(2.0)
            body = "app=%s worker=%d pid=%d lang=python\n" % (self.app, self.index, os.getpid())
            conn.sendall(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                          "Content-Length: %d\r\n\r\n%s" % (len(body), body)).encode())
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(4096):  # drain the request until the client closes, so close sends no RST
                pass
        except OSError:
            pass
        finally:
            conn.close()
            self.served += 1


def no_daemon(control, path):
    """Why no daemon can serve on the control directory, in one line, or None if one answers."""
    start = " (start one: ./hoststack daemon --control %s)" % control
    if not os.path.isdir(control):
        return "no daemon runs on %s: the directory does not exist%s" % (control, start)
    if not os.path.exists(path):
        return "no daemon runs on %s: there is no %s%s" % (control, path, start)
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except PermissionError:
        return ("no permission to connect to %s (the daemon's --socket-mode lets only its user and group in by "
                "default: run as them, or start the daemon with --socket-mode 0666)" % path)
    except OSError as e:
        return "no daemon answers on %s (%s; a daemon killed with SIGKILL leaves its socket behind)%s" % (
            path, e.strerror or e, start)
    finally:
        probe.close()
    return None


def main():
    p = argparse.ArgumentParser(description="a hoststack worker in Python")
    p.add_argument("--control", required=True, help="the daemon's control directory")
    p.add_argument("--app", required=True)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--listen", required=True, help="e.g. tcp://127.0.0.1/0")
    p.add_argument("--reuseport", action="store_true")
    p.add_argument("--selector")
    p.add_argument("--namespace", default="default")
    p.add_argument("--secret", type=int, default=0)
    p.add_argument("--window", type=int, default=16)
    a = p.parse_args()
    if os.path.basename(os.path.normpath(a.control)) == SOCKET_NAME and not os.path.isdir(a.control):
        p.error("--control takes the daemon's control directory, not its socket: --control %s"
                % os.path.dirname(os.path.normpath(a.control)))
    path = os.path.join(a.control, SOCKET_NAME)
    problem = no_daemon(a.control, path)
    if problem:
        print("hoststack_worker.py: " + problem, file=sys.stderr, flush=True)
        return 4
    try:
        workers = [Worker(path, a.app, None if i == 0 else i, a.namespace, a.secret, a.window)
                   for i in range(a.workers)]
        uri = a.listen
        for w in workers:
            uri = w.listen(uri, a.reuseport, a.selector)
    except Refused as e:
        print("error %s %s" % (e.code, e.reply.get("message", "")), flush=True)
        return 3
    print("ready app=%s workers=%d pid=%d uri=%s" % (a.app, a.workers, os.getpid(), uri), flush=True)
    sel = selectors.DefaultSelector()
    for w in workers:
        sel.register(w.data, selectors.EVENT_READ, w)
    while True:
        for key, _ in sel.select():
            if not key.data.take():
                return 0


if __name__ == "__main__":
    sys.exit(main())
