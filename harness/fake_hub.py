#!/usr/bin/env python3
"""A fake Hugging Face Hub Space API and a fake Space host, for the Space-state tests.

Standard library only. One process, two ports on 127.0.0.1: prints "HUB_URL HOST_URL" on its
first line once both listen, and exits on SIGTERM/SIGINT or after MAX_LIFETIME seconds.
BACKEND (env) is the Gradio server a running Space's host forwards to (the fault server).

The Hub: GET /api/spaces/<owner>/<name> answers like huggingface.co's Space API
({"id", "runtime": {"stage", "hardware": {"current", "requested"}, "errorMessage"}}).
The host: /<owner>/<name>/<path> is that Space's root (so --url HOST_URL/<owner>/<name>);
while the Space is not running it answers 503 with an HTML page, as the Hub's edge does, and
once it runs it forwards the request to BACKEND/<path>, streaming the answer back.

What a Space does is chosen by the start of its name (tests add a unique tag after it):

  sleeping-*   SLEEPING; the first host request wakes it: RUNNING WAKE_SECONDS (2.5) later
  drowsy-*     the same, but it takes DROWSY_SECONDS (8) to wake (a REPL test types after /space
               has already knocked on the host)
  asleep-*     SLEEPING for ever (the host's requests never wake it)
  building-*   BUILDING for BUILD_SECONDS (3) from the first Hub or host request, then RUNNING
  paused-*     PAUSED
  error-*      RUNTIME_ERROR with an errorMessage
  nohw-*       RUNNING by its stage, but with hardware requested and none current (the host 503s)
  private-*    the Hub and the host answer 404 (as for a private Space without a token)
  zero-*       RUNNING on ZeroGPU hardware (zero-a10g)
  anything     RUNNING

GET /debug/auth?space=<owner>/<name> (on the Hub's port) -> {"hub": <Authorization of the last
Hub request for it>, "host": <of the last host request>, "hub_requests": n, "host_requests": n}.
"""

import asyncio
import json
import os
import signal
import sys
import time
import urllib.parse

MAX_LIFETIME = float(os.environ.get("MAX_LIFETIME", "900"))
WAKE_SECONDS = 2.5
DROWSY_SECONDS = 8.0
BUILD_SECONDS = 3.0
RUNTIME_ERROR = "Exit code: 1. Reason: ModuleNotFoundError: No module named 'torch'\n  File \"app.py\", line 3"
BACKEND = urllib.parse.urlsplit(os.environ.get("BACKEND", "http://127.0.0.1:9"))

spaces = {}  # id -> {"first_host": t, "first_any": t, "hub_auth", "host_auth", counts}


def space(space_id):
    return spaces.setdefault(space_id, {"first_host": None, "first_any": None, "hub_auth": None, "host_auth": None,
                                         "hub_requests": 0, "host_requests": 0})


def stage_of(space_id):
    s = space(space_id)
    name = space_id.split("/", 1)[1]
    now = time.monotonic()
    if name.startswith("sleeping") or name.startswith("drowsy"):
        wake = WAKE_SECONDS if name.startswith("sleeping") else DROWSY_SECONDS
        return "RUNNING" if s["first_host"] is not None and now - s["first_host"] >= wake else "SLEEPING"
    if name.startswith("asleep"):
        return "SLEEPING"
    if name.startswith("building"):
        return "RUNNING" if s["first_any"] is not None and now - s["first_any"] >= BUILD_SECONDS else "BUILDING"
    if name.startswith("paused"):
        return "PAUSED"
    if name.startswith("error"):
        return "RUNTIME_ERROR"
    return "RUNNING"


def runtime(space_id):
    stage = stage_of(space_id)
    name = space_id.split("/", 1)[1]
    hardware = {"current": "cpu-basic" if stage == "RUNNING" else None, "requested": "cpu-basic"}
    if name.startswith("nohw"):
        hardware = {"current": None, "requested": "a10g-small"}
    elif name.startswith("zero"):
        hardware = {"current": "zero-a10g", "requested": "zero-a10g"}
    result = {"stage": stage, "hardware": hardware, "storage": None, "gcTimeout": 172800}
    if stage == "RUNTIME_ERROR":
        result["errorMessage"] = RUNTIME_ERROR
    return result


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    length = int(dict((k.lower(), v) for k, v in headers).get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return method, target, headers, body


async def respond(writer, status, reason, body, content_type="application/json"):
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    body = body.encode() if isinstance(body, str) else body
    writer.write((f"HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {len(body)}\r\n"
                  f"connection: close\r\n\r\n").encode() + body)
    await writer.drain()


def authorization(headers):
    return next((v for k, v in headers if k.lower() == "authorization"), None)


def space_id_of(path):
    parts = path.strip("/").split("/")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None, None
    return parts[0] + "/" + parts[1], "/" + "/".join(parts[2:])


async def serve_hub(reader, writer):
    try:
        method, target, headers, _ = await asyncio.wait_for(read_request(reader), timeout=30)
        url = urllib.parse.urlsplit(target)
        if url.path == "/debug/auth":
            s = space(urllib.parse.parse_qs(url.query).get("space", [""])[0] or "none/none")
            await respond(writer, 200, "OK", {"hub": s["hub_auth"], "host": s["host_auth"],
                                              "hub_requests": s["hub_requests"], "host_requests": s["host_requests"]})
            return
        if method == "GET" and url.path.startswith("/api/spaces/"):
            space_id, rest = space_id_of(url.path[len("/api/spaces/"):])
            if space_id is None or rest != "/":
                await respond(writer, 404, "Not Found", {"error": "Not Found"})
                return
            s = space(space_id)
            s["hub_requests"] += 1
            s["hub_auth"] = authorization(headers)
            if s["first_any"] is None:
                s["first_any"] = time.monotonic()
            if space_id.split("/", 1)[1].startswith("private"):
                await respond(writer, 404, "Not Found", {"error": "Repository not found"})
                return
            await respond(writer, 200, "OK", {"id": space_id, "author": space_id.split("/")[0], "sdk": "gradio",
                                              "runtime": runtime(space_id)})
            return
        await respond(writer, 404, "Not Found", {"error": "Not Found"})
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


ASLEEP_PAGE = ("<!DOCTYPE html><html><head><title>Your Space is sleeping</title></head><body>"
               "<h1>This Space is sleeping due to inactivity</h1></body></html>")
BUILDING_PAGE = ("<!DOCTYPE html><html><head><title>Building</title></head><body>"
                 "<h1>This Space is building</h1></body></html>")


async def serve_host(reader, writer):
    try:
        method, target, headers, body = await asyncio.wait_for(read_request(reader), timeout=30)
        url = urllib.parse.urlsplit(target)
        space_id, rest = space_id_of(url.path)
        if space_id is None:
            await respond(writer, 404, "Not Found", "<html><body>404</body></html>", "text/html")
            return
        s = space(space_id)
        s["host_requests"] += 1
        s["host_auth"] = authorization(headers)
        now = time.monotonic()
        if s["first_host"] is None:
            s["first_host"] = now
        if s["first_any"] is None:
            s["first_any"] = now
        if space_id.split("/", 1)[1].startswith("private"):
            # The edge hides a private Space from a request without its owner's token.
            await respond(writer, 404, "Not Found", "<!DOCTYPE html><html><body>404</body></html>", "text/html")
            return
        stage = stage_of(space_id)
        if stage != "RUNNING" or space_id.split("/", 1)[1].startswith("nohw"):
            page = BUILDING_PAGE if stage == "BUILDING" else ASLEEP_PAGE
            await respond(writer, 503, "Service Unavailable", page, "text/html; charset=utf-8")
            return
        await forward(method, rest + (("?" + url.query) if url.query else ""), headers, body, writer)
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, ValueError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def forward(method, path, headers, body, writer):
    """Sends the request on to BACKEND and copies its answer back byte for byte."""
    up_reader, up_writer = await asyncio.open_connection(BACKEND.hostname, BACKEND.port)
    lines = [f"{method} {path} HTTP/1.1", f"host: {BACKEND.hostname}:{BACKEND.port}", "connection: close"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in ("host", "connection")]
    up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await up_writer.drain()
    try:
        while True:
            chunk = await up_reader.read(65536)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    finally:
        up_writer.close()


async def main():
    hub = await asyncio.start_server(serve_hub, "127.0.0.1", 0)
    host = await asyncio.start_server(serve_host, "127.0.0.1", 0, limit=1 << 20)
    hub_port = hub.sockets[0].getsockname()[1]
    host_port = host.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{hub_port} http://127.0.0.1:{host_port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=MAX_LIFETIME)
    except asyncio.TimeoutError:
        print("fake_hub: max lifetime reached", file=sys.stderr)
    hub.close()
    host.close()


if __name__ == "__main__":
    asyncio.run(main())
