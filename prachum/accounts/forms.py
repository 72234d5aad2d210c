"""Input forms of the login flow and the security page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from prachum.core.form_fields import TextField

METHOD_CHOICES = [
    ("totp", _("Authenticator app")),
    ("email", _("E-mail code")),
    ("recovery", _("Recovery code")),
]

_CODE_LABELS = {
    "totp": _("Code from your authenticator app"),
    "email": _("Code from the e-mail"),
    "recovery": _("Recovery code"),
}


class LoginForm(forms.Form):
    username = TextField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(  # compared as typed: not gated
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    # Offered when a name is slowed down after wrong passwords from many places: a
    # recovery code with the password still gets in (issue 15, F6).
    recovery_code = TextField(
        label=_("Recovery code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )
    next = TextField(required=False, widget=forms.HiddenInput)


class SecondFactorForm(forms.Form):
    """One code and the method it belongs to (a hidden field of each form)."""

    method = forms.ChoiceField(choices=METHOD_CHOICES, widget=forms.HiddenInput)
    code = TextField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: Any, method: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})["method"] = method
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _CODE_LABELS.get(method, _("Code"))
        if method != "recovery":
            self.fields["code"].widget.attrs["inputmode"] = "numeric"


class TotpConfirmForm(forms.Form):
    code = TextField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


class SetPasswordForm(forms.Form):
    """A new password, typed twice; the validators run in the service."""

    password1 = forms.CharField(  # compared as typed: not gated
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(  # compared as typed: not gated
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        return data


class PeopleSearchForm(forms.Form):
    q = TextField(label=_("Name or e-mail"), max_length=200, required=False)


class ChangeEmailForm(forms.Form):
    email = forms.EmailField(label=_("New e-mail address"), max_length=254)
