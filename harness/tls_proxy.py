#!/usr/bin/env python3
"""A TLS-terminating TCP forwarder for qwen-chat's tests: https://localhost:<port> in front of a
plain-HTTP server.

    python3 harness/tls_proxy.py --target 127.0.0.1:PORT [--cert-dir DIR] [--max-lifetime S] [--truncate]

Standard library plus the `openssl` command. On start it makes a throwaway CA (ca.pem) and a
certificate for `localhost` (SAN DNS:localhost, IP:127.0.0.1) signed by it, in --cert-dir (kept)
or in a temporary directory (removed on exit). It listens with TLS on 127.0.0.1 (a free port
unless --port), prints one line

    URL https://localhost:<port> CA <path-to-ca.pem>

and forwards the decrypted bytes both ways to the target, one target connection per client
connection; an end of stream on one side is passed on as a half-close where the other side
allows it (TLS cannot be half-closed here, so the client side is closed once the target has
finished and everything is sent). It exits on SIGTERM/SIGINT or after --max-lifetime seconds
(default 900). A client that does not trust ca.pem fails its handshake; nothing else is logged.

With --truncate it forwards nothing: it answers every request itself with an "until close"
response (no Content-Length, not chunked) and then closes the TCP connection without TLS's
close_notify, as an attacker cutting the connection would. A client must not take that body
as complete.
"""

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile

CHUNK = 65536


def openssl(*args, cwd):
    result = subprocess.run(["openssl", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        raise SystemExit(f"tls_proxy: openssl {args[0]} failed: {result.stderr.strip()}")


def make_certificates(directory):
    """Writes ca.pem/ca.key and server.pem/server.key (P-256, valid for 2 days) into directory."""
    os.makedirs(directory, exist_ok=True)
    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=qwen-chat test CA " + secrets.token_hex(4),
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-addext", "subjectKeyIdentifier=hash", cwd=directory)
    openssl("req", "-new", *key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost", cwd=directory)
    with open(os.path.join(directory, "server.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-set_serial", "0x" + secrets.token_hex(8), "-days", "2", "-extfile", "server.ext",
            "-out", "server.pem", cwd=directory)
    return os.path.join(directory, "ca.pem"), os.path.join(directory, "server.pem"), os.path.join(directory, "server.key")


async def pump(reader, writer):
    """Copies reader to writer until end of stream, then half-closes writer if it can."""
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, ssl.SSLError, OSError, asyncio.IncompleteReadError):
        pass


async def close(writer):
    try:
        writer.close()
        await asyncio.wait_for(writer.wait_closed(), timeout=5)
    except (ConnectionError, ssl.SSLError, OSError, asyncio.TimeoutError):
        pass


TRUNCATED = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"truncated\": "


async def truncate(client_reader, client_writer):
    """Reads one request head, answers TRUNCATED, then drops TCP without close_notify."""
    try:
        await client_reader.readuntil(b"\r\n\r\n")
        client_writer.write(TRUNCATED)
        await client_writer.drain()
        await asyncio.sleep(0.2)
    except (ConnectionError, ssl.SSLError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        pass
    client_writer.transport.abort()


def make_handler(target_host, target_port, connections, cut):
    async def handle(client_reader, client_writer):
        task = asyncio.current_task()
        connections.add(task)
        if cut:
            try:
                await truncate(client_reader, client_writer)
            finally:
                connections.discard(task)
            return
        try:
            try:
                target_reader, target_writer = await asyncio.open_connection(target_host, target_port)
            except OSError as error:
                print(f"tls_proxy: cannot reach {target_host}:{target_port}: {error}", file=sys.stderr, flush=True)
                return
            upstream = asyncio.ensure_future(pump(client_reader, target_writer))
            downstream = asyncio.ensure_future(pump(target_reader, client_writer))
            try:
                # The target finishing ends the exchange (the TLS side cannot be half-closed);
                # the client finishing first only half-closes the target, which may still answer.
                await downstream
                upstream.cancel()
                await asyncio.gather(upstream, return_exceptions=True)
            finally:
                upstream.cancel()
                downstream.cancel()
                await close(target_writer)
        except asyncio.CancelledError:
            pass
        finally:
            await close(client_writer)
            connections.discard(task)

    return handle


async def main():
    parser = argparse.ArgumentParser(description="TLS-terminating forwarder for tests")
    parser.add_argument("--target", required=True, help="HOST:PORT of the plain-HTTP server")
    parser.add_argument("--cert-dir", help="where to write ca.pem and the server certificate (kept)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--max-lifetime", type=float, default=900)
    parser.add_argument("--truncate", action="store_true", help="answer with a cut until-close body")
    args = parser.parse_args()
    host, _, port = args.target.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit("tls_proxy: --target must be HOST:PORT")
    target_host, target_port = host.strip("[]"), int(port)

    temporary = None
    cert_dir = args.cert_dir
    if cert_dir is None:
        temporary = cert_dir = tempfile.mkdtemp(prefix="tls-proxy-")
    try:
        ca, cert, key = make_certificates(os.path.abspath(cert_dir))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        connections = set()
        server = await asyncio.start_server(
            make_handler(target_host, target_port, connections, args.truncate), "127.0.0.1", args.port,
            ssl=context, ssl_handshake_timeout=10, limit=CHUNK)
        actual = server.sockets[0].getsockname()[1]
        print(f"URL https://localhost:{actual} CA {ca}", flush=True)

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await asyncio.wait_for(stop.wait(), timeout=args.max_lifetime)
        except asyncio.TimeoutError:
            print("tls_proxy: max lifetime reached", file=sys.stderr, flush=True)
        server.close()
        for task in list(connections):
            task.cancel()
        await asyncio.gather(*connections, return_exceptions=True)
        await server.wait_closed()
    finally:
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
