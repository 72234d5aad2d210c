from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prachum.committees.models import (
    AllowanceKind,
    BodyType,
    Committee,
    MeetingCategory,
    Role,
)
from prachum.committees.services import THAI_ROLE_NAMES


class CommitteeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=300)
    body_type = forms.ChoiceField(label=_("Type of body"), choices=BodyType.choices)
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_(
            "The law, regulation or order that creates this body (Decree s.4)."
        ),
    )
    category = forms.ChoiceField(
        label=_("Meeting category"), choices=MeetingCategory.choices
    )
    fallback_channel = forms.CharField(
        label=_("Fallback channel"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


def roster_help() -> str:
    """The import page's help: the columns and every value the role column accepts."""
    codes = ", ".join(f"{r.value} ({r.label})" for r in Role)
    return gettext(
        "Columns: username, email, title, full_name, position, role; optional "
        "position_title (the position in the committee). Role: one of %(codes)s, "
        "or the Thai name: %(names)s."
    ) % {"codes": codes, "names": ", ".join(THAI_ROLE_NAMES)}


class RosterImportForm(forms.Form):
    file = forms.FileField(label=_("Roster (CSV, UTF-8)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = roster_help()


class PositionTitleForm(forms.Form):
    membership = forms.UUIDField(widget=forms.HiddenInput)
    position_title = forms.CharField(
        label=_("Position in the committee"), max_length=300, required=False
    )


def committee_rules(committee: Committee) -> list[str]:
    """A committee's rules in plain language (the page 'rules of this committee')."""
    fraction = f"{committee.quorum_numerator}/{committee.quorum_denominator}"
    if committee.quorum_kind == "fixed":
        quorum = gettext("Quorum: at least %(n)s members present.") % {
            "n": committee.quorum_fixed
        }
    elif committee.quorum_kind == "more_than_fraction":
        quorum = gettext("Quorum: more than %(f)s of the members present.") % {
            "f": fraction
        }
    else:
        quorum = gettext(
            "Quorum: at least %(f)s of the members present (Administrative Procedure Act s.79)."
        ) % {"f": fraction}
    return [
        quorum,
        gettext(
            "Members present in the room and members who identified themselves electronically count alike (Decree s.6, s.10)."
        ),
        gettext(
            "Invitees and non-voting secretaries do not count for quorum and do not vote."
        ),
        gettext(
            "Notice: at least %(d)d days before the meeting, unless the chair convenes urgently with a reason (APA s.80)."
        )
        % {"d": committee.notice_min_days},
        gettext(
            "A resolution needs a majority of the votes cast; on a tie the chair has a casting vote (APA s.82)."
        ),
        gettext(
            "Allowance: the chair receives 125 percent of the member rate; no allowance if the meeting has no quorum."
        )
        if committee.no_quorum_no_allowance
        else gettext("Allowance: the chair receives 125 percent of the member rate."),
    ]


class AllowanceRateForm(forms.Form):
    """A new allowance rate from a date (R57): the rate before it ends the day before."""

    kind = forms.ChoiceField(label=_("Kind"), choices=AllowanceKind.choices)
    member_amount = forms.DecimalField(
        label=_("Member rate (baht)"), min_value=0, max_digits=12, decimal_places=2
    )
    valid_from = forms.DateField(
        label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    source = forms.CharField(
        label=_("Source letter"),
        max_length=300,
        required=False,
        help_text=_("The Ministry of Finance letter or order that sets the rate."),
    )
