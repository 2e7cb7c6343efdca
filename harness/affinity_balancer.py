#!/usr/bin/env python3
"""A load balancer with cookie affinity in front of several Gradio replicas, for qwen-chat's tests.

    python3 harness/affinity_balancer.py UPSTREAM_URL [UPSTREAM_URL ...] [--port N] [--log FILE]
      e.g. ... http://127.0.0.1:7861 http://127.0.0.1:7862

Standard library only. Listens on 127.0.0.1 (a free port unless --port), prints one line

    http://127.0.0.1:<port>

and serves until SIGTERM/SIGINT or $MAX_LIFETIME seconds (default 3600). Replicas share no
sessions, as behind a Space's load balancer: a client that keeps no cookies sends its
`POST /queue/join` to one replica and its `GET /queue/data?session_hash=...` to the next, which
answers 404 "Session not found"; a client that keeps cookies stays on one replica and works.

  * Every request is routed on its own: a `Cookie: qc-replica=rN` naming a replica (r0 is the
    first UPSTREAM_URL) goes to that replica; without one (or with an invalid value) the next
    replica round-robin is chosen (a POST an even one, a GET an odd one, so that a join and
    its data stream without the cookie land apart even when other requests come between them)
    and the answer gets `Set-Cookie: qc-replica=rN; Path=/`.
  * Each request goes out on a new connection to the replica with the same method, target,
    headers (Host is the replica's; Connection, Keep-Alive, Proxy-* and the headers Connection
    names are dropped; `Expect: 100-continue` is answered here) and Content-Length body, plus
    `Connection: close`. The answer is relayed as it arrives (SSE streams chunk by chunk), its
    body bytes unchanged (chunked included), its head with `Connection: close` and the cookie.
    The client connection closes when the replica's does; a client going away (end of stream)
    closes the replica connection.
  * A malformed request -> 400, a `Transfer-Encoding` request body -> 501, a replica that cannot
    be reached or closes without answering -> 502 (short text bodies, then close).

With --log FILE, one JSON line per routed request is appended to FILE:
{"method": "POST", "path": "/queue/join", "replica": 0, "cookie": false}
(path with its query; cookie: whether the request carried a valid qc-replica cookie).
"""

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import sys
import urllib.parse

CHUNK = 65536
MAX_HEAD = 1 << 16
MAX_BODY = 16 << 20
COOKIE = "qc-replica"
HOP_BY_HOP = {"connection", "keep-alive", "te", "trailer", "upgrade", "expect"}


class Refused(Exception):
    def __init__(self, status, reason, text):
        super().__init__(text)
        self.status, self.reason, self.text = status, reason, text


def parse_head(data):
    """(first line, [(name, value)]) from a head ending in CRLF CRLF, as latin-1 text."""
    lines = data.decode("latin-1").split("\r\n")
    while lines and lines[0] == "":
        lines.pop(0)  # empty lines before a request line are tolerated (RFC 9112 2.2)
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip() or " " in name:
            raise Refused(400, "Bad Request", f"bad header line {line[:80]!r}")
        headers.append((name, value.strip()))
    return (lines[0] if lines else ""), headers


def header_values(headers, name):
    return [value for key, value in headers if key.lower() == name]


def affinity(headers, count):
    """The replica index a valid qc-replica cookie names, or None."""
    for value in header_values(headers, "cookie"):
        for pair in value.split(";"):
            key, _, cookie = pair.strip().partition("=")
            if key.strip() == COOKIE:
                match = re.fullmatch(r"r(0|[1-9][0-9]{0,5})", cookie.strip().strip('"'))
                return int(match[1]) if match and int(match[1]) < count else None
    return None


def encode_head(line, headers):
    return (line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n").encode("latin-1")


async def close(writer):
    if writer is None:
        return
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), timeout=5)
    except (ConnectionError, OSError, asyncio.TimeoutError):
        pass


class Balancer:
    def __init__(self, upstreams, log_path):
        self.upstreams = upstreams  # [(host, port, path prefix)]
        self.next = itertools.cycle(range(len(upstreams)))
        self.log_path = log_path
        self.connections = set()

    def log(self, method, path, replica, cookie):
        if self.log_path:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"method": method, "path": path, "replica": replica, "cookie": cookie}) + "\n")

    async def handle(self, reader, writer):
        task = asyncio.current_task()
        self.connections.add(task)
        upstream = None
        try:
            try:
                method, target, version, headers, body = await self.read_request(reader, writer)
                if method is None:
                    return
                index = affinity(headers, len(self.upstreams))
                has_cookie = index is not None
                if index is None:
                    # Round-robin, except that a join and a data stream without the cookie never
                    # share a replica, whatever else is in flight: a POST goes to an even
                    # replica, a GET to an odd one (with two: r0 and r1).
                    index = next(self.next)
                    if len(self.upstreams) > 1 and (index % 2 == 0) != (method == "POST"):
                        index = (index + 1) % len(self.upstreams)
                self.log(method, target, index, has_cookie)
                host, port, prefix = self.upstreams[index]
                try:
                    up_reader, upstream = await asyncio.wait_for(
                        asyncio.open_connection(host, port, limit=MAX_HEAD), timeout=10)
                except (OSError, asyncio.TimeoutError) as error:
                    raise Refused(502, "Bad Gateway", f"replica r{index} ({host}:{port}) unreachable: {error}")
            except Refused as refused:
                await self.answer(writer, refused.status, refused.reason, refused.text)
                return
            connection_named = {t.strip().lower() for v in header_values(headers, "connection") for t in v.split(",")}
            sent = [("Host", f"{host}:{port}")] + [
                (k, v) for k, v in headers
                if k.lower() not in HOP_BY_HOP | connection_named | {"host"} and not k.lower().startswith("proxy-")]
            cookie = None if has_cookie else f"{COOKIE}=r{index}; Path=/"
            request = encode_head(f"{method} {prefix}{target} {version}", sent + [("Connection", "close")]) + body
            relay = asyncio.ensure_future(self.relay(request, upstream, up_reader, writer, cookie, index))
            gone = asyncio.ensure_future(self.client_gone(reader))
            try:
                await asyncio.wait({relay, gone}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                gone.cancel()
                relay.cancel()
                await asyncio.gather(relay, gone, return_exceptions=True)
            if relay.done() and not relay.cancelled() and isinstance(relay.exception(), Refused):
                refused = relay.exception()
                await self.answer(writer, refused.status, refused.reason, refused.text)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            await close(upstream)
            await close(writer)
            self.connections.discard(task)

    async def read_request(self, reader, writer):
        """(method, target, version, headers, body), or Nones when the client sent nothing."""
        try:
            data = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as error:
            if not error.partial.strip():
                return None, None, None, None, None
            raise Refused(400, "Bad Request", "incomplete request head")
        except asyncio.LimitOverrunError:
            raise Refused(400, "Bad Request", "request head too large")
        line, headers = parse_head(data)
        parts = line.split(" ")
        if len(parts) != 3 or not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", parts[0]) \
                or not parts[1].startswith("/") or parts[2] not in ("HTTP/1.0", "HTTP/1.1"):
            raise Refused(400, "Bad Request", "expected METHOD /path HTTP/1.x")
        if header_values(headers, "transfer-encoding"):
            raise Refused(501, "Not Implemented", "Transfer-Encoding request bodies are not supported; send Content-Length")
        lengths = set(header_values(headers, "content-length"))
        if len(lengths) > 1 or any(not re.fullmatch(r"[0-9]{1,12}", v) for v in lengths):
            raise Refused(400, "Bad Request", "bad Content-Length")
        length = int(lengths.pop()) if lengths else 0
        if length > MAX_BODY:
            raise Refused(413, "Content Too Large", "request body too large")
        if length and any(v.lower() == "100-continue" for v in header_values(headers, "expect")):
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            await writer.drain()
        try:
            body = await reader.readexactly(length)
        except asyncio.IncompleteReadError:
            raise Refused(400, "Bad Request", "request body shorter than Content-Length")
        return parts[0], parts[1], parts[2], headers, body

    @staticmethod
    async def client_gone(reader):
        """Nothing more is read from a client after its request: its end of stream means it left."""
        while await reader.read(CHUNK):
            pass

    async def relay(self, request, upstream, up_reader, writer, cookie, index):
        """Sends the request to the replica and passes its answer on as it arrives, head edited."""
        while True:
            try:
                if request:
                    upstream.write(request)
                    await upstream.drain()
                    request = None
                data = await up_reader.readuntil(b"\r\n\r\n")
                line, headers = parse_head(data)
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, OSError, Refused):
                raise Refused(502, "Bad Gateway", f"replica r{index} closed without a complete answer")
            status = line.split(" ")
            interim = len(status) > 1 and status[1].startswith("1") and status[1] != "101"
            if interim:  # 1xx: passed on as is; the final answer follows
                writer.write(data)
                continue
            kept = [(k, v) for k, v in headers if k.lower() not in ("connection", "keep-alive")]
            if cookie:
                kept.append(("Set-Cookie", cookie))
            writer.write(encode_head(line, kept + [("Connection", "close")]))
            await writer.drain()
            break
        while True:
            data = await up_reader.read(CHUNK)
            if not data:
                return
            writer.write(data)
            await writer.drain()

    async def answer(self, writer, status, reason, text):
        body = (text + "\n").encode()
        head = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), ("Connection", "close")]
        try:
            writer.write(encode_head(f"HTTP/1.1 {status} {reason}", head) + body)
            await writer.drain()
        except (ConnectionError, OSError):
            pass


def parse_upstream(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"affinity_balancer: expected an http:// URL, got {url!r}")
    return parts.hostname, parts.port or 80, parts.path.rstrip("/")


async def main():
    parser = argparse.ArgumentParser(description="cookie-affinity load balancer for tests")
    parser.add_argument("upstreams", nargs="+", metavar="UPSTREAM_URL")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", help="append one JSON line per routed request to this file")
    args = parser.parse_args()
    lifetime = float(os.environ.get("MAX_LIFETIME") or 3600)

    balancer = Balancer([parse_upstream(u) for u in args.upstreams], args.log)
    server = await asyncio.start_server(balancer.handle, "127.0.0.1", args.port, limit=MAX_HEAD, backlog=512)
    print(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=lifetime)
    except asyncio.TimeoutError:
        print("affinity_balancer: max lifetime reached", file=sys.stderr, flush=True)
    server.close()
    for task in list(balancer.connections):
        task.cancel()
    await asyncio.gather(*balancer.connections, return_exceptions=True)
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
