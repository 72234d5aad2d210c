"""The letter's signatory, chosen on every page that sends a letter (R63)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from prachum.notices.models import Signatory


class SignatoryField(forms.ChoiceField):
    """Who signs; left out, the secretary signs on the chair's behalf."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Signed by"),
            choices=Signatory.choices,
            initial=Signatory.SECRETARY_FOR_CHAIR,
            required=False,
            help_text=_(
                "Their name and position are printed under the signature. The head of "
                "the agency can sign only once the agency's page names them."
            ),
            **kwargs,
        )

    def clean(self, value: Any) -> str:
        return str(super().clean(value) or Signatory.SECRETARY_FOR_CHAIR)


class SignatoryForm(forms.Form):
    signatory = SignatoryField()
