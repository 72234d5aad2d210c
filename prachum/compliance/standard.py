"""The MDES e-meeting security standard B.E. 2563 in the compliance report (R73).

Each control of the standard (clause 5's seven minimum processes and the two measures
for secret meetings, :data:`prachum.domain.security_standard.CONTROLS`) with one
sentence on how Prachum meets it, and the agency's certification or self-assessment
reference ("none" when it has not recorded one).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from prachum.domain.security_standard import CONTROLS
from prachum.meetings.models import Meeting
from prachum.meetings.secrecy import secret_meetings_allowed

# English msgids, translated when the report is built.
TITLES = {
    "identity": gettext_noop("Identification of each participant"),
    "av": gettext_noop("Audio, or audio and video, communication"),
    "documents": gettext_noop("Access to meeting documents"),
    "voting": gettext_noop("Open and secret voting"),
    "evidence": gettext_noop("Storage of meeting data and evidence"),
    "traffic": gettext_noop("Storage of traffic data on standard time"),
    "failures": gettext_noop("Channel for reporting failures"),
    "secret_access": gettext_noop("Secret meeting: access-rights control"),
    "secret_hosting": gettext_noop(
        "Secret meeting: system installed and serviced in Thailand"
    ),
}
HOW = {
    "identity": gettext_noop(
        "Each participant confirms their identity with a password and a fresh "
        "one-time code on the identity-check page before entering the meeting room, "
        "or the chair or the secretary vouches for them; every check is recorded."
    ),
    "av": gettext_noop(
        "The meeting room carries every participant's audio and video, checks "
        "microphone and speaker before entry, and the chair can mute or remove a "
        "participant."
    ),
    "documents": gettext_noop(
        "Meeting documents are attached to the agenda and sent with the notice; "
        "every participant can open them on the meeting page."
    ),
    "voting": gettext_noop(
        "Open and secret polls are held in the room; a secret ballot keeps who voted "
        "apart from how they voted."
    ),
    "evidence": gettext_noop(
        "Every step is written to a hash-chained, sealed evidence record and the "
        "recordings are kept with it in the evidence package."
    ),
    "traffic": gettext_noop(
        "Each connection is stored with the person, address and times taken from a "
        "monitored clock, and the traffic data can be exported."
    ),
    "failures": gettext_noop(
        "Participants report failures in the room and through the committee's "
        "fallback channel; the chair records each incident and how it was handled."
    ),
    "secret_access": gettext_noop(
        "A secret meeting or item admits only named, identified members with two "
        "factors; invitees and guests are refused, and a remote participant may "
        "declare that nobody else is present."
    ),
    "secret_hosting": gettext_noop(
        "Secret meetings are refused unless the system operator has declared the "
        "system installed and serviced in Thailand."
    ),
}


@dataclass(frozen=True)
class ControlRow:
    key: str
    clause: str
    title: str
    how: str


def security_standard(meeting: Meeting) -> dict[str, Any]:
    """The standard's controls, how each is met, and the agency's reference (R73)."""
    reference = meeting.committee.agency.security_certification.strip()
    return {
        "controls": [
            asdict(ControlRow(c.key, c.clause, _(TITLES[c.key]), _(HOW[c.key])))
            for c in CONTROLS
        ],
        "certification": reference or _("none"),
        "hosted_in_kingdom": secret_meetings_allowed(),
    }
