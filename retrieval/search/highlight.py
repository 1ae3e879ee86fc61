"""The sentences of a passage that best answer the question, as character offsets into its text."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from retrieval.text.sentences import sentences


def highlight(text: str, query_tokens: list[str], tokenize: Callable[[str], Iterable[str]],
              weight: Callable[[str], float], most: int = 2,
              within: list[tuple[int, int]] | None = None) -> tuple[tuple[int, int], ...]:
    """Up to `most` sentences sharing the rarest words with the question, in text order; only sentences
    inside `within` (a speaker's utterances) when given, so that the highlight is that speaker's words.

    A second sentence is kept only when it matches nearly as well as the best one.
    """
    spans = sentences(text)
    if within:
        inside = [(s, e) for s, e in spans if any(min(e, we) - max(s, ws) > (e - s) // 2 for ws, we in within)]
        spans = inside or [(ws, we) for ws, we in within]
    if not spans:
        return ()
    wanted = set(query_tokens)
    scored = []
    for i, (s, e) in enumerate(spans):
        words = set(tokenize(text[s:e]))
        score = sum(weight(w) for w in wanted & words)
        scored.append((score, -i, (s, e)))
    scored.sort(reverse=True)
    best = [span for score, _, span in scored[:most] if score > 0]
    if not best:
        best = [spans[0]]
    elif len(best) > 1 and scored[1][0] < 0.6 * scored[0][0]:
        best = best[:1]
    return tuple(sorted(best))
