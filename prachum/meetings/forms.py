from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from prachum.core.form_fields import TextField
from prachum.meetings.models import AgendaItem, Meeting, MeetingMode


def _limit_items(form: forms.Form, name: str, meeting: Meeting, **filters: Any) -> None:
    """Offer only this meeting's current agenda items in a choice field."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = AgendaItem.objects.filter(
        meeting=meeting, is_removed=False, **filters
    )


class MeetingForm(forms.Form):
    title = TextField(label=_("Title"), max_length=300)
    starts_at = forms.DateTimeField(
        label=_("Starts at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    mode = forms.ChoiceField(
        label=_("Mode"), choices=MeetingMode.choices, initial=MeetingMode.ELECTRONIC
    )
    venue = TextField(label=_("Meeting room"), max_length=300, required=False)
    is_secret = forms.BooleanField(label=_("Secret meeting"), required=False)


class AgendaItemForm(forms.Form):
    title = TextField(label=_("Title"), max_length=500)
    description = TextField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    parent = forms.ModelChoiceField(
        label=_("Under item"), queryset=AgendaItem.objects.none(), required=False
    )
    is_secret = forms.BooleanField(label=_("Secret item"), required=False)

    def __init__(
        self, *args: Any, meeting: Meeting | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if meeting is not None:
            _limit_items(self, "parent", meeting, parent=None)


class DocumentForm(forms.Form):
    title = TextField(label=_("Title"), max_length=300)
    agenda_item = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=AgendaItem.objects.none(), required=False
    )
    file = forms.FileField(label=_("File"))
    is_enclosure = forms.BooleanField(
        label=_("Send with the notice as an enclosure"), required=False
    )

    def __init__(
        self, *args: Any, meeting: Meeting | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if meeting is not None:
            _limit_items(self, "agenda_item", meeting)


class UrgentForm(forms.Form):
    reason = TextField(
        label=_("Reason for urgent convening"), widget=forms.Textarea(attrs={"rows": 2})
    )


def _when_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class RescheduleForm(forms.Form):
    starts_at = _when_field(_("New start"))
    ends_at = _when_field(_("New end"))
    venue = TextField(label=_("Meeting room"), max_length=300, required=False)
    reason = TextField(
        label=_("Reason for postponing"), widget=forms.Textarea(attrs={"rows": 2})
    )


class CancelForm(forms.Form):
    reason = TextField(
        label=_("Reason for cancelling"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DeleteDraftForm(forms.Form):
    reason = TextField(
        label=_("Why delete (optional)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class FollowUpForm(forms.Form):
    starts_at = _when_field(_("Starts at"))
    ends_at = _when_field(_("Ends at"))
    venue = TextField(label=_("Meeting room"), max_length=300, required=False)
