"""An e-mail's plain-text part as mail programs show it: paragraphs and bullets wrapped at 72
characters once their words are filled in, an address never broken (the notice's and the
invoice e-mail's)."""

from __future__ import annotations

import textwrap

TEXT_WIDTH = 72  # the plain-text part's lines, as mail programs show them unwrapped
NO_BREAK = "\u00a0"  # textwrap breaks at ASCII whitespace only: a value held on one line uses it


def wrapped(text: str) -> str:
    """The text part with each paragraph and bullet wrapped once its words are filled in (the
    templates write each on one line), a bullet's lines under its text; an address is never
    broken, so a line holding only one may be longer."""
    lines = []
    for line in text.split("\n"):
        bullet = line.startswith("- ")
        lines.append(
            textwrap.fill(
                line.rstrip(),
                width=TEXT_WIDTH,
                subsequent_indent="  " if bullet else "",
                break_long_words=False,
                break_on_hyphens=False,
            )
            if line.strip()
            else ""
        )
    return "\n".join(lines).replace(NO_BREAK, " ")
