"""The chat box: Gradio's ChatInterface, with the user's own words shown as text, and the follow-up memory
kept turn by turn so that Clear, Undo and Retry take it back with the messages.

Imported only by build_app, which imports gradio lazily.
"""

from __future__ import annotations

import html
import re

import gradio as gr

from retrieval.conversation import Memory

from .render import escape

_UNESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>$:/=])")


def question_text(message) -> str:
    return message.get("text", "") if isinstance(message, dict) else str(message or "")


def unescape(shown: str) -> str:
    """The question as typed, from its escaped bubble (render.escape undone)."""
    return html.unescape(_UNESCAPE.sub(r"\1", shown))


def user_turns(history: list | None) -> int:
    return sum(1 for m in history or () if isinstance(m, dict) and m.get("role") == "user")


def turn_memory(history: list | None, past: tuple[Memory, ...] | None) -> tuple[tuple[Memory, ...], Memory]:
    """The memories of the turns still on screen, and the one the next question follows up on.

    One memory is kept per user message; the chat history says how many are left after Clear, Undo or
    Retry, so the memory never remembers a turn the user took back.
    """
    kept = tuple(past or ())[:user_turns(history)]
    return kept, (kept[-1] if kept else Memory())


class ChatBox(gr.ChatInterface):
    """ChatInterface whose user bubbles are escaped, and which adds no bubble for a blank question.

    The user's markdown and HTML (`<img src=x>`, `**bold**`) would otherwise be rendered in their own
    bubble. These override ChatInterface internals of the pinned Gradio (6.31): every path that puts a
    user message in the history (submit, example, option, retry, edit) goes through
    _append_message_to_history, and Undo and Retry read it back through _pop_last_user_message.
    """

    def _append_message_to_history(self, message, history, role="user"):
        if role == "user" and not isinstance(message, list):
            text = question_text(message)
            if not text.strip():
                return list(history)
            message = escape(text)
        return super()._append_message_to_history(message, history, role)

    def _pop_last_user_message(self, history):
        history, message = super()._pop_last_user_message(history)
        return history, unescape(message) if isinstance(message, str) else message
