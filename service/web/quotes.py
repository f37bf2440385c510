"""A quote in its source: the sentences around its stored span, and the span itself, to mark."""

from __future__ import annotations

from dataclasses import dataclass

# How much of the source to show either side of a quote: about two sentences of news prose.
CONTEXT = 280
# Where a sentence ends, quoted or not, in news prose.
SENTENCE_ENDS = (". ", ".\u201d ", '." ', "? ", "! ", "\n")


@dataclass(frozen=True)
class Excerpt:
    before: str
    quoted: str
    after: str
    cut_before: bool
    cut_after: bool


def excerpt(text: str | None, start: int | None, end: int | None) -> Excerpt | None:
    """The quote at [start, end) of the source's text with about CONTEXT characters either side,
    cut at sentence ends (or, with none, between words); None when the source's text is not held
    or the quote has no span."""
    if text is None or start is None or end is None:
        return None
    left = max(0, start - CONTEXT)
    # The first sentence that begins inside the window, so the context is whole sentences.
    ends = [(i + len(mark), mark) for mark in SENTENCE_ENDS if (i := text.find(mark, left, start)) >= 0]
    if left > 0 and ends:
        left = min(ends)[0]
    elif left > 0:
        left = text.find(" ", left, start) + 1  # at least a whole word
    right = min(len(text), end + CONTEXT)
    stops = [i + len(mark.rstrip()) for mark in SENTENCE_ENDS if (i := text.rfind(mark, end, right)) >= 0]
    if right < len(text) and stops and max(stops) - end > CONTEXT // 3:
        right = max(stops)
    elif right < len(text):
        right = max(end, text.rfind(" ", end, right))
    return Excerpt(text[left:start].lstrip(), text[start:end], text[end:right].rstrip(), left > 0, right < len(text))
