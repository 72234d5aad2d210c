from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from prachum.committees.agencies import GARUDA_MIN_HEIGHT
from prachum.committees.models import (
    Agency,
    AllowanceKind,
    BodyType,
    Committee,
    MeetingCategory,
    Role,
)
from prachum.committees.services import THAI_ROLE_NAMES
from prachum.core.form_fields import TextField


class CommitteeForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        help_text=_("The committee's letters go out under this agency's name."),
    )
    name = TextField(label=_("Name"), max_length=300)
    body_type = forms.ChoiceField(label=_("Type of body"), choices=BodyType.choices)
    legal_basis = TextField(
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
    fallback_channel = TextField(
        label=_("Fallback channel"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def __init__(self, *args: Any, agencies: Any, **kwargs: Any) -> None:
        """``agencies``: those the creator may use (``agencies_for_new_committee``)."""
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = agencies
        if len(agencies) == 1:
            field.empty_label = None
            field.initial = agencies[0].pk


class AgencyForm(forms.Form):
    """An agency as operators keep it; the emblem is checked by the service (content)."""

    name = TextField(label=_("Name of the agency"), max_length=200)
    letter_code = TextField(
        label=_("Letter-number prefix"),
        max_length=40,
        help_text=_(
            "The agency's code printed after ที่ on its letters, e.g. มท 0210.5."
        ),
    )
    address = TextField(
        label=_("Address"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=1000,
    )
    phone = TextField(label=_("Telephone"), max_length=50, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    head_name = TextField(
        label=_("Head of the agency"),
        max_length=200,
        required=False,
        help_text=_("Title and full name, e.g. นายสมชาย ใจดี."),
    )
    head_position = TextField(
        label=_("Position of the head of the agency"),
        max_length=200,
        required=False,
        help_text=_("As printed under the signature, e.g. ผู้ว่าราชการจังหวัด..."),
    )
    security_certification = TextField(
        label=_("Security standard certification or self-assessment"),
        max_length=300,
        required=False,
        help_text=_(
            "The reference and date of the ETDA certification or of the agency's "
            "self-assessment against the e-meeting security standard B.E. 2563; "
            "leave empty if there is none."
        ),
    )
    thai_digits = forms.BooleanField(
        label=_("Thai digits in letters"),
        required=False,
        help_text=_(
            "Print numbers in letters with Thai digits (๑๒๓) instead of 1 2 3."
        ),
    )
    garuda = forms.FileField(
        label=_("Garuda emblem"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )

    def __init__(self, *args: Any, editing: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        help_text = gettext(
            "PNG or JPEG, at most 1 MB, at least %(n)d pixels high; printed 3 cm high "
            "on external letters (Regulation on Correspondence)."
        ) % {"n": GARUDA_MIN_HEIGHT}
        if editing:
            help_text += " " + gettext("Leave empty to keep the current emblem.")
        self.fields["garuda"].help_text = help_text


class NewAgencyForm(AgencyForm):
    next_letter_number = forms.IntegerField(
        label=_("Next letter number"),
        min_value=1,
        initial=1,
        help_text=_("The number the agency's next letter takes in its register."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, editing=False, **kwargs)


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
    position_title = TextField(
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
    source = TextField(
        label=_("Source letter"),
        max_length=300,
        required=False,
        help_text=_("The Ministry of Finance letter or order that sets the rate."),
    )
