"""Input of the identity-check page and of the console's HTTP actions.

Field names are the same as in the room's WebSocket frames (``reason``, ``item``,
``user``, ``incident``, ``handling``, ``description``) so one HTML form serves both.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from prachum.attendance.models import LocationKind
from prachum.core.form_fields import TextField
from prachum.meetings.models import Meeting, MeetingMode


def location_choices(meeting: Meeting) -> list[tuple[str, str]]:
    """Where one may attend this meeting from: remote, its room, or both (hybrid)."""
    remote = (LocationKind.REMOTE.value, str(LocationKind.REMOTE.label))
    room = (
        LocationKind.IN_ROOM.value,
        str(_("In the meeting room: %(room)s") % {"room": meeting.venue}),
    )
    if meeting.mode == MeetingMode.ELECTRONIC or not meeting.venue:
        return [remote]
    if meeting.mode == MeetingMode.IN_ROOM:
        return [room]
    return [remote, room]


class IdentityCheckForm(forms.Form):
    """The identity check (แสดงตน): a fresh code when needed, location, device check."""

    code = TextField(
        label=_("One-time code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )
    location = forms.ChoiceField(label=_("Where are you?"), widget=forms.RadioSelect)
    in_kingdom = forms.BooleanField(
        label=_("I am in the Kingdom of Thailand"), required=False
    )
    device_ok = forms.BooleanField(
        label=_("I can hear the tone and my microphone moves the meter"),
        required=False,
    )
    alone_declared = forms.BooleanField(
        label=_("If I attend remotely: nobody else is present or listening where I am"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        meeting: Meeting,
        needs_code: bool,
        needs_kingdom: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.needs_code = needs_code
        choices = location_choices(meeting)
        location = self.fields["location"]
        assert isinstance(location, forms.ChoiceField)
        location.choices = choices
        location.initial = choices[0][0]
        if not needs_code:
            del self.fields["code"]
        if not needs_kingdom:
            del self.fields["in_kingdom"]
        if LocationKind.REMOTE.value not in {value for value, _label in choices}:
            del self.fields["alone_declared"]

    def clean_code(self) -> str:
        code: str = self.cleaned_data.get("code", "").strip()
        if self.needs_code and not code:
            raise forms.ValidationError(
                _("Enter the one-time code to confirm it is you.")
            )
        return code


class ReasonForm(forms.Form):
    reason = TextField(label=_("Reason"), required=False, max_length=2000)


class ItemForm(forms.Form):
    item = forms.UUIDField(label=_("Agenda item"))


class UserForm(forms.Form):
    user = forms.UUIDField(label=_("Participant"))


class RemoveForm(UserForm):
    reason = TextField(label=_("Reason"), required=False, max_length=2000)


class AdmitForm(UserForm):
    item = forms.UUIDField(label=_("Agenda item"))


class VouchForm(UserForm):
    location = forms.ChoiceField(
        label=_("Where are they?"), choices=LocationKind.choices
    )
    in_kingdom = forms.BooleanField(required=False)
    note = TextField(label=_("Note"), required=False, max_length=2000)


class ReportForm(forms.Form):
    description = TextField(
        label=_("What is the problem?"), required=False, max_length=2000
    )


class HandleForm(forms.Form):
    handling = TextField(label=_("How it was handled"), required=False, max_length=2000)


# --- votes (the same field names as the room's vote frames) --------------------------


class PollCreateForm(forms.Form):
    item = forms.UUIDField(label=_("Agenda item"))
    kind = forms.ChoiceField(
        label=_("Kind of vote"),
        choices=[
            ("motion", _("Motion: yes, no or abstain")),
            ("one_of_n", _("One of several options")),
            ("k_of_n", _("Up to k of several options")),
        ],
    )
    question = TextField(label=_("Question"), max_length=500)
    options = TextField(
        label=_("Options, one per line"), required=False, max_length=30_000
    )
    max_choices = forms.IntegerField(
        label=_("How many may be chosen"), min_value=1, initial=1, required=False
    )
    secret = forms.ChoiceField(
        label=_("Open or secret vote"),
        required=False,
        choices=[
            ("", _("As the agenda item")),
            ("false", _("Open vote")),
            ("true", _("Secret vote")),
        ],
    )

    def clean_options(self) -> list[str]:
        text: str = self.cleaned_data.get("options") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean_secret(self) -> bool | None:
        value = self.cleaned_data.get("secret") or ""
        return None if value == "" else value == "true"


class PollReasonForm(forms.Form):
    poll = forms.UUIDField(label=_("Vote"))
    reason = TextField(label=_("Reason"), required=False, max_length=10_000)


class ResolutionForm(forms.Form):
    item = forms.UUIDField(label=_("Agenda item"))
    text = TextField(label=_("Resolution"), max_length=10_000)
    poll = forms.UUIDField(label=_("Vote"), required=False)


class DissentForm(forms.Form):
    item = forms.UUIDField(label=_("Agenda item"))
    member = forms.UUIDField(label=_("Member"))
    opinion = TextField(label=_("Dissenting opinion and reasons"), max_length=10_000)
