#!/usr/bin/env python3
"""An HTTP forward proxy for qwen-chat's tests.

    python3 harness/forward_proxy.py [--auth USER:PASS] [--log FILE] [--port N] [--max-lifetime S]
                                     [--reverse-to HOST:PORT] [--drop-after TEXT]

Standard library only. Listens on 127.0.0.1 (a free port unless --port), prints one line

    URL http://127.0.0.1:<port>

and serves until SIGTERM/SIGINT or --max-lifetime seconds (default 900):

  * `CONNECT host:port` -> `200 Connection established`, then raw bytes both ways (half-closes
    passed on) until both sides are done.
  * absolute-form requests (`GET http://host:port/path HTTP/1.1`) -> forwarded in origin-form
    (`GET /path`) to host:port with the client's headers minus Proxy-Authorization and
    Proxy-Connection; the answer goes back unchanged, streamed as it arrives (Content-Length,
    chunked, or until the origin closes). Client connections are kept alive between requests
    (so is the connection to the origin while the target stays the same) unless either side
    says `Connection: close` or the answer is delimited by the origin closing.
  * anything else -> 400; an origin that cannot be reached -> 502.

With --auth, a request without `Proxy-Authorization: Basic base64(USER:PASS)` gets 407 with
`Proxy-Authenticate: Basic realm="test-proxy"` (and the connection is closed).

With --log FILE, one JSON line per request is appended to FILE once the proxy has decided its
answer: {"method": "CONNECT", "target": "localhost:8443", "status": 200} or
{"method": "POST", "target": "http://127.0.0.1:7860/queue/join", "status": 200}
(status: what the client got from the proxy, or the origin's status when forwarded), with
"credentials": the decoded USER:PASS of the request's Proxy-Authorization (or null) and
"user_agent": its User-Agent (or null).

With --reverse-to HOST:PORT it is also a reverse proxy: an origin-form request (`GET /config`)
is forwarded to HOST:PORT as if it had named http://HOST:PORT/config.

With --drop-after TEXT, a forwarded request whose target contains TEXT goes to the origin, the
proxy waits for the origin's answer head, and then closes the client connection without
passing anything back (logged with "dropped": true), as a connection failing mid-request would.
"""

import argparse
import asyncio
import base64
import json
import signal
import sys
import urllib.parse

CHUNK = 65536
MAX_HEAD = 1 << 16


class BadRequest(Exception):
    pass


class Head:
    """A request or response head: the first line and the headers in order."""

    def __init__(self, line, headers):
        self.line = line
        self.headers = headers  # [(name, value)]

    def get(self, name):
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def tokens(self, name):
        name = name.lower()
        found = []
        for key, value in self.headers:
            if key.lower() == name:
                found += [t.strip().lower() for t in value.split(",") if t.strip()]
        return found

    def encode(self, line=None, drop=()):
        drop = {d.lower() for d in drop}
        text = (line or self.line) + "\r\n"
        for key, value in self.headers:
            if key.lower() not in drop:
                text += f"{key}: {value}\r\n"
        return (text + "\r\n").encode("latin-1")


async def read_head(reader):
    """The next head, or None at a clean end of stream before any byte of it."""
    try:
        data = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial.strip():
            return None
        raise BadRequest("incomplete head")
    except asyncio.LimitOverrunError:
        raise BadRequest("head too large")
    lines = data.decode("latin-1").split("\r\n")
    # Tolerate empty lines before a request line (RFC 9112 2.2).
    while lines and lines[0] == "":
        lines.pop(0)
    if not lines:
        return None
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"bad header line {line!r}")
        headers.append((name, value.strip()))
    return Head(lines[0], headers)


async def copy_exactly(reader, writer, count):
    """Passes exactly `count` bytes on, as they arrive."""
    while count:
        data = await reader.read(min(count, CHUNK))
        if not data:
            raise asyncio.IncompleteReadError(b"", count)
        writer.write(data)
        count -= len(data)
        await writer.drain()


async def relay_body(head, reader, writer, *, is_response, request_method=None, status=None):
    """Copies the body that follows `head` from reader to writer as it arrives, unchanged.
    Returns False when the body ends at the end of the stream (the connection is done)."""
    if is_response and (request_method == "HEAD" or status in (204, 304) or 100 <= status < 200):
        return True
    if "chunked" in head.tokens("transfer-encoding"):
        while True:
            line = await reader.readuntil(b"\r\n")
            writer.write(line)
            size = int(line.split(b";", 1)[0].strip() or b"x", 16)
            if size == 0:
                # Trailers up to the empty line.
                while True:
                    line = await reader.readuntil(b"\r\n")
                    writer.write(line)
                    if line == b"\r\n":
                        break
                await writer.drain()
                return True
            await copy_exactly(reader, writer, size + 2)  # the chunk and its CRLF
    length = head.get("content-length")
    if length is not None:
        await copy_exactly(reader, writer, int(length))
        return True
    if not is_response:
        return True  # a request without a length has no body
    while True:
        data = await reader.read(CHUNK)
        if not data:
            return False
        writer.write(data)
        await writer.drain()


async def pump(reader, writer):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        pass


async def close(writer):
    if writer is None:
        return
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), timeout=5)
    except (ConnectionError, OSError, asyncio.TimeoutError):
        pass


def split_host_port(authority, default_port):
    host, port = authority, default_port
    if authority.startswith("["):
        end = authority.index("]")
        host, rest = authority[1:end], authority[end + 1:]
        if rest.startswith(":"):
            port = int(rest[1:])
    elif ":" in authority:
        host, _, text = authority.rpartition(":")
        port = int(text)
    if not host or not 0 < port < 65536:
        raise ValueError(authority)
    return host, port


def received_credentials(head):
    """USER:PASS as the client sent them in Proxy-Authorization: Basic, or None."""
    given = head.get("proxy-authorization") if head else None
    scheme, _, token = (given or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(token.strip(), validate=True).decode("utf-8", "replace")
    except ValueError:
        return None


class Proxy:
    def __init__(self, auth, log_path, drop_after=None, reverse_to=None):
        self.drop_after = drop_after
        self.reverse_to = reverse_to
        self.expected_auth = None
        if auth is not None:
            self.expected_auth = "Basic " + base64.b64encode(auth.encode()).decode()
        self.log_path = log_path
        self.connections = set()

    def log(self, method, target, status, head=None, dropped=False):
        if not self.log_path:
            return
        entry = {"method": method, "target": target, "status": status, "credentials": received_credentials(head),
                 "user_agent": head.get("user-agent") if head else None}
        if dropped:
            entry["dropped"] = True
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def authorized(self, head):
        if self.expected_auth is None:
            return True
        given = head.get("proxy-authorization") or ""
        scheme, _, token = given.partition(" ")
        return scheme.lower() == "basic" and "Basic " + token.strip() == self.expected_auth

    async def answer(self, writer, status, reason, extra=(), body=b""):
        text = f"HTTP/1.1 {status} {reason}\r\n"
        for name, value in extra:
            text += f"{name}: {value}\r\n"
        text += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        writer.write(text.encode("latin-1") + body)
        await writer.drain()

    async def handle(self, reader, writer):
        task = asyncio.current_task()
        self.connections.add(task)
        origin = None  # (host, port, reader, writer) kept alive for the next request
        try:
            while True:
                try:
                    head = await read_head(reader)
                except BadRequest as error:
                    await self.answer(writer, 400, "Bad Request", body=str(error).encode())
                    return
                if head is None:
                    return
                parts = head.line.split(" ")
                if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
                    await self.answer(writer, 400, "Bad Request", body=b"bad request line")
                    self.log(parts[0] if parts else "", head.line, 400)
                    return
                method, target, version = parts
                if self.reverse_to and target.startswith("/"):
                    target = f"http://{self.reverse_to}{target}"
                if not self.authorized(head):
                    # Read (and drop) a request body so the client sees the 407, not a reset.
                    if method != "CONNECT":
                        try:
                            await relay_body(head, reader, _Sink(), is_response=False)
                        except (asyncio.IncompleteReadError, ValueError, ConnectionError):
                            pass
                    self.log(method, target, 407, head)
                    await self.answer(writer, 407, "Proxy Authentication Required",
                                      [("Proxy-Authenticate", 'Basic realm="test-proxy"')],
                                      b"proxy authentication required")
                    return
                if method == "CONNECT":
                    await close(origin[3] if origin else None)
                    origin = None
                    await self.tunnel(target, reader, writer, head)
                    return
                keep, origin = await self.forward(method, target, version, head, reader, writer, origin)
                if not keep:
                    return
        except (ConnectionError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, BadRequest):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            await close(origin[3] if origin else None)
            await close(writer)
            self.connections.discard(task)

    async def tunnel(self, target, reader, writer, head):
        try:
            host, port = split_host_port(target, 443)
        except ValueError:
            self.log("CONNECT", target, 400)
            await self.answer(writer, 400, "Bad Request", body=b"CONNECT needs host:port")
            return
        try:
            origin_reader, origin_writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout=10)
        except (OSError, asyncio.TimeoutError) as error:
            self.log("CONNECT", target, 502)
            await self.answer(writer, 502, "Bad Gateway", body=f"cannot reach {target}: {error}".encode())
            return
        self.log("CONNECT", target, 200, head)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        try:
            await asyncio.gather(pump(reader, origin_writer), pump(origin_reader, writer))
        finally:
            await close(origin_writer)

    async def forward(self, method, target, version, head, reader, writer, origin):
        """Forwards one absolute-form request; returns (keep the client connection, origin)."""
        url = urllib.parse.urlsplit(target)
        if url.scheme != "http" or not url.netloc:
            self.log(method, target, 400)
            await self.answer(writer, 400, "Bad Request", body=b"expected an absolute http:// URL or CONNECT")
            return False, origin
        try:
            host, port = split_host_port(url.netloc.rpartition("@")[2], 80)
        except ValueError:
            self.log(method, target, 400)
            await self.answer(writer, 400, "Bad Request", body=b"bad authority")
            return False, origin
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        if origin is not None and (origin[0], origin[1]) != (host, port):
            await close(origin[3])
            origin = None

        client_close = "close" in head.tokens("connection") or "close" in head.tokens("proxy-connection") \
            or version == "HTTP/1.0"
        # The request is small: read it whole, so it can go again on a fresh origin connection
        # when a kept-alive one turns out to be closed.
        body = _Buffer()
        await relay_body(head, reader, body, is_response=False)
        request = head.encode(f"{method} {path} {version}", drop=("proxy-authorization", "proxy-connection")) + bytes(body.data)
        response = None
        for attempt in range(2):
            reused = origin is not None
            if origin is None:
                try:
                    origin_reader, origin_writer = await asyncio.wait_for(asyncio.open_connection(host, port, limit=MAX_HEAD), timeout=10)
                except (OSError, asyncio.TimeoutError) as error:
                    self.log(method, target, 502)
                    await self.answer(writer, 502, "Bad Gateway", body=f"cannot reach {host}:{port}: {error}".encode())
                    return False, None
                origin = (host, port, origin_reader, origin_writer)
            _, _, origin_reader, origin_writer = origin
            try:
                origin_writer.write(request)
                await origin_writer.drain()
                response = await read_head(origin_reader)
            except (ConnectionError, OSError, BadRequest):
                response = None
            if response is not None or not reused:
                break
            await close(origin_writer)
            origin = None
        if response is not None and self.drop_after and self.drop_after in target:
            self.log(method, target, None, head, dropped=True)
            await close(origin[3])
            return False, None
        if response is None:
            self.log(method, target, 502)
            await self.answer(writer, 502, "Bad Gateway", body=b"the origin closed without answering")
            return False, origin

        while True:
            status = int(response.line.split(" ")[1])
            writer.write(response.encode())
            await writer.drain()
            if not (100 <= status < 200 and status != 101):
                break
            # An interim answer; the real one follows.
            response = await read_head(origin_reader)
            if response is None:
                raise ConnectionError("the origin closed after an interim answer")
        self.log(method, target, status, head)
        delimited = await relay_body(response, origin_reader, writer, is_response=True, request_method=method, status=status)
        origin_close = not delimited or "close" in response.tokens("connection") \
            or response.line.startswith("HTTP/1.0") and "keep-alive" not in response.tokens("connection")
        if origin_close:
            await close(origin_writer)
            origin = None
        return not (client_close or origin_close or status == 101), origin


class _Sink:
    def write(self, data):
        pass

    async def drain(self):
        pass


class _Buffer(_Sink):
    def __init__(self):
        self.data = bytearray()

    def write(self, data):
        self.data += data


async def main():
    parser = argparse.ArgumentParser(description="HTTP forward proxy for tests")
    parser.add_argument("--auth", help="USER:PASS required as Proxy-Authorization: Basic")
    parser.add_argument("--log", help="append one JSON line per request to this file")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-lifetime", type=float, default=900)
    parser.add_argument("--reverse-to", help="HOST:PORT that origin-form requests go to")
    parser.add_argument("--drop-after", help="drop the client connection after forwarding a request whose target contains this")
    args = parser.parse_args()

    proxy = Proxy(args.auth, args.log, args.drop_after, args.reverse_to)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port, limit=MAX_HEAD)
    actual = server.sockets[0].getsockname()[1]
    print(f"URL http://127.0.0.1:{actual}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=args.max_lifetime)
    except asyncio.TimeoutError:
        print("forward_proxy: max lifetime reached", file=sys.stderr, flush=True)
    server.close()
    for task in list(proxy.connections):
        task.cancel()
    await asyncio.gather(*proxy.connections, return_exceptions=True)
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
