"""Replica of the Qwen/Qwen2.5 Space on Gradio 4.44.1 + modelscope_studio 0.5.2, minus DashScope.

Components and events are declared in the Space's order so that Gradio assigns the same ids as the
reference capture (wire-gradio-4.44.1/config.json: model_chat is fn_index 3, trigger_id 25). The model
is harness/scripted_model.py. Serves on 127.0.0.1:$PORT.
"""
import os
import sys

import gradio as gr
import modelscope_studio as mgr

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import scripted_model  # noqa: E402
from scripted_model import CODER_SIZES, DEFAULT_SYSTEM, MATH_SIZES, MODEL_SIZES  # noqa: E402


def clear_session():
    return "", []


def modify_system_session(system):
    if not system:
        system = DEFAULT_SYSTEM
    return system, system, []


def model_chat(query, history, system, radio):
    """The Space's chat handler: yields ('', history + [[query, reply so far]], system)."""
    query = query or ""
    # mgr.Chatbot hands over MultimodalMessage pairs; the Space only reads their .text.
    pairs = [[h[0].text, h[1].text] for h in history or []]
    scripted_model.log_request(query, pairs, system, radio)
    for partial in scripted_model.stream(query, system, radio):
        yield "", pairs + [[query, partial]], system


def chiose_radio(radio, system):
    mark = gr.Markdown(value=f"<center><font size=8>Qwen2.5-{radio}-instruct</center>")
    chatbot = mgr.Chatbot(label=f"{radio.lower()}")
    if not system:
        system = DEFAULT_SYSTEM
    return mark, chatbot, system, system, ""


def update_other_radios(value, other_radio1, other_radio2):
    if value == "":
        selected = other_radio1 if other_radio1 != "" else other_radio2
        return selected, other_radio1, other_radio2
    return value, "", ""


def build():
    with gr.Blocks() as demo:
        gr.Markdown("<center><font size=8>Qwen2.5: A Party of Foundation Models!</center>")
        with gr.Row():
            with gr.Row():
                radio1 = gr.Radio(choices=MODEL_SIZES, label="Qwen2.5", value=MODEL_SIZES[0])
            with gr.Row():
                radio2 = gr.Radio(choices=MATH_SIZES, label="Qwen2.5-Math")
            with gr.Row():
                radio3 = gr.Radio(choices=CODER_SIZES, label="Qwen2.5-Coder")
        radio = gr.Radio(value=MODEL_SIZES[0], visible=False)
        radio1.change(update_other_radios, inputs=[radio1, radio2, radio3], outputs=[radio, radio2, radio3])
        radio2.change(update_other_radios, inputs=[radio2, radio1, radio3], outputs=[radio, radio1, radio3])
        radio3.change(update_other_radios, inputs=[radio3, radio1, radio2], outputs=[radio, radio1, radio2])

        with gr.Row():
            with gr.Accordion():
                mark = gr.Markdown("<center><font size=8>Qwen2.5-72B-instruct</center>")
                with gr.Row():
                    with gr.Column(scale=3):
                        system_input = gr.Textbox(value=DEFAULT_SYSTEM, lines=1, label="System")
                    with gr.Column(scale=1):
                        modify_system = gr.Button("Set system prompt and clear history", scale=2)
                    system_state = gr.Textbox(value=DEFAULT_SYSTEM, visible=False)
                chatbot = mgr.Chatbot(label=MODEL_SIZES[0].lower())
                textbox = gr.Textbox(lines=1, label="Input")
                with gr.Row():
                    clear_history = gr.Button("Clear history")
                    send = gr.Button("Send")

                textbox.submit(model_chat, inputs=[textbox, chatbot, system_state, radio],
                               outputs=[textbox, chatbot, system_input])
                send.click(model_chat, inputs=[textbox, chatbot, system_state, radio],
                           outputs=[textbox, chatbot, system_input])
                clear_history.click(clear_session, inputs=[], outputs=[textbox, chatbot])
                modify_system.click(modify_system_session, inputs=[system_input],
                                    outputs=[system_state, system_input, chatbot])

        radio.change(chiose_radio, inputs=[radio, system_input],
                     outputs=[mark, chatbot, system_state, system_input, textbox])
    return demo


if __name__ == "__main__":
    demo = build()
    demo.queue(api_open=False, default_concurrency_limit=40)
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ["PORT"]), max_threads=5,
                share=False, show_error=False, show_api=True, quiet=True,
                # REPLICA_AUTH=user:password (scripts/harness start --auth): Gradio's login.
                auth=tuple(os.environ["REPLICA_AUTH"].split(":", 1)) if os.environ.get("REPLICA_AUTH") else None)
