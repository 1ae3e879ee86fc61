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
from .listing import Follower, Listing
from .quotes import QuotesView, downloads_root, gone_note
from .render import answer_messages, document_html, escape, paragraph_of
from .scripts import NOT_WHEN_SELECTING, SHOW_MARK, SHOW_NEWEST
from .styles import CSS
from .uploads import UPLOAD_PATHS, UploadGate, UploadSpool

ALL = ""  # the speaker filter's value for "everyone"
EMPTY_HINT = "请先输入一个问题，例如“某某说了什么？” · Type a question first, e.g. “What did … say?”"


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
    if speaker and not engine.resolve_speaker(speaker):  # the index changed under the page's filter
        return [{"role": "assistant", "content": escape(gone_note(speaker))}], memory, []
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


FOLLOW_EVERY_S = 5  # how often the page asks whether the index changed (one small file read a tick)


def build_app(engine: Engine, limits: Limits = Limits()):
    import gradio as gr

    from .chatbox import ChatBox, turn_memory
    from .copying import copy_hook
    from .library_panel import documents_panel

    follower = Follower(engine)
    listing = follower.current()
    examples = example_questions(list(listing.speakers))
    choices = speaker_choices(listing.speakers)
    quotes = QuotesView(engine, follower)

    # delete_cache: files uploaded to the page and never added (a closed tab, a script) leave after an hour
    with gr.Blocks(title="whosaid · 谁说的", delete_cache=(600, 3600)) as app:
        copy_hook()
        gr.Markdown("## whosaid · 谁说的\n用中文或英文提问，查看是谁说的、原话是什么。"
                    " · Ask in Chinese or English who said what in the documents.")
        # On a phone the speaker list comes after the chat; this link (phones only, CSS) reaches it.
        gr.Markdown("[发言人 · Speakers ↓](#speakers)", elem_id="jump-speakers")
        memory = gr.State(())  # one Memory per user message on screen (see chatbox.turn_memory)
        with gr.Tabs(elem_id="views"):
            with gr.Tab("对话 · Chat", id="chat-tab"), gr.Row(equal_height=False, elem_id="main-row"):
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
                        live = example_questions(list(follower.current().speakers))
                        messages, new_memory, picks = chat(engine, message, history, who, current, live,
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
            with gr.Tab("言论 · Quotes", id="quotes-tab", elem_id="quotes-view") as quotes_tab:
                quotes.build()
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
        seen = gr.State(listing.generation)
        filters = [speaker, quotes.speaker, quotes.doc, quotes.own, quotes.search]
        outputs = [seen, speaker, chatbot, quotes.speaker, quotes.doc, *quotes.outputs]

        def follow(generation, who, *quote_filters):
            return follow_index(follower, quotes, generation, who, *quote_filters) or [gr.skip()] * len(outputs)

        # A tab's components mount when it is first shown, and updates sent to them before are lost (the
        # timer's, after an upload): the Quotes view shows the live index each time it is opened.
        quote_filters = [quotes.speaker, quotes.doc, quotes.own, quotes.search]
        quotes_tab.select(lambda *f: quotes.refresh(follower.current(), *f), quote_filters,
                          [quotes.speaker, quotes.doc, *quotes.outputs], api_visibility="undocumented", queue=False)
        gr.Timer(FOLLOW_EVERY_S).tick(follow, [seen, *filters], outputs, api_visibility="undocumented",
                                      queue=False, show_progress="hidden")
        app.load(follow, [seen, *filters], outputs, api_visibility="undocumented", queue=False,
                 show_progress="hidden")
    # api_open=False: a direct POST to /run/chat would skip the queue, and with it the concurrency and
    # size limits; Gradio answers it 404 with the reason, and the page and gradio_client use the queue.
    app.queue(default_concurrency_limit=limits.concurrency, max_size=limits.queue_size, api_open=False)
    return app


def follow_index(follower: Follower, quotes: QuotesView, seen: str | None, speaker: str | None,
                 *quote_filters) -> list | None:
    """The page's updates once another generation is live: the speakers, the example questions and the
    Quotes view's filters and table; None while the generation is the one the page shows."""
    import gradio as gr

    try:
        if not follower.changed(seen):
            return None
        listing: Listing = follower.current()
    except WhosaidError:  # a generation being replaced or unreadable: keep what is shown, ask again later
        return None
    examples = example_questions(list(listing.speakers))
    names = {i.speaker.name for i in listing.speakers}
    return [listing.generation,
            gr.Radio(choices=speaker_choices(listing.speakers), value=speaker if speaker in names else ALL),
            gr.Chatbot(examples=[{"text": q} for q in examples], placeholder="例如 · e.g. " + escape(examples[0])),
            *quotes.refresh(listing, *quote_filters)]


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
        max_file_size=limits.max_file_size, enable_monitoring=False, allowed_paths=[str(downloads_root())], show_error=False,
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
