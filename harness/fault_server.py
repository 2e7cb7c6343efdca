#!/usr/bin/env python3
"""A fake Qwen2.5 Space (Gradio 4.44.1, protocol sse_v3) that misbehaves on request.

Standard library only. Listens on 127.0.0.1 (PORT, or a free port), prints its URL once it
listens, and exits on SIGTERM/SIGINT or after MAX_LIFETIME seconds (default 900).

The fault is chosen per request by a keyword in the user message (data[0] of the join), so one
server serves every test at once. Faults that succeed after N failures count by message text,
so tests put a unique tag in their messages. Keywords (longest match wins):

  FAULT_DROP                   stream a few tokens, then drop the connection (no chunked end)
  FAULT_STALL                  stream a few tokens, then send nothing (until the client leaves)
  FAULT_HEARTBEATS             only heartbeats every 1 s for 12 s, then a normal reply
  FAULT_MALFORMED              a malformed JSON event between good ones
  FAULT_HUGE                   one process_generating with a 10 MB reply, then completion
  FAULT_NO_COMPLETION          a few tokens, then a clean end of body without process_completed
  FAULT_CUT_UTF8               tokens, then an event cut inside a multi-byte character at EOF
  FAULT_QUEUE_FULL             join -> 503 {"detail": "Queue is full..."}
  FAULT_QUEUE_FULL_THEN_OK_<K> the first K joins fail like that, then a normal reply whose stream
                               first places the job third, then second, in the queue (estimation
                               rank 2 and 1 of 4)
  FAULT_ASLEEP                 join -> 503 HTML "Space is sleeping"
  FAULT_ASLEEP_THEN_OK_<K>     the first K joins fail like that, then a normal reply
  FAULT_429                    join -> 429
  FAULT_500                    join -> 500 text/plain
  FAULT_SESSION_LOST           the data stream says unexpected_error "404: Session not found."
  FAULT_SESSION_LOST_ONCE      only the first data stream for that message says so
  FAULT_TRICKLE                a short reply whose whole stream goes out one byte per 50 ms
  FAULT_SLOW                   a long reply ("slow0 slow1 ...") at one 3-char token per 0.1 s
  FAULT_ZEROGPU_QUOTA          the app's error as a ZeroGPU Space out of quota sends it (show_error
                               on): process_completed, success false, output.error = QUOTA_TEXT,
                               output.title "ZeroGPU quota exceeded" (with ..._UNTITLED: none)
  FAULT_LINGER                 a normal reply, then the stream stays open with a heartbeat every
                               0.2 s for 30 s (a client done with its reply should hang up)
  anything else                "Echo: <message>" in 3-char append ops, like the Space

Debugging endpoints: GET /debug/last-auth -> {"authorization": <last Authorization header>};
GET /debug/auth?tag=X -> the Authorization header of the last join whose message contains X;
GET /debug/open-streams?tag=X -> {"open": <data streams still open for messages containing X>}.
"""

import asyncio
import json
import os
import re
import signal
import sys
import urllib.parse
import uuid

MAX_LIFETIME = float(os.environ.get("MAX_LIFETIME", "900"))
TOKEN_CHARS = 3
TOKEN_DELAY = 0.01
TRICKLE_DELAY = 0.05
SYSTEM_DEFAULT = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

CONFIG = {
    "version": "4.44.1",
    "mode": "blocks",
    "protocol": "sse_v3",
    "enable_queue": True,
    "show_error": False,
    "components": [],
    "dependencies": [
        {"id": 3, "api_name": "model_chat", "targets": [[25, "submit"]], "queue": True, "backend_fn": True},
    ],
    "root": "",
}

# --- state ------------------------------------------------------------------------------------

sessions = {}        # session_hash -> job dict (event_id, message, history, system)
join_counts = {}     # message text -> joins seen
data_counts = {}     # message text -> data streams opened
open_streams = {}    # message text -> data streams still being written
auth_by_message = {} # message text -> Authorization header of its last join
last_auth = {"authorization": None}


class Request:
    def __init__(self, method, target, headers, body):
        self.method = method
        parsed = urllib.parse.urlsplit(target)
        self.path = parsed.path
        self.query = dict(urllib.parse.parse_qsl(parsed.query))
        self.headers = headers  # lower-case names
        self.body = body


class Writer:
    """An HTTP/1.1 response on one connection (which closes afterwards)."""

    def __init__(self, writer):
        self.w = writer

    async def respond(self, status, reason, body, content_type="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        head = (f"HTTP/1.1 {status} {reason}\r\nserver: fault-server\r\ncontent-type: {content_type}\r\n"
                f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")
        self.w.write(head.encode() + body)
        await self.w.drain()

    async def start_stream(self):
        self.w.write(b"HTTP/1.1 200 OK\r\nserver: fault-server\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                     b"cache-control: no-cache\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n")
        await self.w.drain()

    async def chunk(self, data: bytes):
        if data:
            self.w.write(b"%x\r\n" % len(data) + data + b"\r\n")
            await self.w.drain()

    async def event(self, obj):
        await self.chunk(b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n")

    async def end_stream(self):
        self.w.write(b"0\r\n\r\n")
        await self.w.drain()

    def drop(self):
        # Abort: close the socket without ending the chunked body.
        transport = self.w.transport
        if transport is not None:
            transport.abort()


# --- Space-shaped messages --------------------------------------------------------------------

def message_object(text):
    return {"id": None, "elem_id": None, "elem_classes": None, "name": None, "text": text,
            "flushing": None, "avatar": "", "files": None}


def chatbot(job, reply):
    pairs = [[message_object(u), message_object(a)] for u, a in job["history"]]
    pairs.append([message_object(job["message"]), message_object(reply)])
    return pairs


def generating_full(job, reply):
    return {"msg": "process_generating", "event_id": job["event_id"],
            "output": {"data": ["", chatbot(job, reply), job["system"]], "is_generating": True}, "success": True}


def generating_append(job, piece):
    k = len(job["history"])
    return {"msg": "process_generating", "event_id": job["event_id"],
            "output": {"data": [[], [["append", [k, 1, "text"], piece]], []], "is_generating": True}, "success": True}


def completed(job, reply):
    return {"msg": "process_completed", "event_id": job["event_id"],
            "output": {"data": ["", chatbot(job, reply), job["system"]], "is_generating": False}, "success": True}


def close_stream():
    return {"msg": "close_stream", "event_id": None}


def echo(job):
    return "Echo: " + job["message"]


def tokens(text):
    return [text[i:i + TOKEN_CHARS] for i in range(0, len(text), TOKEN_CHARS)]


async def preamble(out, job):
    await out.event({"msg": "estimation", "event_id": job["event_id"], "rank": 0, "queue_size": 1, "rank_eta": 0.1})
    await out.event({"msg": "process_starts", "event_id": job["event_id"], "eta": 0.1})


async def stream_tokens(out, job, reply, count=None, delay=TOKEN_DELAY):
    """The reply's first `count` tokens (all by default): a full value, then append ops."""
    parts = tokens(reply)
    if count is not None:
        parts = parts[:count]
    for i, piece in enumerate(parts):
        await out.event(generating_full(job, piece) if i == 0 else generating_append(job, piece))
        if delay:
            await asyncio.sleep(delay)


async def normal_reply(out, job, reply=None, delay=TOKEN_DELAY):
    reply = echo(job) if reply is None else reply
    await preamble(out, job)
    await stream_tokens(out, job, reply, delay=delay)
    await out.event(completed(job, reply))
    await out.event(close_stream())
    await out.end_stream()


# --- one function per fault: data-stream faults -----------------------------------------------

async def fault_drop(out, job):
    await preamble(out, job)
    await stream_tokens(out, job, echo(job), count=4)
    # Long enough for a loaded client to read the tokens first: async-http-client drops bytes
    # that arrive in the same read as the connection's failure.
    await asyncio.sleep(0.5)
    out.drop()


async def fault_stall(out, job):
    await preamble(out, job)
    await stream_tokens(out, job, echo(job), count=4)
    await asyncio.sleep(120)  # the client's idle timeout ends it long before
    out.drop()


async def fault_heartbeats(out, job):
    await preamble(out, job)
    # 12 s of heartbeats, one a second: longer than the tests' 5 s idle timeout, never idle.
    for _ in range(12):
        await out.event({"msg": "heartbeat"})
        await asyncio.sleep(1)
    await stream_tokens(out, job, echo(job))
    await out.event(completed(job, echo(job)))
    await out.event(close_stream())
    await out.end_stream()


async def fault_malformed(out, job):
    reply = echo(job)
    parts = tokens(reply)
    await preamble(out, job)
    await out.event(generating_full(job, parts[0]))
    await out.chunk(b'data: {"msg":"process_generating","event_id":"' + job["event_id"].encode() + b'","output":{"data":[[],[["app\n\n')
    for piece in parts[1:]:
        await out.event(generating_append(job, piece))
    await out.event(completed(job, reply))
    await out.event(close_stream())
    await out.end_stream()


def huge_text(job):
    unit = "0123456789abcdef" * 4 + "\n"  # 65 bytes
    body = unit * (10 * 1024 * 1024 // len(unit))
    return "HUGE " + job["message"] + "\n" + body + "END"


async def fault_huge(out, job):
    reply = huge_text(job)
    await preamble(out, job)
    await out.event(generating_full(job, reply))
    await out.event(completed(job, reply))
    await out.event(close_stream())
    await out.end_stream()


async def fault_no_completion(out, job):
    await preamble(out, job)
    await stream_tokens(out, job, echo(job), count=4)
    await out.end_stream()


CUT_UTF8_TEXT = "Echo: 你好世界 "


async def fault_cut_utf8(out, job):
    await preamble(out, job)
    await out.event(generating_full(job, CUT_UTF8_TEXT))
    raw = json.dumps(generating_append(job, "再见"), ensure_ascii=False).encode()
    cut = raw.index("见".encode()) + 1  # one byte into a three-byte character
    await out.chunk(b"data: " + raw[:cut])
    await out.end_stream()


async def fault_session_lost(out, job):
    await out.event({"msg": "unexpected_error", "event_id": None, "message": "404: Session not found.", "success": False})
    await out.end_stream()


async def fault_session_lost_once(out, job):
    if data_counts[job["message"]] <= 1:
        await fault_session_lost(out, job)
    else:
        await normal_reply(out, job)


async def fault_trickle(out, job):
    # Compact events (short message objects) so the whole stream stays a few hundred bytes.
    reply = echo(job)
    events = [
        {"msg": "process_generating", "event_id": job["event_id"],
         "output": {"data": ["", [[{"text": job["message"]}, {"text": reply[:3]}]], ""]}, "success": True},
        {"msg": "process_completed", "event_id": job["event_id"],
         "output": {"data": ["", [[{"text": job["message"]}, {"text": reply}]], ""]}, "success": True},
    ]
    stream = b"".join(b"data: " + json.dumps(e, ensure_ascii=False, separators=(",", ":")).encode() + b"\n\n" for e in events)
    for i in range(len(stream)):
        await out.chunk(stream[i:i + 1])
        await asyncio.sleep(TRICKLE_DELAY)
    await out.end_stream()


def slow_text():
    return " ".join(f"slow{i}" for i in range(300))


async def fault_slow(out, job):
    await normal_reply(out, job, reply=slow_text(), delay=0.1)


# As the `spaces` package (0.51) words it, with an HTML link as in its toasts; Gradio 5 and
# later send gr.Error's title beside the text (FAULT_ZEROGPU_QUOTA_UNTITLED: as 4.x, without).
QUOTA_TEXT = ('You have exceeded your free ZeroGPU quota (60s requested vs. 43s left). Try again in 0:03:27. '
              '<a style="white-space: nowrap;text-underline-offset: 2px;color: var(--body-text-color)" '
              'href="https://huggingface.co/subscribe/pro?from=ZeroGPU">Subscribe to Pro</a> to get 25 min of ZeroGPU quota a day.')


async def fault_zerogpu_quota(out, job):
    await preamble(out, job)
    output = {"error": QUOTA_TEXT}
    if "UNTITLED" not in job["message"]:
        output.update(title="ZeroGPU quota exceeded", duration=10, visible=True)
    await out.event({"msg": "process_completed", "event_id": job["event_id"],
                     "output": output, "success": False})
    await out.event(close_stream())
    await out.end_stream()


async def fault_queued_after_full(out, job):
    """After the queue was full: the job waits behind others before it starts."""
    for rank in (2, 1):
        await out.event({"msg": "estimation", "event_id": job["event_id"], "rank": rank, "queue_size": 4, "rank_eta": 0.5 * rank})
        await asyncio.sleep(0.2)
    await normal_reply(out, job)


async def fault_linger(out, job):
    await preamble(out, job)
    await stream_tokens(out, job, echo(job))
    await out.event(completed(job, echo(job)))
    for _ in range(150):
        await asyncio.sleep(0.2)
        await out.event({"msg": "heartbeat"})
    await out.end_stream()


DATA_FAULTS = {
    "FAULT_DROP": fault_drop,
    "FAULT_STALL": fault_stall,
    "FAULT_HEARTBEATS": fault_heartbeats,
    "FAULT_MALFORMED": fault_malformed,
    "FAULT_HUGE": fault_huge,
    "FAULT_NO_COMPLETION": fault_no_completion,
    "FAULT_CUT_UTF8": fault_cut_utf8,
    "FAULT_SESSION_LOST_ONCE": fault_session_lost_once,
    "FAULT_SESSION_LOST": fault_session_lost,
    "FAULT_TRICKLE": fault_trickle,
    "FAULT_SLOW": fault_slow,
    "FAULT_LINGER": fault_linger,
    "FAULT_ZEROGPU_QUOTA": fault_zerogpu_quota,
    "FAULT_QUEUE_FULL_THEN_OK": fault_queued_after_full,
}

# --- one function per fault: join faults (return True when the join was answered) ------------

async def join_queue_full(out):
    await out.respond(503, "Service Unavailable", {"detail": "Queue is full! Please try again later."})


async def join_asleep(out):
    page = "<!DOCTYPE html><html><head><title>Space is sleeping</title></head><body><h1>This Space is sleeping</h1></body></html>"
    await out.respond(503, "Service Unavailable", page, content_type="text/html; charset=utf-8")


async def join_429(out):
    await out.respond(429, "Too Many Requests", {"detail": "Too many requests"})


async def join_500(out):
    await out.respond(500, "Internal Server Error", "Internal Server Error", content_type="text/plain; charset=utf-8")


def join_fault(message, count):
    """The join-time failure for this message and join number, or None to accept the join."""
    m = re.search(r"FAULT_(QUEUE_FULL|ASLEEP)(?:_THEN_OK_(\d+))?", message)
    if m:
        kind, then_ok = m.group(1), m.group(2)
        if then_ok is not None and count > int(then_ok):
            return None
        return join_queue_full if kind == "QUEUE_FULL" else join_asleep
    if "FAULT_429" in message:
        return join_429
    if "FAULT_500" in message:
        return join_500
    return None


def data_fault(message):
    for keyword, handler in DATA_FAULTS.items():  # SESSION_LOST_ONCE is listed before SESSION_LOST
        if keyword in message:
            return handler
    return None


# --- routes -----------------------------------------------------------------------------------

async def handle_join(req, out):
    try:
        payload = json.loads(req.body or b"{}")
        data = payload["data"]
        message = str(data[0])
        session_hash = str(payload["session_hash"])
    except (ValueError, KeyError, IndexError, TypeError):
        await out.respond(422, "Unprocessable Entity", {"detail": "bad join"})
        return
    join_counts[message] = join_counts.get(message, 0) + 1
    auth_by_message[message] = req.headers.get("authorization")
    failure = join_fault(message, join_counts[message])
    if failure is not None:
        await failure(out)
        return
    history = data[1] if len(data) > 1 and isinstance(data[1], list) else []
    history = [(str(p[0]), str(p[1])) for p in history if isinstance(p, list) and len(p) >= 2]
    system = str(data[2]) if len(data) > 2 and data[2] is not None else SYSTEM_DEFAULT
    event_id = uuid.uuid4().hex
    sessions[session_hash] = {"event_id": event_id, "message": message, "history": history, "system": system}
    await out.respond(200, "OK", {"event_id": event_id})


async def handle_data(req, out):
    job = sessions.pop(req.query.get("session_hash", ""), None)
    await out.start_stream()
    if job is None:
        await fault_session_lost(out, None)
        return
    data_counts[job["message"]] = data_counts.get(job["message"], 0) + 1
    handler = data_fault(job["message"]) or normal_reply
    open_streams[job["message"]] = open_streams.get(job["message"], 0) + 1
    try:
        await handler(out, job)
    finally:
        open_streams[job["message"]] -= 1


async def route(req, out):
    if not req.path.startswith("/debug/"):
        last_auth["authorization"] = req.headers.get("authorization")
    if req.method == "GET" and req.path == "/config":
        await out.respond(200, "OK", CONFIG)
    elif req.method == "POST" and req.path == "/queue/join":
        await handle_join(req, out)
    elif req.method == "GET" and req.path == "/queue/data":
        await handle_data(req, out)
    elif req.method == "POST" and req.path == "/cancel":
        await out.respond(200, "OK", {"success": True})
    elif req.method == "GET" and req.path == "/debug/last-auth":
        await out.respond(200, "OK", dict(last_auth))
    elif req.method == "GET" and req.path == "/debug/open-streams":
        tag = req.query.get("tag", "")
        await out.respond(200, "OK", {"open": sum(n for message, n in open_streams.items() if tag and tag in message)})
    elif req.method == "GET" and req.path == "/debug/auth":
        tag = req.query.get("tag", "")
        found = [auth for message, auth in auth_by_message.items() if tag and tag in message]
        await out.respond(200, "OK", {"authorization": found[-1] if found else None, "found": bool(found)})
    else:
        await out.respond(404, "Not Found", {"detail": "Not Found"})


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(method, target, headers, body)


async def serve_connection(reader, writer):
    out = Writer(writer)
    try:
        req = await asyncio.wait_for(read_request(reader), timeout=30)
        await route(req, out)
    except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError, ValueError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    port = int(os.environ.get("PORT", "0"))
    server = await asyncio.start_server(serve_connection, "127.0.0.1", port, limit=1 << 20)
    actual = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{actual}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=MAX_LIFETIME)
    except asyncio.TimeoutError:
        print("fault_server: max lifetime reached", file=sys.stderr)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
