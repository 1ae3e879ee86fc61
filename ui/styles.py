"""The page's own CSS: what Gradio's theme leaves unreadable or cramped, and the passage layout."""

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
/* The Quotes view's document is a scroll box of its own: Gradio gives the HTML block a fixed height, and a
   whole document overflowed it, drawn under the Documents panel below. */
#quotes-doc { max-height: 70vh; overflow-y: auto !important; }
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
