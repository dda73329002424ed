"""How people reach the answering room: the ``planqa`` CLI, the web chat and the OpenAI-compatible
API. Thin: each imports ``assistant.answering`` (the CLI also runs the evaluation commands).
"""
