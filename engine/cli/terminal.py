"""Text for the terminal: a file name may hold anything a file system allows, newlines and escapes included."""

from __future__ import annotations

import argparse
import unicodedata

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b`` ...): one line that cannot drive the terminal."""
    if text.isprintable():
        return text
    return "".join(
        _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") else c
        for c in text
    )


class LinesHelpFormatter(argparse.HelpFormatter):
    """Help whose description or epilog, when written in lines (examples, one a line), keeps them as written; one line
    of prose is wrapped to the terminal. (argparse's own formatter runs all lines into one paragraph; its raw one
    wraps none, so a description ran off the screen.)"""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text.strip():
            return "\n".join(indent + line for line in text.splitlines())
        return super()._fill_text(text, width, indent)
