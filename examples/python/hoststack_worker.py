#!/usr/bin/env python3
"""A hoststack worker in plain Python (3.9+, standard library only).

It speaks the daemon's control protocol (docs/protocol.md), version 2 (--protocol 1 for version
1): one control connection and one data connection per app worker; it attaches (worker 0) or adds
workers, listens, then takes each connection's descriptor with socket.recv_fds, returns one credit
byte per descriptor, and answers with one HTTP/1.0 line naming the app, the worker and its pid.
Where the daemon dispatches in the kernel, a listen brings the worker a listening socket of its
own on the data connection instead (told apart by SO_ACCEPTCONN, matched to the listen's reply by
SO_COOKIE): the worker accepts on it itself, and reports its accepted counts on the control
connection every second while they move (as the Java client library does; docs/protocol.md).

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
import struct
import sys
import time

VERSION = 2
SOCKET_NAME = "hoststack.sock"
SO_ACCEPTCONN = 30  # Linux <asm-generic/socket.h>
SO_COOKIE = 57
REPORT_SECONDS = 1.0


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


def listening_cookie(fd):
    """The socket's cookie if it is a listening socket, else None."""
    s = socket.socket(fileno=os.dup(fd))
    try:
        if not s.getsockopt(socket.SOL_SOCKET, SO_ACCEPTCONN):
            return None
        return struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
    except OSError:
        return None
    finally:
        s.close()


class Worker:
    def __init__(self, path, app, index_or_none, ns, secret, window, version):
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(path)
        self.version = version
        call(self.ctl, op="hello", version=version, client="hoststack-python")
        if index_or_none is None:
            r = call(self.ctl, op="attach", app=app, namespace=ns, secret=secret)
        else:
            r = call(self.ctl, op="add_worker", app=app)
        self.app = app
        self.index = r["worker"]
        self.data = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.data.connect(path)
        call(self.data, op="data", version=version, token=r["token"], window=window)
        self.served = 0
        self.own = {}           # URI -> this worker's own listening socket (kernel dispatch)
        self.accepted = {}      # URI -> connections accepted on it
        self.reported = {}
        self.reported_at = 0.0
        self.arrived = {}       # cookie -> listening socket that came before its listen's reply was read
        self.early = []         # connections that came while a listen waited for its socket

    def listen(self, uri, reuseport, selector):
        req = {"op": "listen", "uri": uri, "reuseport": reuseport}
        if selector:
            req["selector"] = selector
        r = call(self.ctl, **req)
        if r.get("dispatch") == "kernel":
            # the worker's own socket of the group was sent on the data connection before this reply
            cookie = r["socket_cookie"]
            while cookie not in self.arrived:
                if not self.receive():
                    raise ConnectionError("the daemon closed the data connection")
            ls = self.arrived.pop(cookie)
            ls.setblocking(False)
            self.own[r["uri"]] = ls
            self.accepted.setdefault(r["uri"], 0)
        return r["uri"]

    def receive(self):
        """Reads descriptors off the data connection: listening sockets are kept, connections queued."""
        msg, fds, _flags, _addr = socket.recv_fds(self.data, 16, 16)
        if not msg and not fds:
            return False
        for fd in fds:
            self.data.sendall(b"A")  # one credit per descriptor taken (a listening socket too), before using it
            cookie = listening_cookie(fd)
            if cookie is not None:
                self.arrived[cookie] = socket.socket(fileno=fd)
            else:
                self.early.append(fd)
        return True

    def take(self):
        """Takes the descriptors waiting on the data connection; False when the daemon is gone."""
        if not self.receive():
            return False
        while self.early:
            self.answer(self.early.pop(0))
        return True

    def accept(self, uri):
        """Accepts what is queued on the worker's own listening socket of uri."""
        ls = self.own[uri]
        while True:
            try:
                conn, _addr = ls.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                # no longer listening: the daemon shut the socket down (the worker left the group)
                self.own.pop(uri, None)
                return
            self.accepted[uri] += 1
            self.answer(conn.detach())

    def report(self):
        """Tells the daemon what this worker accepted on its own sockets, when that changed (version 2)."""
        if self.version < 2 or not self.accepted or self.accepted == self.reported:
            return
        now = time.monotonic()
        if now - self.reported_at < REPORT_SECONDS:
            return  # at most one report a second: the main loop comes here after every event
        self.reported_at = now
        self.reported = dict(self.accepted)
        self.ctl.sendall((json.dumps({"op": "report", "accepted": self.reported}) + "\n").encode())

    def read_control(self):
        """Reads what waits on the control connection (report replies, events); False when the daemon is gone."""
        try:
            chunk = self.ctl.recv(65536)
        except OSError:
            return False
        return bool(chunk)

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
    p.add_argument("--protocol", type=int, default=VERSION, choices=[1, 2])
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
        workers = [Worker(path, a.app, None if i == 0 else i, a.namespace, a.secret, a.window, a.protocol)
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
        sel.register(w.data, selectors.EVENT_READ, (w, "data"))
        sel.register(w.ctl, selectors.EVENT_READ, (w, "control"))
        for u, ls in w.own.items():
            sel.register(ls, selectors.EVENT_READ, (w, u))
        while w.early:  # connections that came while a listen waited for its socket
            w.answer(w.early.pop(0))
    while True:
        for key, _ in sel.select(REPORT_SECONDS):
            w, what = key.data
            if what == "data":
                if not w.take():
                    return 0
            elif what == "control":
                if not w.read_control():
                    return 0
            else:
                w.accept(what)
                if what not in w.own:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
        for w in workers:
            w.report()


if __name__ == "__main__":
    sys.exit(main())
