"""A Qwen-like chat app on a stock messages-format gr.Chatbot, for Gradio 5.50 and 6.31.

It has the Space's model_chat signature (query, history, system, radio) but none of modelscope_studio,
so the client can be tested against the /gradio_api prefix and the messages wire format. It is the
`/qwen` app of harness/shapes/app.py, served alone at the root. The model is
harness/scripted_model.py. Serves on 127.0.0.1:$PORT.
"""
import importlib.util
import os

_SHAPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "shapes", "app.py")
_spec = importlib.util.spec_from_file_location("shapes_app", _SHAPES)
shapes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shapes)

if __name__ == "__main__":
    demo = shapes.qwen_app()
    demo.queue(default_concurrency_limit=10)
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ["PORT"]), share=False,
                show_error=False, quiet=True,
                # REPLICA_AUTH=user:password (scripts/harness start --auth): Gradio's login.
                auth=tuple(os.environ["REPLICA_AUTH"].split(":", 1)) if os.environ.get("REPLICA_AUTH") else None)
