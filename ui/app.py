"""The chat page: build_app(engine) returns the Blocks, launch() serves it. Handlers are plain functions."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from pypinyin import lazy_pinyin
from starlette.middleware import Middleware

from retrieval.conversation import Memory, respond
from retrieval.engine import Engine, SpeakerInfo
from retrieval.errors import WhosaidError
from retrieval.settings import MAX_QUESTION_CHARS
from retrieval.text.names import surname

from .exposure import AllowedHosts, BodyCap, HostCheck, LoginThrottle
from .guard import RequestGuard, SessionCheck
from .render import answer_messages, document_html, escape, paragraph_of
from .scripts import NOT_WHEN_SELECTING, SHOW_MARK, SHOW_NEWEST
from .uploads import UPLOAD_PATHS, UploadGate, UploadSpool

ALL = ""  # the speaker filter's value for "everyone"
EMPTY_HINT = "请先输入一个问题，例如“某某说了什么？” · Type a question first, e.g. “What did … say?”"
CSS = """
.whosaid-doc { line-height: 1.7; }
.whosaid-doc mark, .message mark { background: #ffe58a; color: #1a1a1a; padding: 0 2px; }  /* dark text: readable in dark mode too */
/* Gradio dims the body of a titled message (our passages) to 0.8 twice over: the quoted words are the
   answer, not an aside, and dimmed they fall to ~4.5:1 in light mode. */
#chat .message-content, #chat .message-content .md { opacity: 1 !important; }
/* A passage's document, paragraph and relevance: Gradio's grey (~1.9:1 on white) is too faint for what a
   reader checks before quoting. */
#chat .thought-group .duration { color: var(--body-text-color) !important; opacity: 1 !important; }
/* A passage header in two lines: number, name, title and role, then document, paragraph and relevance
   (side by side they made three columns of wrapped text at 1366 px and a 75 px column on a phone). */
#chat .thought-group .title { flex-wrap: wrap !important; }
#chat .thought-group .title > :not(.arrow):not(.duration) { flex: 1 1 0; min-width: 0; }
#chat .thought-group .duration { flex-basis: 100%; margin-left: var(--size-8) !important; }
#chat .whosaid-role { white-space: nowrap; }
#chat .thought-group .title .md { font-size: var(--text-md) !important; }  /* who, before where */
/* the quoted words at the chat's own size, not Gradio's small print for "thoughts" */
#chat .thought-group .content, #chat .thought-group .content * { font-size: var(--text-md) !important; }
#chat a[href="#whosaid-open"] { font-size: var(--text-sm) !important; white-space: nowrap; }
/* Only passages open something when clicked. */
#chat [data-testid="user"], #chat [data-testid="bot"]:not(:has(.thought-group)) { cursor: auto !important; }
/* The follow-up chips stay at the foot of the chat while the answer above them is read from its top. */
#chat .options { position: sticky; bottom: 0; z-index: 2; display: flex !important; flex-wrap: wrap;
  align-items: center; gap: var(--spacing-md); max-width: none; margin: 0; justify-content: flex-start;
  background: var(--block-background-fill); padding: var(--spacing-md) var(--spacing-lg);
  border-top: 1px solid var(--border-color-primary); }
#chat .options::before { content: "继续追问 · Follow up："; color: var(--body-text-color); }
#chat .options .option { padding: var(--spacing-sm) var(--spacing-lg); width: auto; max-width: 100%; }
/* Gradio's "scroll down" arrow sat on the chips; the chat places the newest answer itself. */
#chat .scroll-down-button-container { display: none; }
/* The source: a drawer over the page's right side, the whole screen on a phone. */
#source-panel { position: fixed !important; top: 0; right: 0; bottom: 0; width: min(720px, 100vw);
  z-index: 1000; overflow-y: auto; background: var(--background-fill-primary);
  box-shadow: -4px 0 24px rgba(0, 0, 0, 0.3); padding: 0 var(--spacing-xl) var(--spacing-xl);
  flex-wrap: nowrap !important; }
#source-panel > .row { position: sticky; top: 0; z-index: 1; background: var(--background-fill-primary);
  padding-top: var(--spacing-lg); }  /* Close stays in reach while the document scrolls */
.whosaid-marked { border-left: 4px solid #f0b400; padding-left: 8px; }
#jump-speakers { display: none; }
#documents-list, #documents-status { overflow-wrap: anywhere; }  /* a folder's path fits a phone */
@media (max-width: 640px) {
  #main-row { flex-wrap: wrap !important; }
  .whosaid-main { order: 1; min-width: 100% !important; }
  .whosaid-side { order: 2; min-width: 100% !important; }
  #jump-speakers { display: block; }
  /* the passages use the phone's width: Gradio's bubble margins and indents left the header 190 px */
  #chat .message-row.bubble { margin: var(--spacing-md) !important; max-width: calc(100% - 2 * var(--spacing-md)) !important; }
  #chat .thought-group { padding: var(--spacing-sm) !important; }
  #chat .thought-group .content { margin-left: 0 !important; }
  #chat .thought-group .duration { margin-left: 0 !important; }
  #chat .message.bot { padding: var(--spacing-md) !important; }
  #chat .thought-group .arrow { width: var(--size-5) !important; }
}
"""


@dataclass(frozen=True)
class Limits:
    concurrency: int = max(1, os.cpu_count() or 1)
    queue_size: int = 64
    max_file_size: int | str = "1mb"    # per uploaded file; serving sets it to Settings.max_file_bytes
    passages: int = 3                   # per answer; "more from this speaker" shows the next ones
    uploads: bool = True                # the documents panel; False: upload routes answer 403, write nothing
    upload_body: int = 0                # bytes of one upload from the page (serving sizes it from Settings)
    max_body: int = 1_000_000           # bytes of any request body (uploads, when on, have their own limit)
    login_attempts: int = 5             # failed logins one address may make per window before 429
    login_window_s: float = 60.0


def speaker_label(info: SpeakerInfo) -> str:
    s = info.speaker
    parts = [s.name, s.title or ""]
    if s.section_title:
        parts.append(f"《{s.section_title}》" if not s.section_title.startswith("《") else s.section_title)
    parts.append(f"{info.paragraphs}段 paragraphs")
    return " · ".join(p for p in parts if p)


def speaker_choices(infos: list[SpeakerInfo]) -> list[tuple[str, str]]:
    """The speaker filter's choices for these speakers (engine.speakers() of the index as it is now)."""
    return [("全部发言人 · All speakers", ALL)] + [(speaker_label(i), i.speaker.name) for i in infos]


def example_questions(infos: list[SpeakerInfo]) -> list[str]:
    """Questions that work on whatever is indexed, made from the speakers themselves."""
    people = [i.speaker for i in infos]
    if not people:
        return ["谁说了什么？"]
    first, second = people[0], people[min(1, len(people) - 1)]
    last = people[-1]
    out = [f"{first.name}的主要观点是什么？"]
    if second.section_title:
        out.append(f"谁谈到了{second.section_title.strip('《》')}？")
    syllables = lazy_pinyin(last.name)
    if len(syllables) >= 2:
        cut = len(surname(last.name))
        out.append(f"What did {''.join(syllables[:cut]).title()} {''.join(syllables[cut:]).title()} say?")
    out.append("他还说了什么？")
    return out


def chat(engine: Engine, message, history: list, speaker: str | None, memory: Memory | None,
         examples: list[str], k: int = Limits.passages) -> tuple[list[dict], Memory, list[tuple[str, str]]]:
    """One chat turn: the reply messages, the new memory, and the passages the source view can open."""
    memory = memory or Memory()
    text = message.get("text", "") if isinstance(message, dict) else str(message or "")
    if not text.strip():
        return [{"role": "assistant", "content": EMPTY_HINT}], memory, []
    if len(text) > MAX_QUESTION_CHARS:
        reply = (f"问题太长了（{len(text)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内。"
                 f" · The question is {len(text)} characters long; the limit is {MAX_QUESTION_CHARS}.")
        return [{"role": "assistant", "content": reply}], memory, []
    try:
        turn = respond(engine, text, memory, speaker=speaker or None, k=k)
    except WhosaidError as exc:
        return [{"role": "assistant", "content": escape(str(exc))}], memory, []
    sources = [(f"{p.rank}. {p.speaker or ''} · {p.paragraph.doc} ¶{p.paragraph.number}",
                f"{p.paragraph.doc}\x1f{p.paragraph.number}") for p in turn.answer.passages]
    return answer_messages(turn.answer, examples), turn.memory, sources


def message_is_blank(message) -> bool:
    return not (message.get("text", "") if isinstance(message, dict) else str(message or "")).strip()


def source_view(engine: Engine, choice: str | None) -> str:
    if not choice or "\x1f" not in choice:
        return "<p>在回答中选择一段，即可查看它在原文中的位置。 · Pick a passage to see it in its document.</p>"
    doc, number = choice.split("\x1f", 1)
    try:
        return document_html(engine.document(doc), int(number), engine.document_meta(doc))
    except (WhosaidError, ValueError) as exc:
        return f"<p>{escape(str(exc))}</p>"


def open_source(engine: Engine, history, index) -> str | None:
    """The document of the passage clicked in the chat, that paragraph marked; None when the message
    clicked is no passage (the question, the headline, a hint)."""
    if not isinstance(history, list) or not isinstance(index, int) or not 0 <= index < len(history):
        return None
    message = history[index]
    meta = message.get("metadata") if isinstance(message, dict) else None
    found = paragraph_of(meta.get("id") if isinstance(meta, dict) else None)
    if found is None:
        return None
    doc, number = found
    # A new value at every opening, so that the page scrolls to the mark again when the same passage is
    # opened twice (an unchanged value re-renders nothing).
    return f'<div data-opened="{time.monotonic_ns()}">' + source_view(engine, f"{doc}\x1f{number}") + "</div>"


def filter_note(speaker: str | None) -> str:
    if not speaker:
        return "当前：全部发言人 · Showing: all speakers"
    return f"当前只看：**{escape(speaker)}** · Filter: {escape(speaker)}（点“清除”取消 · Clear to remove）"


def build_app(engine: Engine, limits: Limits = Limits()):
    import gradio as gr

    from .chatbox import ChatBox, turn_memory
    from .library_panel import documents_panel

    infos = engine.speakers()
    examples = example_questions(infos)
    choices = speaker_choices(infos)

    # delete_cache: files uploaded to the page and never added (a closed tab, a script) leave after an hour
    with gr.Blocks(title="whosaid · 谁说的", delete_cache=(600, 3600)) as app:
        gr.Markdown("## whosaid · 谁说的\n用中文或英文提问，查看是谁说的、原话是什么。"
                    " · Ask in Chinese or English who said what in the documents.")
        # On a phone the speaker list comes after the chat; this link (phones only, CSS) reaches it.
        gr.Markdown("[发言人 · Speakers ↓](#speakers)", elem_id="jump-speakers")
        memory = gr.State(())  # one Memory per user message on screen (see chatbox.turn_memory)
        with gr.Row(equal_height=False, elem_id="main-row"):
            with gr.Column(scale=1, min_width=260, elem_classes=["whosaid-side"]):
                speaker = gr.Radio(choices=choices, value=ALL, label="发言人 · Speakers", elem_id="speakers")
                note = gr.Markdown(filter_note(None), elem_id="filter-note")
                clear = gr.Button("清除筛选 · Clear filter", size="sm", elem_id="clear-filter")
            with gr.Column(scale=3, min_width=300, elem_classes=["whosaid-main"]):
                sources = gr.Dropdown(choices=[], label="本次回答的段落 · Passages of this answer",
                                      interactive=True, elem_id="source-pick", render=False)
                chatbot = gr.Chatbot(
                    height=560, label="whosaid", show_label=False, elem_id="chat", latex_delimiters=[], sanitize_html=True,
                    placeholder="例如 · e.g. " + escape(examples[0]), autoscroll=False,
                )
                def turn(message, history, who, past):
                    kept, current = turn_memory(history, past)
                    messages, new_memory, picks = chat(engine, message, history, who, current, examples,
                                                       limits.passages)
                    if message_is_blank(message):  # no user bubble was added, so no turn to remember
                        return messages, kept, gr.Dropdown(choices=[], value=None)
                    return messages, kept + (new_memory,), gr.Dropdown(choices=picks, value=None)

                # No max_length on the textbox: the browser would cut a pasted question silently; the
                # handler says in both languages that it is too long, and the body cap bounds the request.
                ChatBox(
                    fn=turn,
                    chatbot=chatbot,
                    textbox=gr.Textbox(placeholder="问一个问题 · Ask a question", elem_id="question",
                                       submit_btn=True),
                    additional_inputs=[speaker, memory],
                    additional_outputs=[memory, sources],
                    examples=[[q, None, None] for q in examples],
                    api_name="chat",
                    concurrency_limit=limits.concurrency,
                    fill_height=False,
                )
        # A passage clicked in the chat opens here, its paragraph marked and scrolled to.
        with gr.Column(visible=False, elem_id="source-panel") as panel:
            with gr.Row(equal_height=True):
                gr.Markdown("### 原文 · Source")
                close = gr.Button("✕ 关闭 · Close", size="sm", scale=0, min_width=120, elem_id="source-close")
            sources.render()
            document = gr.HTML(source_view(engine, None), elem_id="source-doc", js_on_load=SHOW_MARK)
        if limits.uploads:  # the page follows the index: speakers and examples change with its documents
            documents_panel(engine, speaker, chatbot, speaker_choices, example_questions)
        # ChatInterface takes back the messages; these take back what the follow-ups remember.
        chatbot.clear(lambda: (), None, memory, api_visibility="undocumented", queue=False)
        chatbot.undo(lambda past: tuple(past or ())[:-1], memory, memory, api_visibility="undocumented",
                     queue=False)
        chatbot.change(None, None, None, js=SHOW_NEWEST, api_visibility="undocumented", queue=False)

        def opened(history, evt):
            page = open_source(engine, history, evt.index)
            return (gr.skip(), gr.skip()) if page is None else (page, gr.Column(visible=True))

        # Gradio passes the click's SelectData to the argument annotated so; set as an object because this
        # module's annotations are strings and `gr` (imported lazily) is not among its globals.
        opened.__annotations__["evt"] = gr.SelectData

        chatbot.select(opened, chatbot, [document, panel], js=NOT_WHEN_SELECTING,
                       api_visibility="undocumented", queue=False)
        close.click(lambda: gr.Column(visible=False), None, panel, api_visibility="undocumented", queue=False)
        speaker.change(filter_note, speaker, note, api_visibility="undocumented", queue=False)
        clear.click(lambda: (ALL, filter_note(None)), None, [speaker, note], api_visibility="undocumented",
                    queue=False)
        sources.change(lambda c: source_view(engine, c), sources, document, api_name="source")
    # api_open=False: a direct POST to /run/chat would skip the queue, and with it the concurrency and
    # size limits; Gradio answers it 404 with the reason, and the page and gradio_client use the queue.
    app.queue(default_concurrency_limit=limits.concurrency, max_size=limits.queue_size, api_open=False)
    return app


def auth_from_env() -> list[tuple[str, str]] | None:
    user, password = os.environ.get("WHOSAID_USER"), os.environ.get("WHOSAID_PASSWORD")
    return [(user, password)] if user and password else None


def middleware(hosts: AllowedHosts, limits: Limits, own_limits: dict[str, int] | None = None,
               spool: UploadSpool | None = None) -> list[Middleware]:
    """Outermost first: a wrong Host or an upload is refused before anything is read, a big body before
    Gradio parses it; the guard turns what Gradio fails on into 4xx and keeps overload a 503.
    `own_limits`: body limits of routes that take more (the API's upload route); `spool`: the folder the
    page's uploads go to (without it, uploads are refused)."""
    return [
        Middleware(HostCheck, hosts=hosts),
        Middleware(UploadGate, enabled=limits.uploads, limit=limits.upload_body, spool=spool),
        Middleware(BodyCap, limit=limits.max_body, exempt=tuple(UPLOAD_PATHS) if limits.uploads else (),
                   own=own_limits),
        Middleware(LoginThrottle, attempts=limits.login_attempts, window=limits.login_window_s),
        Middleware(RequestGuard),
        Middleware(SessionCheck),
    ]


def launch(app, host: str = "127.0.0.1", port: int = 7860, share: bool = False, block: bool = True,
           limits: Limits = Limits(), spool: UploadSpool | None = None):
    hosts = AllowedHosts(host)
    result = app.launch(
        server_name=host, server_port=port, share=share, auth=auth_from_env(), prevent_thread_lock=True,
        max_file_size=limits.max_file_size, enable_monitoring=False, allowed_paths=[], show_error=False,
        # quiet: Gradio's hints name launch() arguments and GRADIO_SERVER_PORT, which mean nothing to a
        # user of `whosaid serve`; the CLI prints its own line, and the share link is printed here.
        css=CSS, quiet=True, footer_links=[], app_kwargs={"middleware": middleware(hosts, limits, spool=spool)},
    )
    if spool is not None:
        spool.adopt(app.server_app)
    if share and app.share_url:  # the tunnel forwards the share link's own Host
        hosts.add(urlparse(app.share_url).netloc)
        print(f"whosaid: share link {app.share_url} (public while this runs)", file=sys.stderr, flush=True)
    if block:
        app.block_thread()
    return result
