"""One validator for free text typed by people (titles, reasons, descriptions, opinions).

Plain text only: what people type ends up in letters, minutes, the evidence package and
other people's browsers.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from prachum.core.errors import CoreError, ServiceError

TITLE_MAX = 500
_MARKUP = re.compile(r"<[^>]*>|<|>|javascript:", re.IGNORECASE)


def clean_text(
    value: str,
    *,
    field: str,
    required: bool = True,
    max_length: int = TITLE_MAX,
    allow_markup_chars: bool = False,
) -> str:
    """Strip (a title also loses inner runs of spaces), require, bound and refuse markup.

    ``allow_markup_chars`` keeps ``<`` and ``>`` (a reason typed in the live room, where
    the text is only ever shown escaped) as the room's services always did.
    """
    value = " ".join(value.split()) if field == "title" else (value or "").strip()
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
