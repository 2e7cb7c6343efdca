"""One chat turn with gradio_client (the Python reference client), like `qwen-chat --url URL MESSAGE`.

    python gradio_client_chat.py URL MESSAGE [--expect FILE]

Connects (GET /config, /info, heartbeat thread), submits to fn_index 3 with the same inputs
qwen-chat sends, waits for the job (gradio_client applies every streamed diff as it arrives) and
prints the reply text. With --expect, exits 3 when the reply differs from FILE's text.
"""
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from gradio_client import Client  # noqa: E402

SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."


def main():
    url, message = sys.argv[1], sys.argv[2]
    expect = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--expect" else None
    client = Client(url, verbose=False)
    job = client.submit(message, [], SYSTEM, "72B", fn_index=3)
    _, chatbot, _ = job.result()
    text = chatbot[-1][1]["text"]
    sys.stdout.write(text + "\n")
    sys.stdout.flush()
    client.close()
    if expect is not None:
        with open(expect, encoding="utf-8") as f:
            if f.read() != text:
                print("gradio_client_chat: reply differs from the expected text", file=sys.stderr)
                sys.exit(3)


if __name__ == "__main__":
    main()
