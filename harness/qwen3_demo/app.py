"""Replica of the Qwen/Qwen3-Demo Space on Gradio 5.27.0 + modelscope_studio 1.2.4, minus DashScope.

The layout is the Space's, from the real modelscope_studio components: ms.Application, an
antdx.Conversations list (its "Delete" antd.Menu.Item), pro.Chatbot, an antdx.Sender (inside an
antdx.Suggestion) whose header holds the settings antd.Form (value {"model", "sys_prompt",
"thinking_budget"}: Form.Items with form_name "model" around an antd.Select of the eight qwen3
models, "thinking_budget" around a slider and a number box in units of 1024 tokens, "sys_prompt"
around a textarea), the "Thinking" switch (a gr.State {"enable_thinking": True} flipped by its own
button's click event, "toggle_thinking"), the conversations' gr.State, the settings header's
gr.State and a gr.BrowserState. Components and events are declared in the Space's order, so the
chat event `add_message` (the Sender's submit) has the Space's fn_index 13 and trigger_id 31 (the
ids a public client pinned for the real Space):
  inputs  [antdxsender, antdform, state (thinking), state (conversations)]
  outputs [antdxsender, antdbutton (clear), antdmenuitem (delete), antdbutton (new conversation),
           antdxconversations, modelscopeprochatbot, state]
Every output is sent as an update ({"__type__": "update", ...}), so the chatbot's streamed edit
paths start with "value" (except the first and last yields' bot_config/user_config, added and
deleted at the top of the update). The assistant message's content is a list of parts: a "tool"
part with the reasoning (title "Thinking...", status "pending", then "End of Thought (0.50s)",
"done"; left out when thinking is off) and a "text" part with harness/scripted_model.py's reply
for (message, sys_prompt, model), triggers included. Requests are logged to $REPLICA_LOG with the
form's model as is, thinking_budget and thinking (true/false). Serves on 127.0.0.1:$PORT.
"""
import os
import sys
import time
import uuid

import gradio as gr
import modelscope_studio.components.antd as antd
import modelscope_studio.components.antdx as antdx
import modelscope_studio.components.base as ms
import modelscope_studio.components.pro as pro

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import scripted_model  # noqa: E402

MODELS = ["qwen3-235b-a22b", "qwen3-32b", "qwen3-30b-a3b", "qwen3-14b", "qwen3-8b", "qwen3-4b",
          "qwen3-1.7b", "qwen3-0.6b"]
MODEL_OPTIONS = [{"label": "Qwen3" + m[len("qwen3"):].upper(), "value": m} for m in MODELS]  # Qwen3-30B-A3B
MODEL_LABELS = {o["value"]: o["label"] for o in MODEL_OPTIONS}
DEFAULT_SYS_PROMPT = "You are a helpful and harmless assistant."
MIN_THINKING_BUDGET = 1
MAX_THINKING_BUDGET = 38
DEFAULT_SETTINGS = {"model": MODELS[0], "sys_prompt": DEFAULT_SYS_PROMPT,
                    "thinking_budget": MAX_THINKING_BUDGET}
THOUGHT_TITLE = "Thinking..."
# Fixed, not measured, so that a capture compares byte for byte.
THOUGHT_DONE_TITLE = "End of Thought (0.50s)"
FOOTER = "1.00s"
SUGGESTIONS = [{"label": "Write", "value": "write", "children": [
    {"label": "A poem", "value": "Write a poem"}, {"label": "A story", "value": "Write a story"}]}]


def reasoning_text(message, sys_prompt):
    return f"Let me think about «{message}». The system prompt is «{sys_prompt}»."


def user_config(disabled_actions=None):
    return {"actions": ["copy", "edit", "delete"], "disabled_actions": disabled_actions}


def bot_config(disabled_actions=None):
    return {"header": "Qwen3", "actions": ["copy", "retry", "edit", "delete"],
            "disabled_actions": disabled_actions}


def text_history(history):
    """The turns as the model would get them: user text, the assistant's text parts (no reasoning)."""
    turns = []
    for item in history:
        if item["role"] == "user":
            turns.append({"role": "user", "content": item["content"]})
        elif item["role"] == "assistant":
            texts = [c["content"] for c in item["content"] if isinstance(c, dict) and c.get("type") == "text"]
            turns.append({"role": "assistant", "content": texts[0] if texts else ""})
    return turns


def toggle_thinking(state_value):
    state_value["enable_thinking"] = not state_value["enable_thinking"]
    return gr.update(value=state_value)


def apply_thinking_change(state_value):
    return gr.update(variant="solid" if state_value["enable_thinking"] else "")


def close_header(state_value):
    state_value["open"] = False
    return gr.update(value=state_value)


def toggle_settings_header(state_value):
    state_value["open"] = not state_value["open"]
    return gr.update(value=state_value)


def apply_prompt(e: gr.EventData):
    return gr.update(value=e._data["payload"][0]["value"]["description"])


def select_suggestion(input_value, e: gr.EventData):
    return gr.update(value=(input_value or "")[:-1] + e._data["payload"][0])


def build():
    with gr.Blocks(fill_width=True) as demo:
        state = gr.State({"conversation_contexts": {}, "conversations": [], "conversation_id": ""})

        with ms.Application(), antdx.XProvider(), ms.AutoLoading():
            with antd.Row(gutter=[20, 20], wrap=False, elem_id="chatbot"):
                # Left column: logo, "New Conversation", the conversations list.
                with antd.Col(md=dict(flex="0 0 260px", span=24, order=0), span=0, order=1):
                    with ms.Div(elem_classes="chatbot-conversations"):
                        with antd.Flex(vertical=True, gap="small"):
                            with antd.Flex(align="center", gap="large"):
                                antd.Icon("MessageOutlined")
                                antd.Typography.Title("Qwen3-Demo", level=1)
                            antd.Divider()
                            antd.Typography.Text("scripted replica")
                            with antd.Button(value=None, color="primary", variant="filled",
                                             block=True) as add_conversation_btn:
                                ms.Text("New Conversation")
                                with ms.Slot("icon"):
                                    antd.Icon("PlusOutlined")
                            with antdx.Conversations() as conversations:
                                with ms.Slot("menu.items"):
                                    with antd.Menu.Item(label="Delete", key="delete",
                                                        danger=True) as conversation_delete_menu_item:
                                        with ms.Slot("icon"):
                                            antd.Icon("DeleteOutlined")
                # Right column: the chatbot, the message box with the settings and the thinking switch.
                with antd.Col(flex=1):
                    with antd.Flex(vertical=True, gap="small"):
                        chatbot = pro.Chatbot(height=600, welcome_config={"title": "Hello, I'm Qwen3"},
                                              user_config=user_config(), bot_config=bot_config())
                        with antdx.Suggestion(items=SUGGESTIONS) as suggestion:
                            with ms.Slot("children"):
                                with antdx.Sender(placeholder='Enter "/" to get suggestions') as sender:
                                    with ms.Slot("header"):
                                        settings_header_state = gr.State({"open": True})
                                        with antdx.Sender.Header(title="Settings", open=True) as settings_header:
                                            with antd.Form(value=DEFAULT_SETTINGS) as settings_form:
                                                with antd.Form.Item(form_name="model", label="Chat Model"):
                                                    with antd.Select(options=MODEL_OPTIONS):
                                                        with ms.Slot("labelRender",
                                                                     params_mapping="(option) => ({ label: option.label })"):
                                                            antd.Typography.Text(as_item="label")
                                                with antd.Form.Item(form_name="thinking_budget",
                                                                    label="Thinking Budget"):
                                                    antd.Slider(min=MIN_THINKING_BUDGET, max=MAX_THINKING_BUDGET,
                                                                tooltip=dict(formatter="(v) => `${v}k`"))
                                                    antd.InputNumber(min=MIN_THINKING_BUDGET,
                                                                     max=MAX_THINKING_BUDGET, addon_after="k")
                                                with antd.Form.Item(form_name="sys_prompt", label="System Prompt"):
                                                    antd.Input.Textarea(auto_size=dict(minRows=3, maxRows=6))
                                        # The Space's SettingsHeader registers its events where it is built.
                                        settings_header_state.change(
                                            fn=lambda value: gr.update(open=value["open"]),
                                            inputs=[settings_header_state], outputs=[settings_header])
                                        settings_header.open_change(fn=close_header, inputs=[settings_header_state],
                                                                    outputs=[settings_header_state])
                                    with ms.Slot("prefix"):
                                        with antd.Flex(gap=4, wrap=True):
                                            with antd.Button(value=None, type="text") as setting_btn:
                                                with ms.Slot("icon"):
                                                    antd.Icon("SettingOutlined")
                                            with antd.Button(value=None, type="text") as clear_btn:
                                                with ms.Slot("icon"):
                                                    antd.Icon("ClearOutlined")
                                            # The Space's ThinkingButton: its State, its button, its two events.
                                            thinking_state = gr.State({"enable_thinking": True})
                                            with antd.Button("Thinking", shape="round", color="primary",
                                                             variant="solid") as thinking_btn:
                                                with ms.Slot("icon"):
                                                    antd.Icon("SunOutlined")
                                            thinking_state.change(fn=apply_thinking_change, inputs=[thinking_state],
                                                                  outputs=[thinking_btn])
                                            thinking_btn.click(fn=toggle_thinking, inputs=[thinking_state],
                                                               outputs=[thinking_state])

        def conversation(state_value):
            return state_value["conversation_contexts"][state_value["conversation_id"]]

        def preprocess_submit(state_value):
            items = [{**item, "disabled": item["key"] != state_value["conversation_id"]}
                     for item in state_value["conversations"]]
            return {
                sender: gr.update(value=None, loading=True),
                clear_btn: gr.update(disabled=True),
                conversation_delete_menu_item: gr.update(disabled=True),
                add_conversation_btn: gr.update(disabled=True),
                conversations: gr.update(active_key=state_value["conversation_id"], items=items),
                chatbot: gr.update(value=conversation(state_value)["history"],
                                   bot_config=bot_config(disabled_actions=["edit", "retry", "delete"]),
                                   user_config=user_config(disabled_actions=["edit", "delete"])),
                state: gr.update(value=state_value),
            }

        def postprocess_submit(state_value):
            return {
                sender: gr.update(loading=False),
                conversation_delete_menu_item: gr.update(disabled=False),
                clear_btn: gr.update(disabled=False),
                conversations: gr.update(items=state_value["conversations"]),
                add_conversation_btn: gr.update(disabled=False),
                chatbot: gr.update(value=conversation(state_value)["history"],
                                   bot_config=bot_config(), user_config=user_config()),
                state: gr.update(value=state_value),
            }

        def submit(state_value):
            context = conversation(state_value)
            history, settings = context["history"], context["settings"] or {}
            model = settings.get("model")
            sys_prompt = settings.get("sys_prompt", "")
            message = history[-1]["content"]
            scripted_model.log_request(message, text_history(history[:-1]), sys_prompt, None,
                                       model=model, thinking_budget=settings.get("thinking_budget"),
                                       thinking=context["enable_thinking"])
            history.append({"role": "assistant", "content": [], "key": str(uuid.uuid4()),
                            "header": MODEL_LABELS.get(model), "loading": True, "status": "pending"})
            yield {chatbot: gr.update(value=history), state: gr.update(value=state_value)}
            delay = float(os.environ.get("REPLICA_TOKEN_DELAY", "0.01"))
            try:
                contents = []
                if context["enable_thinking"]:
                    tool = {"type": "tool", "content": "", "copyable": False, "editable": False,
                            "options": {"title": THOUGHT_TITLE, "status": "pending"}}
                    contents.append(tool)
                    for token in scripted_model._tokens(reasoning_text(message, sys_prompt)):
                        if delay:
                            time.sleep(delay)
                        tool["content"] += token
                        history[-1]["content"] = contents
                        history[-1]["loading"] = False
                        yield {chatbot: gr.update(value=history), state: gr.update(value=state_value)}
                text = None
                for partial in scripted_model.stream_as(message, sys_prompt, model):
                    if text is None:
                        if contents:
                            contents[0]["options"]["title"] = THOUGHT_DONE_TITLE
                            contents[0]["options"]["status"] = "done"
                        text = {"type": "text", "content": ""}
                        contents.append(text)
                    text["content"] = partial
                    history[-1]["content"] = contents
                    history[-1]["loading"] = False
                    yield {chatbot: gr.update(value=history), state: gr.update(value=state_value)}
                history[-1]["status"] = "done"
                history[-1]["footer"] = FOOTER
                yield {chatbot: gr.update(value=history), state: gr.update(value=state_value)}
            except Exception as e:
                history[-1]["loading"] = False
                history[-1]["status"] = "done"
                history[-1]["content"] += [{"type": "text",
                                            "content": f'<span style="color: var(--color-red-500)">{e}</span>'}]
                yield {chatbot: gr.update(value=history), state: gr.update(value=state_value)}
                raise

        def add_message(input_value, settings_form_value, thinking_btn_state_value, state_value):
            if not state_value["conversation_id"]:
                conversation_id = str(uuid.uuid4())
                state_value["conversation_id"] = conversation_id
                state_value["conversation_contexts"][conversation_id] = {"history": []}
                state_value["conversations"].append({"label": input_value, "key": conversation_id})
            history = conversation(state_value)["history"]
            state_value["conversation_contexts"][state_value["conversation_id"]] = {
                "history": history,
                "settings": settings_form_value,
                "enable_thinking": thinking_btn_state_value["enable_thinking"],
            }
            history.append({"role": "user", "content": input_value, "key": str(uuid.uuid4())})
            yield preprocess_submit(state_value)
            try:
                yield from submit(state_value)
            finally:
                yield postprocess_submit(state_value)

        def cancel(state_value):
            history = conversation(state_value)["history"]
            history[-1]["loading"] = False
            history[-1]["status"] = "done"
            history[-1]["footer"] = "Chat completion paused"
            return postprocess_submit(state_value)

        def new_chat(thinking_btn_state_value, state_value):
            if not state_value["conversation_id"]:
                return gr.skip()
            state_value["conversation_id"] = ""
            thinking_btn_state_value["enable_thinking"] = True
            return (gr.update(active_key=""), gr.update(value=None), gr.update(value=DEFAULT_SETTINGS),
                    gr.update(value=thinking_btn_state_value), gr.update(value=state_value))

        def select_conversation(thinking_btn_state_value, state_value, e: gr.EventData):
            active_key = e._data["payload"][0]
            if state_value["conversation_id"] == active_key or active_key not in state_value["conversation_contexts"]:
                return gr.skip()
            state_value["conversation_id"] = active_key
            context = state_value["conversation_contexts"][active_key]
            thinking_btn_state_value["enable_thinking"] = context["enable_thinking"]
            return (gr.update(active_key=active_key), gr.update(value=context["history"]),
                    gr.update(value=context["settings"]), gr.update(value=thinking_btn_state_value),
                    gr.update(value=state_value))

        def clear_conversation_history(state_value):
            if not state_value["conversation_id"]:
                return gr.skip()
            conversation(state_value)["history"] = []
            return gr.update(value=None), gr.update(value=state_value)

        def delete_message(state_value, e: gr.EventData):
            index = e._data["payload"][0]["index"]
            context = conversation(state_value)
            context["history"] = context["history"][:index] + context["history"][index + 1:]
            return gr.update(value=state_value)

        def edit_message(state_value, chatbot_value, e: gr.EventData):
            index = e._data["payload"][0]["index"]
            conversation(state_value)["history"][index]["content"] = chatbot_value[index]["content"]
            return gr.update(value=state_value)

        def regenerate_message(settings_form_value, thinking_btn_state_value, state_value, e: gr.EventData):
            index = e._data["payload"][0]["index"]
            context = conversation(state_value)
            state_value["conversation_contexts"][state_value["conversation_id"]] = {
                "history": context["history"][:index],
                "settings": settings_form_value,
                "enable_thinking": thinking_btn_state_value["enable_thinking"],
            }
            yield preprocess_submit(state_value)
            try:
                yield from submit(state_value)
            finally:
                yield postprocess_submit(state_value)

        def click_conversation_menu(state_value, e: gr.EventData):
            conversation_id = e._data["payload"][0]["key"]
            if e._data["payload"][1]["key"] != "delete":
                return gr.skip()
            del state_value["conversation_contexts"][conversation_id]
            state_value["conversations"] = [c for c in state_value["conversations"] if c["key"] != conversation_id]
            if state_value["conversation_id"] == conversation_id:
                state_value["conversation_id"] = ""
                return (gr.update(items=state_value["conversations"], active_key=""), gr.update(value=None),
                        gr.update(value=state_value))
            return gr.update(items=state_value["conversations"]), gr.skip(), gr.update(value=state_value)

        def update_browser_state(state_value):
            return gr.update(value=dict(conversations=state_value["conversations"],
                                        conversation_contexts=state_value["conversation_contexts"]))

        def apply_browser_state(browser_state_value, state_value):
            state_value["conversations"] = browser_state_value["conversations"]
            state_value["conversation_contexts"] = browser_state_value["conversation_contexts"]
            return gr.update(items=browser_state_value["conversations"]), gr.update(value=state_value)

        # The events in the Space's order, so that add_message gets its fn_index 13 (the two
        # SettingsHeader and two ThinkingButton events above are 0 to 3).
        browser_state = gr.BrowserState({"conversation_contexts": {}, "conversations": []},
                                        storage_key="qwen3_demo_replica_storage")
        state.change(fn=update_browser_state, inputs=[state], outputs=[browser_state])
        demo.load(fn=apply_browser_state, inputs=[browser_state, state], outputs=[conversations, state])

        add_conversation_btn.click(fn=new_chat, inputs=[thinking_state, state],
                                   outputs=[conversations, chatbot, settings_form, thinking_state, state])
        conversations.active_change(fn=select_conversation, inputs=[thinking_state, state],
                                    outputs=[conversations, chatbot, settings_form, thinking_state, state])
        conversations.menu_click(fn=click_conversation_menu, inputs=[state],
                                 outputs=[conversations, chatbot, state])
        chatbot.welcome_prompt_select(fn=apply_prompt, outputs=[sender])
        chatbot.delete(fn=delete_message, inputs=[state], outputs=[state])
        chatbot.edit(fn=edit_message, inputs=[state, chatbot], outputs=[state])
        outputs = [sender, clear_btn, conversation_delete_menu_item, add_conversation_btn, conversations,
                   chatbot, state]
        regenerating_event = chatbot.retry(fn=regenerate_message, inputs=[settings_form, thinking_state, state],
                                           outputs=outputs)
        submit_event = sender.submit(fn=add_message, inputs=[sender, settings_form, thinking_state, state],
                                     outputs=outputs, api_name="add_message")
        sender.cancel(fn=cancel, inputs=[state], outputs=outputs, cancels=[submit_event, regenerating_event],
                      queue=False)
        setting_btn.click(fn=toggle_settings_header, inputs=[settings_header_state], outputs=[settings_header_state])
        clear_btn.click(fn=clear_conversation_history, inputs=[state], outputs=[chatbot, state])
        suggestion.select(fn=select_suggestion, inputs=[sender], outputs=[sender])
    return demo


if __name__ == "__main__":
    build().queue(default_concurrency_limit=100, max_size=100).launch(
        server_name="127.0.0.1", server_port=int(os.environ["PORT"]), ssr_mode=False, show_api=True)
