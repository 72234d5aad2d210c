"""Kinds of the evidence events the committees app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class CommitteeEvent(EventKind):
    COMMITTEE_CREATED = "committee.created", _("Committee created")
    COMMITTEE_MEMBER_ADDED = "committee.member_added", _("Member added")
    COMMITTEE_ROSTER_IMPORTED = "committee.roster_imported", _("Roster imported")
    COMMITTEE_ALLOWANCE_RATE_SET = (
        "committee.allowance_rate_set",
        _("Allowance rate set"),
    )
    COMMITTEE_MEMBER_POSITION_SET = (
        "committee.member_position_set",
        _("Member's position set"),
    )
    AGENCY_CREATED = "agency.created", _("Agency created")
    AGENCY_UPDATED = "agency.updated", _("Agency changed")
