print("qwen-chat")
