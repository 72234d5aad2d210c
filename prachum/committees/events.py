"""Kinds of the evidence events the committees app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class CommitteeEvent(EventKind):
    COMMITTEE_CREATED = "committee.created"
    COMMITTEE_MEMBER_ADDED = "committee.member_added"
    COMMITTEE_ROSTER_IMPORTED = "committee.roster_imported"
    COMMITTEE_ALLOWANCE_RATE_SET = "committee.allowance_rate_set"
    COMMITTEE_MEMBER_POSITION_SET = "committee.member_position_set"
    AGENCY_CREATED = "agency.created"
    AGENCY_UPDATED = "agency.updated"
