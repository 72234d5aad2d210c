"""Who signs a meeting letter, how each recipient is addressed, and what is enclosed
(Saraban Regulation ข้อ 11 and its appendix; R63, R67).

Plain reads and formatting for :mod:`prachum.notices.services`; nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.committees.models import VOTING_ROLES, Committee, Membership, Role
from prachum.core.errors import ServiceError
from prachum.domain.thai_dates import format_thai_date, format_thai_time, meeting_number
from prachum.letters.agenda import AgendaDocument, AgendaLine, render_agenda_pdf
from prachum.meetings.models import Document, Meeting
from prachum.meetings.selectors import numbered_agenda
from prachum.notices.error_codes import NoticeError
from prachum.notices.models import Signatory

AGENDA_ENCLOSURE = "ระเบียบวาระการประชุม"
AGENDA_FILENAME = "enclosure-1-agenda.pdf"

# Titles in the body's roster, as the appointing order writes them.
_SECRETARIAT_TITLES: dict[str, str] = {
    Role.SECRETARY: "เลขานุการ",
    Role.ASSISTANT_SECRETARY: "ผู้ช่วยเลขานุการ",
    Role.MEMBER_SECRETARY: "กรรมการและเลขานุการ",
    Role.MEMBER_ASSISTANT_SECRETARY: "กรรมการและผู้ช่วยเลขานุการ",
}


def members_title(committee: Committee) -> str:
    """What a member of the body is called: "คณะกรรมการพัฒนา..." -> "กรรมการพัฒนา...",
    "คณะอนุกรรมการ..." -> "อนุกรรมการ...", "สภามหาวิทยาลัย" -> "กรรมการสภามหาวิทยาลัย"."""
    name = committee.name.strip()
    rest = name.removeprefix("คณะ")
    if rest != name and rest.startswith(("กรรมการ", "อนุกรรมการ")):
        return rest
    return f"กรรมการ{name}"


def _roster(committee: Committee) -> dict[Any, Membership]:
    return {m.user_id: m for m in committee.memberships.select_related("user")}


def position_of(user: Any, membership: Membership | None) -> str:
    """The office a person holds: the roster's, else their own."""
    return ((membership.position_title if membership else "") or user.position).strip()


def salutation(
    *, committee: Committee, user: Any, membership: Membership | None
) -> str:
    """ "เรียน ..." for one recipient. Voting members are addressed together as members
    of the body; everyone else (invitees, a non-voting secretariat, a person who has
    left the roster) by name and position, as issue 14 asks (the Saraban form allows
    the position or the name of the person the letter goes to)."""
    if membership is not None and membership.role in VOTING_ROLES:
        return members_title(committee)
    position = position_of(user, membership)
    return f"{user.display_name} ({position})" if position else user.display_name


def salutations(*, committee: Committee, users: list[Any]) -> dict[Any, str]:
    roster = _roster(committee)
    return {
        u.pk: salutation(committee=committee, user=u, membership=roster.get(u.pk))
        for u in users
    }


@dataclass(frozen=True)
class Signer:
    choice: str
    name: str
    position: str  # lines separated by "\n"


def _chair(committee: Committee) -> Membership | None:
    return (
        committee.memberships.select_related("user")
        .filter(role=Role.CHAIR)
        .order_by("position_order")
        .first()
    )


def resolve_signer(*, meeting: Meeting, choice: str, sender: Any) -> Signer:
    """The name and position lines printed under the signature for ``choice``;
    a choice that cannot be signed (no chair, no head of the agency) is refused."""
    committee = meeting.committee
    chair_title = f"ประธาน{members_title(committee)}"
    if choice == Signatory.CHAIR:
        chair = _chair(committee)
        if chair is None:
            raise ServiceError(
                NoticeError.NO_SIGNATORY,
                _(
                    "The committee has no chair on its roster: choose another signatory."
                ),
                field="signatory",
            )
        lines = [position_of(chair.user, chair), chair_title]
        return Signer(choice, chair.user.display_name, _lines(lines))
    if choice == Signatory.AGENCY_HEAD:
        agency = committee.agency
        if not agency.head_name.strip() or not agency.head_position.strip():
            raise ServiceError(
                NoticeError.NO_SIGNATORY,
                _(
                    "The agency's head and their position are not set: set them on the "
                    "agency's page or choose another signatory."
                ),
                field="signatory",
            )
        return Signer(choice, agency.head_name.strip(), agency.head_position.strip())
    if choice != Signatory.SECRETARY_FOR_CHAIR:
        raise ServiceError(
            NoticeError.NO_SIGNATORY,
            _("Choose who signs the letter."),
            field="signatory",
        )
    membership = committee.memberships.filter(user=sender).first()
    role = membership.role if membership is not None else Role.SECRETARY
    own_title = _SECRETARIAT_TITLES.get(role, "เลขานุการ") + committee.name
    # The secretary signs for the chair with "แทน" (on behalf of): "ปฏิบัติราชการแทน"
    # is for powers delegated under the State Administration Act s.38 and
    # "รักษาราชการแทน" for acting in a vacant office (s.41-42); the chair of a
    # committee is neither. As with those, the word ends the signer's own line and the
    # principal's title follows on the next.
    lines = [position_of(sender, membership), f"{own_title} แทน", chair_title]
    return Signer(choice, sender.display_name, _lines(lines))


def _lines(lines: list[str]) -> str:
    return "\n".join(line for line in lines if line)


def enclosure_documents(meeting: Meeting) -> list[Document]:
    """The documents the secretariat marked to go with the notice, in upload order."""
    return [
        d
        for d in meeting.documents.filter(is_enclosure=True).order_by("created_at")
        if d.current_version is not None
    ]


def agenda_document(meeting: Meeting, *, place: str) -> AgendaDocument:
    """The agenda as display text: the body, number, day, time and place, the items."""
    committee = meeting.committee
    digits = committee.agency.thai_digits
    number = (
        meeting_number(meeting.number, meeting.buddhist_year, thai_digits=digits)
        if meeting.number is not None
        else ""
    )
    title = meeting.title.removeprefix("การประชุม")
    day = format_thai_date(timezone.localtime(meeting.starts_at).date())
    when = (
        f"วันที่ {day} เวลา {format_thai_time(meeting.starts_at)} "
        f"ถึง {format_thai_time(meeting.ends_at)}"
    )
    return AgendaDocument(
        meeting_name=f"การประชุม{title} ครั้งที่ {number}".strip(),
        when=when,
        place=f"ณ {place}",
        items=tuple(
            AgendaLine(row.number, row.item.title, row.depth)
            for row in numbered_agenda(meeting=meeting)
        ),
        thai_digits=digits,
    )


def render_agenda(meeting: Meeting, *, place: str) -> bytes:
    return render_agenda_pdf(agenda_document(meeting, place=place))
