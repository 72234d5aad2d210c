"""The text gate (``prachum.core.text``) on the pages' forms: ``TextField`` is Django's
``CharField`` whose value is refused with a form error when it carries a control
character, a bidi override or a noncharacter, and is NFC-normalised otherwise.

Every form's text field is a ``TextField``, except passwords: a password is compared as
typed, never normalised (changing it would lock out whoever set it in another form).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from prachum.core.text import invalid_text_message, text_is_clean


def validate_text(value: str) -> None:
    if not text_is_clean(value):
        raise ValidationError(invalid_text_message(), code="invalid_text")


class TextField(forms.CharField):
    def to_python(self, value: Any) -> Any:
        # Before stripping: Python counts some controls (U+001C-U+001F, U+0085) as
        # spaces, and a refused character is refused wherever it stands.
        if isinstance(value, str):
            validate_text(value)
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if isinstance(value, str) else value
