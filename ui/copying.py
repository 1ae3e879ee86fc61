"""What a journalist copies from the page: a passage's citation (render.citation_line) with one click, and
readable text from Gradio's "Copy message" and "Copy conversation" buttons.

Gradio 6.31 copies a message's raw content string (the chatbot's `R()`: each titled message as its title,
then its content indented), and the whole conversation as `role: content` - for us, markdown with our
escapes (`\\.`, `&lt;`) and `<mark>` tags. The Chatbot's only hooks are a watermark appended to the text
and a `copy` event sent to the server after the fact, so the text is cleaned in the browser, where it is
written: `navigator.clipboard.writeText` on a secure page, or, on plain http, Gradio's fallback of a
hidden textarea and `document.execCommand("copy")`, whose `copy` event we answer with the cleaned text.
"""

from __future__ import annotations

# The inverse of render.escape and of our markup, for text copied from the chat: a note's _italics_ and
# our <mark> and <span> tags taken off (a document's own tags arrive escaped, as &lt;), markdown escapes
# and HTML entities undone (&amp; last). A click on a citation copies it alone.
COPY_JS = r"""
if (!window.__whosaidCopy) {
  window.__whosaidCopy = true;
  const clean = t => String(t)
    .replace(/^(\s*)_(.*[^\\])_\s*$/gm, '$1$2')
    .replace(/<\/?(mark|span)\b[^>]*>/g, '')
    .replace(/\\([\\`*_{}\[\]()#+\-.!|~>$:\/=])/g, '$1')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
  // Only what the chat's own copy buttons copy, not other components' (the Quotes view's is plain already).
  let armed = 0;
  document.addEventListener('click', e => {
    const el = e.target instanceof Element ? e.target : null;
    const cite = el && el.closest('#chat .whosaid-cite');
    armed = el && !cite && el.closest('#chat') ? Date.now() : 0;
    if (cite) copyCitation(cite);
  }, true);
  const copyCitation = el => {
    const done = () => { el.classList.add('copied'); setTimeout(() => el.classList.remove('copied'), 1500); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(el.innerText).then(done);
      return;
    }
    const range = document.createRange();  // plain http: no clipboard API; copy the selected text
    range.selectNodeContents(el);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    if (document.execCommand('copy')) done();
  };
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

# Rules for the citation lines and the Quotes view, kept beside them; the page's own CSS is app.CSS.
STYLE = """<style>
/* two lines of it, the rest on hover: a long paraphrase would show its words twice in every passage;
   a click copies all of it */
#chat .whosaid-cite { display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden;
  cursor: copy; border-left: 3px solid #f0b400; padding: 0 8px; margin-top: 4px; }
#chat .whosaid-cite:hover, #chat .whosaid-cite.copied { -webkit-line-clamp: unset; }
#chat .whosaid-cite::before { content: "（点击复制 · click to copy）"; font-size: 0.85em; }
#chat .whosaid-cite.copied::before { content: "（已复制 · copied）"; }
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
