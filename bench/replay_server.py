#!/usr/bin/env python3
"""Replay server for qwen-chat's benchmarks: enough of Gradio 4.44.1's `sse_v3` queue API for
qwen-chat and gradio_client 1.3.0, serving a scripted reply as fast as the socket takes it.

Stdlib only, listens on 127.0.0.1 only, prints `URL http://127.0.0.1:PORT` on stdout once ready,
and stops by itself after --max-lifetime seconds.

Routes (what the two clients request):
  GET  /config                  the Space's config (bench/data/config.json, `root` set to this server)
  GET  /info?serialize=False    the Space's API info, trimmed (gradio_client reads it at startup)
  GET  /heartbeat/{session}     held open, a heartbeat event every 15 s (gradio_client's thread)
  POST /queue/join              -> {"event_id": ...}
  GET  /queue/data?session_hash the job's events: estimation, process_starts, a first
                                process_generating with the full chatbot value, N append events,
                                process_completed with the full final value, close_stream
  POST /cancel, POST /reset     -> {"success": true}

The reply of a job is chosen by its query: `REPLAY <events> <bytes>` anywhere in the query gives
<events> append events carrying a reply of about <bytes> UTF-8 bytes (mixed ASCII and CJK tokens);
otherwise the --events / --reply-bytes defaults. `MARKDOWN <lines>` instead gives a generated
Markdown document of that many lines (headings, paragraphs with emphasis, code spans, links and
CJK, lists, 10 % code lines in fenced blocks of several languages, 5 tables with CJK cells per
1,000 lines), streamed as 3-8 character tokens. `GET /expected?events=N&bytes=B` (or
`?markdown=L`) returns that reply's exact text (for checking a client's output).

Bodies are rendered once per (reply, query, system) and kept (a few at a time). Framing:
`--framing event` (default) puts each SSE event in its own HTTP chunk, like uvicorn does, but the
whole pre-rendered body is handed to the socket in large writes; `--framing bulk` uses 256 KiB chunks.
"""
import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import urllib.parse
import hashlib
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

ASCII_WORDS = (
    "the quick brown fox jumps over lazy dog streaming tokens from a model reply is what this "
    "benchmark measures with realistic sizes and some punctuation, numbers 42 3.14 and code() "
    "let x = f(y); return x * 2 // comment"
).split()
CJK_TEXT = (
    "你好世界这是一个测试我们正在测量客户端处理流式事件的速度通义千问模型会逐个生成词元"
    "日本語のテキストも少し混ぜますカタカナとひらがな한국어도조금넣습니다"
)


def make_tokens(events, reply_bytes, seed=1234):
    """Returns events+1 tokens (the first goes in the full value) totalling about reply_bytes.

    Tokens are 3-8 characters, about 60 % ASCII (1 byte/char) and 40 % CJK (3 bytes/char):
    about 10 bytes a token, so 10k events make about 100 KB. A different bytes/event ratio scales
    every token's length by the same factor.
    """
    rng = random.Random(seed)
    count = events + 1
    scale = max(reply_bytes / count / 9.9, 0.05)
    tokens = []
    total = 0
    for i in range(count):
        n = max(1, round(rng.randint(3, 8) * scale))
        if rng.random() < 0.4:
            start = rng.randrange(len(CJK_TEXT))
            tok = (CJK_TEXT * (n // len(CJK_TEXT) + 2))[start:start + n]
        else:
            parts = []
            size = 0
            while size < n:
                w = rng.choice(ASCII_WORDS)
                parts.append(" " + w)
                size += len(w) + 1
            tok = "".join(parts)[:n]
            if rng.random() < 0.01:
                tok = tok[:-1] + "\n"
        if i == 0:
            tok = "Start" + tok.strip() or "Start"
        tokens.append(tok)
        total += len(tok.encode())
    # No surrounding blank space: the Space's cleandoc would strip it from the final value.
    while tokens[-1].rstrip() != tokens[-1] or not tokens[-1]:
        tokens[-1] = tokens[-1].rstrip() + "."
    return tokens


CODE_SAMPLES = {
    "swift": ["let reply = try await client.submit(query, history: [])",
              "for try await event in reply.events { print(event.text, terminator: \"\") }",
              "guard let url = URL(string: \"https://example.com\") else { return nil }",
              "struct Token: Sendable { var text: String; var index: Int }"],
    "python": ["def render(tokens: list[str]) -> str:",
               "    return \"\".join(t.strip() for t in tokens if t)  # 连接词元",
               "client = Client(\"Qwen/Qwen2.5\", hf_token=None)",
               "print(f\"{len(reply):,} bytes in {elapsed:.2f} s\")"],
    "rust": ["fn main() -> Result<(), Box<dyn Error>> {",
             "    let text = std::fs::read_to_string(\"reply.md\")?;",
             "    println!(\"{} lines\", text.lines().count());",
             "impl Display for Token { fn fmt(&self, f: &mut Formatter) -> fmt::Result { Ok(()) } }"],
    "json": ['{"msg": "process_generating", "event_id": "abc123", "success": true}',
             '  "data": [["append", [0, 1, "text"], "你好"]],',
             '  "is_generating": true, "duration": 0.0105,',
             '  "name": "通义千问", "values": [1, 2.5, null, false]'],
    "bash": ["for f in *.md; do wc -l \"$f\"; done | sort -n",
             "curl -sfN \"$URL/queue/data?session_hash=$SESSION\" > /dev/null",
             "export TERM=xterm-256color  # 终端",
             "if [[ -z \"${HF_TOKEN:-}\" ]]; then echo 'no token' >&2; fi"],
    "c": ["int main(int argc, char **argv) { return argc > 1 ? 0 : 1; }",
          "static size_t width(const char *s) { return strlen(s); }",
          "    struct winsize ws; ioctl(1, TIOCGWINSZ, &ws);",
          "#include <stdio.h> /* printf */"],
}
PROSE = ("the model streams its reply token by token and the client renders each line as it arrives "
         "while keeping the cost of every line flat over long replies with tables and code").split()
CJK_WORDS = ["你好", "世界", "测试", "通义千问", "流式输出", "日本語", "テキスト", "한국어", "表格", "代码块"]


def markdown_document(lines, seed=4321):
    """A deterministic Markdown document of exactly `lines` lines (a prefix of the same longer one).

    Built from sections of 200 lines: a heading, paragraphs (emphasis, code spans, links, CJK),
    lists, one table of 5 rows with CJK cells and 20 code lines in two fenced blocks. So 10 % of
    the lines are code and there is a table per 200 lines, at every size.
    """
    rng = random.Random(seed)
    langs = list(CODE_SAMPLES)

    def prose(n):
        words = []
        for _ in range(n):
            r = rng.random()
            w = rng.choice(PROSE)
            if r < 0.08:
                w = f"**{w}**"
            elif r < 0.16:
                w = f"*{rng.choice(PROSE)} {w}*"
            elif r < 0.22:
                w = f"`{w}()`"
            elif r < 0.27:
                w = f"[{w}](https://example.com/{rng.choice(PROSE)}/{rng.randrange(1000)})"
            elif r < 0.40:
                w = rng.choice(CJK_WORDS)
            words.append(w)
        return " ".join(words)

    def code_block():
        lang = rng.choice(langs)
        body = [rng.choice(CODE_SAMPLES[lang]) for _ in range(10)]
        return ["```" + lang] + body + ["```", ""]

    def table():
        cells = lambda: [rng.choice(CJK_WORDS) + " " + rng.choice(PROSE), f"{rng.randrange(100000):,}",
                         prose(rng.randint(2, 5)), rng.choice(CJK_WORDS) * rng.randint(1, 3)]
        rows = ["| 名前 name | 数值 | description 说明 | 备注 |", "|---|---:|---|:---:|"]
        rows += ["| " + " | ".join(cells()) + " |" for _ in range(5)]
        return rows + [""]

    out = []
    section = 0
    while len(out) < lines:
        section += 1
        part = [f"## {section}. {prose(rng.randint(2, 5))}", ""]
        part += code_block() + table() + code_block()
        # The rest of the 200 lines: paragraphs and lists, and a paragraph line last.
        while (room := 199 - len(part)) > 0:
            if room <= 5:
                block = [prose(rng.randint(6, 14)) for _ in range(room)]
            elif rng.random() < 0.35:
                marker = rng.choice(["- ", "* ", "1. "])
                block = [("  - " if i and rng.random() < 0.25 else marker) + prose(rng.randint(3, 10))
                         for i in range(min(rng.randint(3, 6), room - 1))] + [""]
            else:
                block = [prose(rng.randint(8, 16)) for _ in range(min(rng.randint(2, 4), room - 1))] + [""]
            part += block
        part.append(prose(rng.randint(6, 14)))
        out += part
    out = out[:lines]
    # No blank last line: the Space's cleandoc would strip it from the final value.
    if not out[-1].strip():
        out[-1] = "end"
    return "\n".join(out)


def split_tokens(text, seed=1234):
    """Splits text into 3-8 character tokens, as a model streams them."""
    rng = random.Random(seed)
    tokens = []
    i = 0
    while i < len(text):
        n = rng.randint(3, 8)
        tokens.append(text[i:i + n])
        i += n
    return tokens


def dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def message_obj(text):
    return {"id": None, "elem_id": None, "elem_classes": None, "name": None, "text": text,
            "flushing": None, "avatar": "", "files": None}


class Replies:
    """Pre-rendered SSE bodies (already HTTP-chunk framed), a few kept at a time."""

    def __init__(self, framing):
        self.framing = framing
        self.tokens = OrderedDict()
        self.bodies = OrderedDict()

    def tokens_for(self, events, reply_bytes):
        return self.reply_tokens(("replay", events, reply_bytes))

    def reply_tokens(self, spec):
        """spec: ("replay", events, bytes) or ("markdown", lines)."""
        if spec not in self.tokens:
            if spec[0] == "markdown":
                self.tokens[spec] = split_tokens(markdown_document(spec[1]))
            else:
                self.tokens[spec] = make_tokens(spec[1], spec[2])
            while len(self.tokens) > 4:
                self.tokens.popitem(last=False)
        return self.tokens[spec]

    def body(self, spec, query, history, system, event_id):
        key = (spec, query, dumps(history), system, event_id)
        body = self.bodies.get(key)
        if body is None:
            body = self.render(spec, query, history, system, event_id)
            self.bodies[key] = body
            while len(self.bodies) > 3:
                self.bodies.popitem(last=False)
        return body

    def render(self, spec, query, history, system, event_id):
        tokens = self.reply_tokens(spec)
        ev = dumps(event_id)
        pairs = [[message_obj(u), message_obj(a)] for u, a in history]
        k = len(pairs)
        first = pairs + [[message_obj(query), message_obj(tokens[0])]]
        final = pairs + [[message_obj(query), message_obj("".join(tokens))]]
        path = dumps([k, 1, "text"])
        msgs = [
            '{"msg":"estimation","event_id":%s,"rank":0,"queue_size":1,"rank_eta":0.27631664276123047}' % ev,
            '{"msg":"process_starts","event_id":%s,"eta":0.27631664276123047}' % ev,
            '{"msg":"process_generating","event_id":%s,"output":{"data":%s,"is_generating":true,'
            '"duration":0.011339902877807617,"average_duration":0.010468392145066034,"render_config":null,'
            '"changed_state_ids":[]},"success":true}' % (ev, dumps(["", first, system])),
        ]
        head = '{"msg":"process_generating","event_id":%s,"output":{"data":[[],[["append",%s,' % (ev, path)
        tail = (']],[]],"is_generating":true,"duration":0.010529041290283203,'
                '"average_duration":0.010469802590303643,"render_config":null,"changed_state_ids":[]},"success":true}')
        msgs.extend(head + dumps(tok) + tail for tok in tokens[1:])
        msgs.append(
            '{"msg":"process_completed","event_id":%s,"output":{"data":%s,"is_generating":false,'
            '"duration":0.00024771690368652344,"average_duration":0.010356231169267134,"render_config":null,'
            '"changed_state_ids":[]},"success":true}' % (ev, dumps(["", final, system])))
        msgs.append('{"msg":"close_stream","event_id":null}')
        return frame([("data: " + m + "\n\n").encode() for m in msgs], self.framing)


def frame(events, framing):
    """HTTP/1.1 chunked framing (without the terminating 0-chunk)."""
    if framing == "bulk":
        data = b"".join(events)
        step = 256 * 1024
        pieces = [data[i:i + step] for i in range(0, len(data), step)]
    else:
        pieces = events
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces)


class Server:
    def __init__(self, args):
        self.args = args
        self.replies = Replies(args.framing)
        self.config = json.load(open(os.path.join(HERE, "data", "config.json"), encoding="utf-8"))
        self.info = open(os.path.join(HERE, "data", "info.json"), "rb").read()
        self.jobs = {}  # session_hash -> list of (event_id, join payload)
        self.url = None
        self.config_bytes = b""
        self.stats = {"joins": 0, "streams": 0}

    def reply_spec(self, query):
        m = re.search(r"MARKDOWN\s+(\d+)", query or "")
        if m:
            return ("markdown", max(1, int(m.group(1))))
        m = re.search(r"REPLAY\s+(\d+)\s+(\d+)", query or "")
        if m:
            return ("replay", int(m.group(1)), int(m.group(2)))
        return ("replay", self.args.events, self.args.reply_bytes)

    async def handle(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                try:
                    method, target, _ = line.decode("latin-1").split(" ", 2)
                except ValueError:
                    return
                headers = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = h.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = b""
                if "content-length" in headers:
                    body = await reader.readexactly(int(headers["content-length"]))
                elif headers.get("transfer-encoding", "").lower() == "chunked":
                    while True:
                        size = int((await reader.readline()).split(b";")[0], 16)
                        chunk = await reader.readexactly(size + 2)
                        body += chunk[:-2]
                        if size == 0:
                            break
                keep = await self.route(method, target, headers, body, writer)
                if not keep or headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def send(self, writer, status, payload, content_type="application/json"):
        if not isinstance(payload, (bytes, bytearray)):
            payload = dumps(payload).encode()
        reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 422: "Unprocessable Entity"}.get(status, "OK")
        writer.write(b"HTTP/1.1 %d %s\r\nserver: replay\r\ncontent-length: %d\r\ncontent-type: %s\r\n\r\n"
                     % (status, reason.encode(), len(payload), content_type.encode()) + payload)
        await writer.drain()
        return True

    async def route(self, method, target, headers, body, writer):
        parsed = urllib.parse.urlsplit(target)
        path = parsed.path.rstrip("/") or "/"
        query = urllib.parse.parse_qs(parsed.query)
        if method == "GET" and path == "/config":
            if not self.config_bytes:
                host = headers.get("host", "")
                cfg = dict(self.config, root=f"http://{host}" if host else self.url)
                self.config_bytes = dumps(cfg).encode()
            return await self.send(writer, 200, self.config_bytes)
        if method == "GET" and path == "/info":
            return await self.send(writer, 200, self.info)
        if method == "GET" and path == "/expected":
            if "markdown" in query:
                spec = ("markdown", max(1, int(query["markdown"][0])))
            else:
                spec = ("replay", int(query.get("events", [self.args.events])[0]),
                        int(query.get("bytes", [self.args.reply_bytes])[0]))
            text = "".join(self.replies.reply_tokens(spec))
            return await self.send(writer, 200, text.encode(), "text/plain; charset=utf-8")
        if method == "GET" and path.startswith("/heartbeat/"):
            return await self.heartbeat(writer)
        if method == "POST" and path == "/queue/join":
            try:
                payload = json.loads(body)
                data = payload["data"]
                session = payload["session_hash"]
                query_text, history, system = data[0], data[1] or [], data[2]
            except (ValueError, KeyError, TypeError, IndexError):
                return await self.send(writer, 422, {"detail": "bad join payload"})
            if payload.get("fn_index") != 3:
                writer.write(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 21\r\n"
                             b"content-type: text/plain; charset=utf-8\r\n\r\nInternal Server Error")
                await writer.drain()
                return True
            # A stable id per distinct job, so the pre-rendered body (which embeds it in every
            # event) is rendered once and replayed; clients only match it against the join's answer.
            event_id = hashlib.md5(dumps([query_text, history, system]).encode()).hexdigest()
            self.jobs.setdefault(session, []).append((event_id, query_text, history, system))
            self.stats["joins"] += 1
            return await self.send(writer, 200, {"event_id": event_id})
        if method == "GET" and path == "/queue/data":
            session = query.get("session_hash", [""])[0]
            return await self.stream(writer, session)
        if method == "POST" and path in ("/cancel", "/reset"):
            return await self.send(writer, 200, {"success": True})
        if method not in ("GET", "POST"):
            return await self.send(writer, 405, {"detail": "Method Not Allowed"})
        return await self.send(writer, 404, {"detail": "Not Found"})

    async def stream(self, writer, session):
        writer.write(b"HTTP/1.1 200 OK\r\nserver: replay\r\ncache-control: no-cache\r\n"
                     b"content-type: text/event-stream; charset=utf-8\r\ntransfer-encoding: chunked\r\n\r\n")
        jobs = self.jobs.pop(session, [])
        if not jobs:
            writer.write(frame([b'data: {"msg":"unexpected_error","event_id":null,'
                                b'"message":"404: Session not found.","success":false}\n\n'], "event"))
        self.stats["streams"] += 1
        for event_id, query_text, history, system in jobs:
            spec = self.reply_spec(query_text)
            pairs = [(h[0], h[1]) if isinstance(h, list) and len(h) == 2 else ("", "") for h in history]
            pairs = [(p[0].get("text", "") if isinstance(p[0], dict) else str(p[0]),
                      p[1].get("text", "") if isinstance(p[1], dict) else str(p[1])) for p in pairs]
            body = self.replies.body(spec, query_text, pairs, system, event_id)
            # Large writes: the transport sends as much as the socket takes and buffers the rest.
            view = memoryview(body)
            step = 4 * 1024 * 1024
            for i in range(0, len(view), step):
                writer.write(view[i:i + step])
                await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def heartbeat(self, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nserver: replay\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
                     b"transfer-encoding: chunked\r\n\r\n")
        await writer.drain()
        while True:
            await asyncio.sleep(15)
            writer.write(frame([b'data: {"msg":"heartbeat"}\n\n'], "event"))
            await writer.drain()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--events", type=int, default=10000, help="append events per reply (default 10000)")
    parser.add_argument("--reply-bytes", type=int, default=100_000, help="approximate reply size (default 100000)")
    parser.add_argument("--framing", choices=["event", "bulk"], default="event")
    parser.add_argument("--max-lifetime", type=float, default=900, help="seconds before the server stops itself")
    parser.add_argument("--prerender", action="append", default=[], metavar="EVENTS:BYTES",
                        help="render these replies' tokens before printing the URL")
    args = parser.parse_args()
    server = Server(args)
    for spec in args.prerender:
        e, b = spec.split(":")
        server.replies.tokens_for(int(e), int(b))
    srv = await asyncio.start_server(server.handle, "127.0.0.1", args.port, backlog=128)
    port = srv.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}"
    print(f"URL {server.url}", flush=True)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.call_later(args.max_lifetime, lambda: stop.done() or stop.set_result("lifetime"))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result("signal"))
    async with srv:
        reason = await stop
    print(f"replay_server: stopping ({reason}); {server.stats}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
