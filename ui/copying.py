"""What a journalist copies from the page: each passage's citation as a plain-text block, and readable text
from Gradio's "Copy message" and "Copy conversation" buttons.

Gradio 6.31 copies a message's raw content string (the chatbot's `R()`: each titled message as its title,
then its content indented), and the whole conversation as `role: content` - for us, markdown with our
escapes (`\\.`, `&lt;`) and `<mark>` tags. The Chatbot's only hooks are a watermark appended to the text
and a `copy` event sent to the server after the fact, so the text is cleaned in the browser, where it is
written: `navigator.clipboard.writeText` on a secure page, or, on plain http, Gradio's fallback of a
hidden textarea and `document.execCommand("copy")`, whose `copy` event we answer with the cleaned text.
"""

from __future__ import annotations

import re

from retrieval.labels import passage_citation
from retrieval.records import Passage


def citation_block(passage: Passage) -> str:
    """The passage's citation as a fenced code block: shown literally (document text is never markdown
    there) and copied with the code block's own copy button. The fence is longer than any run of
    backticks in the text, so the text cannot close it."""
    text = passage_citation(passage)
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall("`+", text)), default=0))
    return f"\n\n{fence}text\n{text}\n{fence}"


# The inverse of render.escape and of our markup, for text copied from the chat: fence lines dropped,
# a note's _italics_ and <mark> taken off, markdown escapes and HTML entities undone (&amp; last).
COPY_JS = r"""
if (!window.__whosaidCopy) {
  window.__whosaidCopy = true;
  const clean = t => String(t).split('\n').filter(l => !/^\s*`{3,}[\w-]*\s*$/.test(l)).join('\n')
    .replace(/^(\s*)_(.*[^\\])_\s*$/gm, '$1$2')
    .replace(/<\/?mark>/g, '')
    .replace(/\\([\\`*_{}\[\]()#+\-.!|~>$:\/=])/g, '$1')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
  // Only what the chat's own copy buttons copy: not a code block's (already plain), not other components'.
  let armed = 0;
  document.addEventListener('click', e => {
    const el = e.target instanceof Element ? e.target : null;
    armed = el && el.closest('#chat') && !el.closest('pre, .copy_code_button') ? Date.now() : 0;
  }, true);
  const fresh = () => armed && Date.now() - armed < 3000;
  const clip = navigator.clipboard;
  if (clip && clip.writeText) {
    const write = clip.writeText.bind(clip);
    clip.writeText = text => write(fresh() ? clean(text) : text);
  }
  document.addEventListener('copy', e => {
    const box = document.body.firstElementChild;
    if (fresh() && box && box.tagName === 'TEXTAREA' && box.style.left === '-999999px') {
      e.clipboardData.setData('text/plain', clean(box.value));
      e.preventDefault();
    }
  }, true);
}
"""

# Rules for the citation blocks and the Quotes view, kept beside them; the page's own CSS is app.CSS.
STYLE = """<style>
#chat pre, #chat pre code { white-space: pre-wrap !important; word-break: break-word; }
#quotes-doc .whosaid-doc { max-height: 50vh; }
/* a phone scrolls the table sideways (the speaker column stays) rather than squeezing the words into
   a column a few characters wide */
@media (max-width: 640px) {
  #quotes-table .table-container { overflow-x: auto !important; }
  #quotes-table .table-wrap { min-width: 720px !important; }
}
</style>"""


def copy_hook():
    """An empty HTML element whose script installs the cleaning once per page, and the styles above."""
    import gradio as gr

    return gr.HTML(STYLE, js_on_load=COPY_JS, container=False, padding=False, elem_id="whosaid-copy-hook")
