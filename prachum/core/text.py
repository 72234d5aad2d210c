"""The one gate for free text typed by people (titles, reasons, descriptions, opinions),
whatever door it comes through: pages, the REST API, the room socket, a CSV import.

Plain text only: what people type ends up in letters, minutes, the evidence package and
other people's browsers. ``gate_text`` refuses what cannot be shown honestly or stored
at all, and returns the text NFC-normalised (a Thai tone mark typed before or after a
vowel below is one text, stored one way, so it signs and compares the same):

* lone surrogates (not text: UTF-8 and the database cannot store them);
* NUL and the other C0 and C1 control characters and DEL; tab, line feed and carriage
  return stay (multi-line fields keep their lines; a title folds them into spaces);
* the bidi embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069, which
  make ``abc\u202eexe.pdf`` show as ``abcfdp.exe``;
* noncharacters (U+FDD0-U+FDEF and the last two code points of every plane).

Kept on purpose: the marks LRM, RLM and ALM (U+200E, U+200F, U+061C) and the zero-width
space and joiners (U+200B-U+200D). The marks are strong characters of one direction:
they cannot reverse a run of letters the way an override does, and names in Arabic
script (Malay in Jawi, in the southern provinces) need them; Thai text copied from word
processors carries zero-width spaces as word-break hints.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prachum.core.errors import CoreError, ServiceError

TITLE_MAX = 500
_MARKUP = re.compile(r"<[^>]*>|<|>|javascript:", re.IGNORECASE)
_PLANE_NONCHARACTERS = "".join(
    chr(plane << 16 | low)
    for plane in range((sys.maxunicode >> 16) + 1)
    for low in (0xFFFE, 0xFFFF)
)
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff"
    "\ufdd0-\ufdef" + _PLANE_NONCHARACTERS + "]"
)


invalid_text_message_lazy = gettext_lazy(
    "The text contains characters that are not allowed (control characters, "
    "text-direction overrides or broken characters): type it again."
)


def invalid_text_message() -> str:
    return str(invalid_text_message_lazy)


def text_is_clean(value: str) -> bool:
    """True when ``value`` has none of the characters the gate refuses."""
    return FORBIDDEN.search(value) is None


def text_error(value: str) -> str | None:
    """The gate's message for ``value``, or None when it passes (for row errors)."""
    return None if text_is_clean(value) else invalid_text_message()


def gate_text(value: str, *, field: str = "") -> str:
    """Refuse the characters listed in the module's docstring; return ``value`` in NFC.

    Raises ``ServiceError`` with code ``INVALID_TEXT`` (a 400 on the API, a form error
    on a page).
    """
    if not text_is_clean(value):
        raise ServiceError(CoreError.INVALID_TEXT, invalid_text_message(), field=field)
    return unicodedata.normalize("NFC", value)


def clean_text(
    value: str,
    *,
    field: str,
    required: bool = True,
    max_length: int = TITLE_MAX,
    allow_markup_chars: bool = False,
) -> str:
    """Gate, strip (a title also loses inner runs of spaces), require, bound and refuse markup.

    ``allow_markup_chars`` keeps ``<`` and ``>`` (a reason typed in the live room, where
    the text is only ever shown escaped) as the room's services always did.
    """
    value = gate_text(value or "", field=field)
    value = " ".join(value.split()) if field == "title" else value.strip()
    if required and not value:
        raise ServiceError(
            CoreError.REQUIRED, _("This field is required."), field=field
        )
    if len(value) > max_length:
        raise ServiceError(
            CoreError.TOO_LONG,
            _("At most %(n)d characters.") % {"n": max_length},
            field=field,
        )
    if not allow_markup_chars and _MARKUP.search(value):
        raise ServiceError(
            CoreError.MARKUP_NOT_ALLOWED,
            _("Plain text only: HTML tags, < and > are not allowed."),
            field=field,
        )
    return value


class TextRefusedError(ServiceError):
    """A text inside a request refused by the gate; ``field`` is its dotted path."""

    def __init__(self, field: str) -> None:
        super().__init__(CoreError.INVALID_TEXT, invalid_text_message(), field=field)


def gate_data(data: Any, path: str = "") -> Any:
    """``data`` decoded from JSON (or a form) with every string and key gated.

    Returns a copy with every string NFC-normalised; raises ``TextRefusedError`` naming the
    first refused value (``agenda.0.title``). The API's parser and the room socket call
    it on every body before a schema sees it, so no door lets such text through.
    """
    if isinstance(data, str):
        if not text_is_clean(data):
            raise TextRefusedError(path)
        return unicodedata.normalize("NFC", data)
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            name = gate_data(key, path) if isinstance(key, str) else key
            out[name] = gate_data(value, f"{path}.{name}" if path else str(name))
        return out
    if isinstance(data, list):
        return [
            gate_data(value, f"{path}.{i}" if path else str(i))
            for i, value in enumerate(data)
        ]
    return data
