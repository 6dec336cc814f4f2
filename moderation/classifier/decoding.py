"""Turning a corpus's stored text back into what a reader saw: escapes, HTML entities, markup."""

from __future__ import annotations

import html
import re

# One level of Python string-literal escaping, as the Kaggle insults file stores its comments.
_PY_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt'\"\\])")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "'": "'", '"': '"', "\\": "\\"}
# A lead byte and its continuation bytes read as Latin-1: UTF-8 that was escaped byte by byte.
_MOJIBAKE = re.compile(r"[\xc2-\xf4][\x80-\xbf]+")
# The inline markup some comment sites let through; a bare "<" as in "<2" is left alone.
_TAGS = re.compile(r"</?(?:a|b|br|div|em|i|p|s|span|strong|u)\b[^<>]*>", re.IGNORECASE)
# MLMA: JSON-style \uXXXX (emoji as surrogate pairs), \n, and a lone backslash for each double quote.
_JSON_ESCAPE = re.compile(r"\\(?:u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|u([0-9a-f]{4})|(n))?",
                          re.IGNORECASE)

# Escapes nest up to three levels deep in the Kaggle file (a backslash escaped, then escaped again).
_MAX_LEVELS = 4


def _py_unescape_once(match: re.Match[str]) -> str:
    code = match.group(1)
    return _SIMPLE[code] if len(code) == 1 else chr(int(code[1:], 16))


def _utf8(match: re.Match[str]) -> str:
    try:
        return match.group(0).encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return match.group(0)  # real Latin-1 letters such as "é" alone are not UTF-8 bytes


def unescape_kaggle(stored: str) -> str:
    """A Kaggle insults comment as written: outer quotes off, escapes undone, markup stripped.

    Rows come in two kinds: a unicode repr (``\\xa0``, ``\\u2019``, ``\\n``) and an escaped
    repr of UTF-8 bytes (``\\\\xc2\\\\xa0``, ``\\\\n``). Undoing one level at a time until no
    escape is left handles both, and the byte kind ends as Latin-1 look-alikes that are
    re-read as UTF-8.
    """
    text = stored[1:-1] if len(stored) >= 2 and stored[0] == stored[-1] == '"' else stored
    for _ in range(_MAX_LEVELS):
        if not _PY_ESCAPE.search(text):
            break
        text = _PY_ESCAPE.sub(_py_unescape_once, text)
    text = _MOJIBAKE.sub(_utf8, text)
    return unhtml(_TAGS.sub("", text))


def _json_unescape_once(match: re.Match[str]) -> str:
    high, low, single, newline = match.groups()
    if high:
        return chr(0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00))
    if single:
        code = int(single, 16)
        return "\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code)  # a surrogate cut in half
    if newline:
        return "\n"
    return '"'


def unescape_mlma(stored: str) -> str:
    """An MLMA tweet as written: \\uXXXX and \\n undone, each remaining backslash a double quote."""
    return unhtml(_JSON_ESCAPE.sub(_json_unescape_once, stored))


def unhtml(text: str) -> str:
    """HTML entities (&amp; &#128514; &nbsp;) as the characters a browser shows, ends trimmed."""
    return html.unescape(text).strip()
