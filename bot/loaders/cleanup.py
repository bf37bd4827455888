"""Line clean-up shared by the readers: newlines, control characters, blank lines."""

from __future__ import annotations

import re

# C0 controls other than tab/newline never carry content, and a stray NUL breaks SQLite and Chroma.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def tidy(text: str) -> str:
    """Unify newlines (\\f is a page break in text exports), drop trailing spaces and edge blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _CONTROL_CHARS.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def collapse_blank_lines(text: str) -> str:
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+\n", "\n\n", text)


def drop_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip())
