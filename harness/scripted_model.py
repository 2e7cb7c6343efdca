"""Deterministic stand-in for DashScope, shared by the replica Space and the plain chatbot apps.

The replies are scripted so that client tests can assert exact bytes: the query text picks a
behaviour (see TRIGGERS), everything else echoes the request. Replies stream in 3-character tokens
like the captures of the real Space, as cumulative snapshots (the Space yields the whole reply so far).
"""
import json
import os
import time

import gradio as gr

DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
MODEL_SIZES = ["72B", "32B", "14B", "7B", "3B", "1.5B", "0.5B"]
MATH_SIZES = ["Math-72B", "Math-7B", "Math-1.5B"]
CODER_SIZES = ["Coder-7B", "Coder-1.5B"]

TOKEN_CHARS = 3
SLOW_TOKEN_DELAY = 0.1
MIDSTREAM_ERROR_AFTER = 14  # tokens, as in wire-gradio-4.44.1/midstream-error.txt

UNICODE_REPLY = (
    "你好，世界！这是一个测试。\n"
    "Emoji: 👍🏽 👨‍👩‍👧‍👦 🏳️‍🌈 🇯🇵 ✨\n"
    "ha ha ha ha ha ha ha ha\n"
    "... ... ... wait...\n"
    "Cafe\u0301 日本語 テキスト 한국어 ✓"
)
# cleandoc strips the common margin while only indented lines follow the first line, then gives the
# indentation back once "Done." arrives: the client sees `replace` ops rewriting shown text.
INDENT_REPLY = "Steps:\n    one\n    two\nDone."
# Leading blank lines and a margin are stripped by cleandoc until a flush-left line arrives.
LEADING_BLANK_REPLY = "\n\n    Leading blank lines.\n    Indented too.\nFlush left."
INJECT_REPLY = (
    "Normal start. "
    "Clear:\x1b[2J "
    "Title:\x1b]0;pwned\x07 "
    "Clipboard:\x1b]52;c;cHduZWQ=\x07 "
    "C1 CSI:\x9b31m red? "
    "Bare CR:\rOVERWRITE "
    "DEL:\x7f "
    "Normal end."
)
# A Markdown reply with a fenced code block, CJK text and injection attempts, for the end-to-end
# rendering check: title change, screen clear and clipboard write must all be neutralised.
MARKDOWN_REPLY = (
    "# Quick sort 快速排序\n"
    "Here is **bold** and `inline code`:\n"
    "```python\n"
    "def f(x):\n"
    "    return x * 2  # 二倍\n"
    "```\n"
    "- item one\n"
    "- item two\n"
    "Sneaky:\x1b]0;pwned\x07 clear:\x1b[2J copy:\x1b]52;c;cHduZWQ=\x07 done."
)
DOCUMENT_REPLY = (
    "## Fruit table 水果\n"
    "| Fruit | 名前 | Price |\n"
    "|:------|:----:|------:|\n"
    "| **Apple** | 苹果 | 1.20 |\n"
    "| Kiwi 🥝 | キウイ | 10 |\n"
    "\n"
    "```python\n"
    "def greet(name):\n"
    "    \"\"\"Say hello.\n"
    "    Spans lines.\"\"\"\n"
    "    return \"hi \" + name  # comment\n"
    "```\n"
    "```c\n"
    "/* block\n"
    "   comment */\n"
    "int main(void) { return 0; }\n"
    "```\n"
    "Done: *italic*, `code`, a [link](https://example.com)."
)
LONG_FILLER = "The quick brown fox jumps over the lazy dog. "
TALL_END = "**The end.**"
# Qwen3-style inline reasoning: the 3-character tokens cut both tags ("<th", "ink", ">\nT", ...).
THINK_REPLY = "<think>\nThe user asks for 2+2.\nTwo and two make four.\n</think>\n\nThe answer is 4."
THINK_ANSWER = "The answer is 4."
THINK_REASONING = "The user asks for 2+2.\nTwo and two make four.\n"


def model_label(radio):
    """The DashScope model id the Space would call; unknown sizes fail like an upstream error."""
    label = f"qwen2.5-{(radio or '').lower()}-instruct"
    if radio not in MODEL_SIZES + MATH_SIZES + CODER_SIZES:
        raise ValueError(f"Status code: 400, error code: InvalidParameter, model {label} not found")
    return label


def log_request(query, history, system, radio, **extra):
    """Appends the request as one JSON line to $REPLICA_LOG so tests can check what the client sent.

    Keyword arguments are added to the record last, so `model=` replaces the Qwen2.5 model id for
    Spaces whose models are named as is (qwen3-32b), and other keys (thinking_budget, ...) are kept."""
    path = os.environ.get("REPLICA_LOG")
    if not path:
        return
    record = {"query": query, "history": history, "system": system,
              "model": f"qwen2.5-{(radio or '').lower()}-instruct"}
    record.update(extra)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")


def _long_reply(query):
    words = query.split()
    try:
        n = int(words[words.index("TRIGGER_LONG") + 1])
    except (ValueError, IndexError):
        n = 200
    filler = LONG_FILLER * (n * TOKEN_CHARS // len(LONG_FILLER) + 1)
    return filler[: n * TOKEN_CHARS]


def _tokens(text):
    return [text[i:i + TOKEN_CHARS] for i in range(0, len(text), TOKEN_CHARS)]


def stream(query, system, radio):
    """Yields the cumulative reply for one request, or raises what the trigger asks for."""
    model_label(radio)
    yield from _stream(query, system, f"qwen2.5-{radio}")


def stream_as(query, system, model):
    """stream() for a model named as is (qwen3-32b): the echo reads "Echo from qwen3-32b: ...",
    any name is accepted, and the triggers behave the same."""
    yield from _stream(query, system, model)


def _stream(query, system, echo_model):
    delay = float(os.environ.get("REPLICA_TOKEN_DELAY", "0.01"))
    fail_after = None
    if "TRIGGER_HIDDEN_ERROR" in query:
        raise ValueError("Request id: scripted, Status code: 500, error code: InternalError")
    if "TRIGGER_GR_ERROR" in query:
        raise gr.Error("DashScope quota exceeded for this Space")
    if "TRIGGER_UNICODE" in query:
        text = UNICODE_REPLY
    elif "TRIGGER_INDENT" in query:
        text = INDENT_REPLY
    elif "TRIGGER_LEADING_BLANK" in query:
        text = LEADING_BLANK_REPLY
    elif "TRIGGER_DOCUMENT" in query:
        text = DOCUMENT_REPLY
    elif "TRIGGER_MARKDOWN" in query:
        text = MARKDOWN_REPLY
    elif "TRIGGER_INJECT" in query:
        text = INJECT_REPLY
    elif "TRIGGER_THINK" in query:
        text = THINK_REPLY
        if "TRIGGER_THINK_SLOW" in query:
            delay = SLOW_TOKEN_DELAY
    elif "TRIGGER_TALL" in query:
        # A long paragraph whose end closes an emphasis: the live line's look changes at its end.
        text = _long_reply(query.replace("TRIGGER_TALL", "TRIGGER_LONG")) + TALL_END
    elif "TRIGGER_LONG" in query:
        text = _long_reply(query)
    elif "TRIGGER_SLOW" in query:
        text = " ".join(f"slow{i}" for i in range(300))
        delay = SLOW_TOKEN_DELAY
    else:
        text = f"Echo from {echo_model}: you said «{query}». System: {system}"
        if "TRIGGER_MIDSTREAM_ERROR" in query:
            fail_after = MIDSTREAM_ERROR_AFTER
    partial = ""
    for i, token in enumerate(_tokens(text)):
        if i == fail_after:
            raise ValueError("Request id: scripted, Status code: 500, error code: StreamInterrupted")
        if delay:
            time.sleep(delay)
        if delay == SLOW_TOKEN_DELAY and i % 5 == 0:
            _log_progress(query, i)
        partial += token
        yield partial


def _log_progress(query, token):
    """How far a slow reply got, one JSON line per five tokens in $REPLICA_LOG.progress: a test
    that cancels the job sees the lines stop (the server stopped generating), not only the client."""
    path = os.environ.get("REPLICA_LOG")
    if path:
        with open(path + ".progress", "a", encoding="utf-8") as f:
            f.write(json.dumps({"query": query, "token": token}, ensure_ascii=False) + "\n")
