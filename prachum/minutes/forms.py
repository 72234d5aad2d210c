from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from prachum.core.form_fields import TextField
from prachum.meetings.models import Meeting
from prachum.minutes.models import ApprovalMethod


class MinutesEditForm(forms.Form):
    """One textarea per item's discussion and one field per absentee's reason."""

    def __init__(self, *args: Any, content: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item_fields: list[tuple[str, str]] = []
        self.reason_fields: list[tuple[str, str]] = []
        for item in content["items"]:
            name = f"discussion_{item['item']}"
            self.fields[name] = TextField(
                label=f"{item['number']} {item['title']}",
                required=False,
                initial=item["discussion"],
                widget=forms.Textarea(attrs={"rows": 4}),
            )
            self.item_fields.append((name, item["item"]))
        for person in content["absent"]:
            name = f"reason_{person['user']}"
            self.fields[name] = TextField(
                label=person["name"],
                required=False,
                initial=person["reason"],
                max_length=500,
            )
            self.reason_fields.append((name, person["user"]))

    def discussions(self) -> dict[str, str]:
        return {key: self.cleaned_data[name] for name, key in self.item_fields}

    def absent_reasons(self) -> dict[str, str]:
        return {key: self.cleaned_data[name] for name, key in self.reason_fields}


class ApprovalForm(forms.Form):
    method = forms.ChoiceField(label=_("How"), choices=ApprovalMethod.choices)
    at_meeting = forms.ModelChoiceField(
        label=_("Approving meeting"),
        queryset=Meeting.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["at_meeting"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Meeting.objects.filter(
            committee=meeting.committee, starts_at__gt=meeting.starts_at
        ).order_by("starts_at")
