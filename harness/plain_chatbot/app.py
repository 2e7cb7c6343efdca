"""A Qwen-like chat app on a stock messages-format gr.Chatbot, for Gradio 5.50 and 6.31.

It has the Space's model_chat signature (query, history, system, radio) but none of modelscope_studio,
so the client can be tested against the /gradio_api prefix and the messages wire format. The model is
harness/scripted_model.py. Serves on 127.0.0.1:$PORT.
"""
import os
import sys

import gradio as gr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import scripted_model  # noqa: E402
from scripted_model import DEFAULT_SYSTEM, MODEL_SIZES  # noqa: E402

# Gradio 5 still defaults to tuples; Gradio 6 only has messages and dropped the argument.
CHATBOT_FORMAT = {"type": "messages"} if gr.__version__.startswith("5.") else {}


def model_chat(query, history, system, radio):
    """Yields ('', history + [user, assistant so far], system), like the Space but in messages form."""
    query = query or ""
    history = [{"role": m["role"], "content": m["content"]} for m in history or []]
    scripted_model.log_request(query, history, system, radio)
    turn = history + [{"role": "user", "content": query}]
    for partial in scripted_model.stream(query, system, radio):
        yield "", turn + [{"role": "assistant", "content": partial}], system


def build():
    with gr.Blocks() as demo:
        radio = gr.Radio(choices=MODEL_SIZES, value=MODEL_SIZES[0], label="Model")
        system = gr.Textbox(value=DEFAULT_SYSTEM, visible=False)
        chatbot = gr.Chatbot(label="qwen", **CHATBOT_FORMAT)
        textbox = gr.Textbox(lines=1, label="Input")
        textbox.submit(model_chat, inputs=[textbox, chatbot, system, radio],
                       outputs=[textbox, chatbot, system], api_name="model_chat")
    return demo


if __name__ == "__main__":
    demo = build()
    demo.queue(default_concurrency_limit=10)
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ["PORT"]), share=False,
                show_error=False, quiet=True)
