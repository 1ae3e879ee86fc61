"""The page's few lines of JavaScript, run by Gradio in the browser (each string says when).

Nothing here touches a document's text: the document view stays escaped HTML made by render.document_html.
"""

# Run in the browser. Gradio calls SHOW_MARK when the document is shown and after each new value
# (gr.HTML's js_on_load and its `watch`); it scrolls the document's scroll box, not the page, so that the
# marked paragraph stands in its upper third. Escape closes the drawer.
SHOW_MARK = """
const show = () => {
  const mark = element.querySelector('#whosaid-marked');
  if (!mark) return;
  for (let box = mark.parentElement; box; box = box.parentElement) {
    const y = getComputedStyle(box).overflowY;
    if ((y === 'auto' || y === 'scroll') && box.scrollHeight > box.clientHeight) {
      box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 4;
      return;
    }
  }
};
const soon = () => [0, 120, 400].forEach(t => setTimeout(show, t));
soon();
watch('value', soon);
if (!window.whosaidEscape) {
  window.whosaidEscape = true;
  document.addEventListener('keydown', e => {
    if (e.key === 'Escape') document.querySelector('#source-close')?.click();
  });
}
"""
# Before a click on a passage reaches the server: a click that ends a text selection (copying a quote)
# opens nothing. (The list of inputs is returned: a bare history, itself a list, would be taken for it.)
NOT_WHEN_SELECTING = "(history) => [String(window.getSelection() || '').trim() ? null : history]"
# After each change of the chat: the newest question at the top of the chat, its answer below it, so the
# headline is never scrolled away; the chips stay in sight at the chat's foot (CSS `.options`). Gradio's
# own autoscroll (to the very bottom) is off. Repeated while the passages finish rendering.
SHOW_NEWEST = """() => {
  const chat = document.querySelector('#chat');
  const box = chat && chat.querySelector('.bubble-wrap, .panel-wrap');
  const asked = chat ? chat.querySelectorAll('.message-row.user-row') : [];
  if (!box || !asked.length) return;
  const question = asked[asked.length - 1];
  const place = () => {
    let answer = question.nextElementSibling;
    while (answer && !answer.classList.contains('message-row')) answer = answer.nextElementSibling;
    // the question too, unless it is long: then its last lines
    const long = question.offsetHeight > box.clientHeight / 3 && answer && answer.classList.contains('bot-row');
    // 44 px: Gradio's tool buttons (share, clear, copy) float over the chat's top
    const top = long ? answer.getBoundingClientRect().top - 72 : question.getBoundingClientRect().top - 44;
    box.scrollTop += top - box.getBoundingClientRect().top;
    const r = chat.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) chat.scrollIntoView({block: 'nearest'});
  };
  [0, 150, 500, 1200].forEach(t => setTimeout(place, t));
}"""
