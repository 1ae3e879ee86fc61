"""The chat page: build_app(engine) -> Gradio Blocks; handlers are plain functions over the Engine."""
