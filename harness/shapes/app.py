"""Chat apps of the common Space shapes, for endpoint discovery; one process per Gradio version.

Runs under Gradio 4.44.1, 5.50 and 6.31 and mounts each app on one FastAPI server, so the tests
reach every shape from its URL alone (http://127.0.0.1:$PORT/<path>):
  /qwen           the Qwen2.5 layout on a stock chatbot: [query, chatbot, system, radio] -> chatbot
  /chatinterface  gr.ChatInterface with a system prompt and a model dropdown as additional inputs
  /maxdemo        Blocks, messages chatbot, [query, history, system] (the Max-Demo / Coder-demo shape)
  /late           the chat event comes after unrelated events (one of them takes the chatbot too)
  /late-extra     /late with one more event inserted before the chat event
  /nochat         no chat endpoint at all
  /multimodal     gr.ChatInterface(multimodal=True) with a system prompt: the message is {text, files}
  /thinking       gr.ChatInterface whose function yields a gr.ChatMessage thought (metadata title and
                  status, pending then done) and then the answer beside it (Gradio 5 and 6 only)
The model is harness/scripted_model.py; requests are logged to $REPLICA_LOG.
"""
import os
import sys
import time

import gradio as gr
import uvicorn
from fastapi import FastAPI

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import scripted_model  # noqa: E402
from scripted_model import DEFAULT_SYSTEM, MODEL_SIZES  # noqa: E402

MAJOR = int(gr.__version__.split(".")[0])
# Gradio 4 and 5 default to tuples; Gradio 6 only has messages and dropped the argument.
MESSAGES = {"type": "messages"} if MAJOR < 6 else {}
MAX_SYSTEM = "You are a helpful assistant."


def _history(history):
    return [{"role": m["role"], "content": m["content"]} for m in history or [] if isinstance(m, dict)]


def qwen_chat(query, history, system, radio):
    query = query or ""
    turn = _history(history) + [{"role": "user", "content": query}]
    scripted_model.log_request(query, _history(history), system, radio)
    for partial in scripted_model.stream(query, system, radio):
        yield "", turn + [{"role": "assistant", "content": partial}], system


def qwen_app():
    with gr.Blocks() as demo:
        radio = gr.Radio(choices=MODEL_SIZES, value=MODEL_SIZES[0], label="Model")
        system = gr.Textbox(value=DEFAULT_SYSTEM, visible=False)
        chatbot = gr.Chatbot(label="qwen", **MESSAGES)
        textbox = gr.Textbox(lines=1, label="Input")
        textbox.submit(qwen_chat, inputs=[textbox, chatbot, system, radio],
                       outputs=[textbox, chatbot, system], api_name="model_chat")
    return demo


def interface_chat(message, history, system, model):
    scripted_model.log_request(message, _history(history), system, model)
    yield from scripted_model.stream(message or "", system, model)


def chat_interface_app():
    kwargs = {"type": "messages"} if MAJOR == 5 else {}
    return gr.ChatInterface(
        interface_chat,
        additional_inputs=[
            gr.Textbox(value=DEFAULT_SYSTEM, label="System prompt"),
            gr.Dropdown(choices=MODEL_SIZES, value="7B", label="Model"),
        ],
        **kwargs,
    )


def max_chat(query, history, system):
    query = query or ""
    turn = _history(history) + [{"role": "user", "content": query}]
    scripted_model.log_request(query, _history(history), system, "72B")
    for partial in scripted_model.stream(query, system, "72B"):
        yield "", turn + [{"role": "assistant", "content": partial}]


def max_demo_app():
    with gr.Blocks() as demo:
        with gr.Row():
            system_input = gr.Textbox(value=MAX_SYSTEM, lines=1, label="System")
            modify_system = gr.Button("Set system prompt and clear history")
        system_state = gr.Textbox(value=MAX_SYSTEM, visible=False)
        chatbot = gr.Chatbot(label="Qwen-Max", **MESSAGES)
        textbox = gr.Textbox(lines=1, label="Input")
        clear = gr.Button("Clear history")
        textbox.submit(max_chat, inputs=[textbox, chatbot, system_state], outputs=[textbox, chatbot])
        clear.click(lambda: ("", []), inputs=[], outputs=[textbox, chatbot])
        modify_system.click(lambda s: (s, s, []), inputs=[system_input],
                            outputs=[system_state, system_input, chatbot])
    return demo


def late_chat(message, history, temperature, max_tokens):
    message = message or ""
    turn = _history(history) + [{"role": "user", "content": message}]
    scripted_model.log_request(message, _history(history), f"temperature={temperature} max_tokens={max_tokens}", "14B")
    for partial in scripted_model.stream(message, f"temperature={temperature}", "14B"):
        yield turn + [{"role": "assistant", "content": partial}]


def late_app(extra_event):
    with gr.Blocks() as demo:
        notes = gr.Textbox(label="Notes")
        shout = gr.Textbox(label="Shouted")
        gr.Button("Shout").click(lambda text: (text or "").upper(), inputs=[notes], outputs=[shout], api_name="shout")
        chatbot = gr.Chatbot(label="Chat", **MESSAGES)
        message = gr.Textbox(label="Message")
        count = gr.Number(label="Messages")
        # Takes the message and the chatbot, but gives back a number: not the chat function.
        gr.Button("Count").click(lambda text, history: len(history or []), inputs=[message, chatbot], outputs=[count], api_name="count")
        if extra_event:
            gr.Button("Word count").click(lambda text: len((text or "").split()), inputs=[notes], outputs=[count], api_name="word_count")
        with gr.Accordion("Parameters"):
            temperature = gr.Slider(minimum=0, maximum=2, value=0.7, step=0.1, label="Temperature")
            max_tokens = gr.Slider(minimum=1, maximum=4096, value=512, step=1, label="Max tokens")
        message.submit(late_chat, inputs=[message, chatbot, temperature, max_tokens], outputs=[chatbot], api_name="respond")
    return demo


def multimodal_chat(message, history, system):
    text = (message or {}).get("text", "") if isinstance(message, dict) else (message or "")
    scripted_model.log_request(text, _history(history), system, "7B")
    yield from scripted_model.stream(text, system, "7B")


def multimodal_app():
    kwargs = {"type": "messages"} if MAJOR == 5 else {}
    return gr.ChatInterface(
        multimodal_chat,
        multimodal=True,
        additional_inputs=[gr.Textbox(value=MAX_SYSTEM, label="System prompt")],
        **kwargs,
    )


THOUGHT = "Let me think about «{}». Two and two make four."


def thinking_chat(message, history):
    """Gradio's documented pattern: a thought streams as a ChatMessage with metadata, then the
    answer comes as a second message beside it."""
    scripted_model.log_request(message, _history(history), "", "7B")
    delay = float(os.environ.get("REPLICA_TOKEN_DELAY", "0.01"))
    thought_text = THOUGHT.format(message or "")
    thought = ""
    for token in scripted_model._tokens(thought_text):
        thought += token
        time.sleep(delay)
        yield gr.ChatMessage(role="assistant", content=thought, metadata={"title": "Thinking", "status": "pending"})
    done = gr.ChatMessage(role="assistant", content=thought, metadata={"title": "Thinking", "status": "done"})
    answer = ""
    for token in scripted_model._tokens(thinking_answer(message)):
        answer += token
        time.sleep(delay)
        yield [done, gr.ChatMessage(role="assistant", content=answer)]


def thinking_answer(message):
    return f"The answer to «{message}» is 4."


def thinking_app():
    kwargs = {"type": "messages"} if MAJOR == 5 else {}
    return gr.ChatInterface(thinking_chat, **kwargs)


def no_chat_app():
    with gr.Blocks() as demo:
        text = gr.Textbox(label="Text")
        out = gr.Textbox(label="Reversed")
        gr.Button("Reverse").click(lambda s: (s or "")[::-1], inputs=[text], outputs=[out], api_name="reverse")
    return demo


def build():
    app = FastAPI()
    apps = {
        "/qwen": qwen_app(),
        "/chatinterface": chat_interface_app(),
        "/maxdemo": max_demo_app(),
        "/late": late_app(extra_event=False),
        "/late-extra": late_app(extra_event=True),
        "/nochat": no_chat_app(),
        "/multimodal": multimodal_app(),
    }
    if MAJOR >= 5:
        apps["/thinking"] = thinking_app()
    for path, blocks in apps.items():
        blocks.queue(default_concurrency_limit=10)
        app = gr.mount_gradio_app(app, blocks, path=path, show_error=False)
    return app


if __name__ == "__main__":
    uvicorn.run(build(), host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning")
