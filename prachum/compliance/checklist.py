"""The compliance checklist of one meeting (R74): each legal requirement, whether the
record shows it met, and where the evidence is.

``passed`` is ``True`` (the record shows it), ``False`` (the record shows it was not,
or a record that should exist is missing) or ``None`` (not yet decidable: the meeting
has not been held, or Prachum does not build that part yet). The checklist is
all-green only when every item is ``True`` (:func:`all_passed`).

Every check reads the record; none re-decides a rule: scope is
:func:`prachum.domain.scope.check_scope` again, the notice rule is the code
``notices.services.send_notice`` stored, the chain is
:func:`prachum.evidence.selectors.check_chain`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.allowances.models import AllowanceRun, RunStatus
from prachum.archive import recordings
from prachum.attendance.models import Connection, IdentityCheck, Incident
from prachum.committees.selectors import deny_list
from prachum.core.citations import cite, explain_code
from prachum.domain.scope import check_scope
from prachum.domain.thai_dates import BANGKOK, format_money
from prachum.evidence.models import Seal
from prachum.evidence.selectors import check_chain, list_events
from prachum.meetings.events import MeetingEvent
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.minutes import selectors as minutes
from prachum.notices.events import NoticeEvent
from prachum.notices.models import Notice, NoticeMessage
from prachum.room.events import RoomEvent
from prachum.voting.models import Poll, PollStatus

HELD = {MeetingStatus.OPEN, MeetingStatus.SUSPENDED, MeetingStatus.CLOSED}
NOTICE_OK_CODES = {
    "NOTICE_OK",
    "NOTICE_URGENT",
    "NOTICE_INFORMED_AT_PREVIOUS_MEETING",
}


@dataclass(frozen=True)
class Check:
    code: str
    requirement: str  # "R12", "R26/R27"
    title: str
    passed: bool | None
    evidence_url: str | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def all_passed(checks: list[Check]) -> bool:
    return all(c.passed is True for c in checks)


def _events(meeting: Meeting, kind: str) -> list[Any]:
    return list(list_events(chain_key=meeting.chain_key).filter(kind=kind))


def _evidence_url(meeting: Meeting) -> str:
    return reverse("meetings:evidence", args=[meeting.pk])


def _detail_url(meeting: Meeting) -> str:
    return reverse("meetings:detail", args=[meeting.pk])


def _legal_basis(meeting: Meeting) -> Check:
    """R1: the body has a legal basis (Decree s.4)."""
    basis = meeting.committee.legal_basis.strip()
    return Check(
        "LEGAL_BASIS",
        "R1",
        _("The body has a legal basis"),
        bool(basis),
        reverse("committees:detail", args=[meeting.committee_id]),
        basis[:200] if basis else _("No legal basis is recorded for the committee."),
    )


def _in_scope(meeting: Meeting) -> Check:
    """R2/R3: not excluded by Decree s.5 or the deny-list (s.5(4), s.6 para 2)."""
    subjects = tuple(
        s
        for s in meeting.agenda_items.filter(is_removed=False).values_list(
            "subject", flat=True
        )
        if s
    )
    decision = check_scope(
        category=meeting.committee.category,
        on=timezone.localtime(meeting.starts_at, BANGKOK).date(),
        subjects=subjects,
        deny_list=deny_list(),
    )
    return Check(
        "NOT_EXCLUDED",
        "R2/R3",
        _("The meeting is not excluded from electronic meetings"),
        decision.allowed,
        _detail_url(meeting),
        f"{explain_code(decision.code)} ({cite(decision.clause)})",
    )


def _chair_decision(meeting: Meeting) -> Check:
    """R4: the chair decided to meet electronically (Decree s.6)."""
    title = _("The chair decided to meet electronically")
    if not meeting.is_electronic:
        return Check(
            "CHAIR_DECISION",
            "R4",
            title,
            True,
            None,
            _("Not an electronic meeting: no decision needed."),
        )
    recorded = bool(_events(meeting, MeetingEvent.MEETING_ELECTRONIC_DECIDED))
    return Check(
        "CHAIR_DECISION",
        "R4",
        title,
        meeting.electronic_decided_at is not None and recorded,
        _evidence_url(meeting),
        str(meeting.electronic_decided_at or _("No decision recorded.")),
    )


def _notice_sent(meeting: Meeting, notice: Notice | None) -> Check:
    """R10/R11: the written notice was sent, with exact copies of what was sent."""
    title = _("The notice was sent and copies kept")
    if notice is None:
        return Check(
            "NOTICE_SENT", "R10/R11", title, False, None, _("No notice was sent.")
        )
    messages = list(NoticeMessage.objects.filter(notice=notice))
    copies = bool(notice.letter_pdf) and all(m.raw for m in messages)
    failed = sum(1 for m in messages if m.status == NoticeMessage.Status.FAILED)
    queued = sum(1 for m in messages if m.status == NoticeMessage.Status.QUEUED)
    return Check(
        "NOTICE_SENT",
        "R10/R11",
        title,
        bool(messages) and copies and failed == 0,
        reverse("meetings:notice_letter", args=[meeting.pk, notice.pk]),
        _("%(number)s: %(count)d messages, %(failed)d failed, %(queued)d queued")
        % {
            "number": notice.letter_number,
            "count": len(messages),
            "failed": failed,
            "queued": queued,
        },
    )


def _notice_on_time(meeting: Meeting, notice: Notice | None) -> Check:
    """R12: sent early enough (APA s.80), or urgent with a reason."""
    title = _("The notice was sent in time")
    if notice is None:
        return Check("NOTICE_ON_TIME", "R12", title, False, None, _("No notice."))
    event = next(
        (
            e
            for e in _events(meeting, NoticeEvent.NOTICE_SENT)
            if e.payload.get("notice") == str(notice.pk)
        ),
        None,
    )
    days = event.payload.get("days_before") if event else None
    return Check(
        "NOTICE_ON_TIME",
        "R12",
        title,
        notice.notice_rule_code in NOTICE_OK_CODES,
        _evidence_url(meeting),
        _notice_detail(notice.notice_rule_code, days),
    )


def _notice_detail(code: str, days: Any) -> str:
    """The notice rule's verdict in words, and how many days ahead it was sent."""
    if days is None:
        return explain_code(code)
    return _("%(verdict)s; sent %(days)s days before the meeting") % {
        "verdict": explain_code(code),
        "days": days,
    }


def _identity(meeting: Meeting) -> Check:
    """R13: everyone who joined had an identity check for this meeting before joining."""
    title = _("Every attendee identified themselves")
    connections = list(Connection.objects.filter(meeting=meeting))
    if meeting.status not in HELD and not connections:
        return Check(
            "IDENTITY", "R13", title, None, None, _("The meeting has not been held.")
        )
    checks = {c.pk: c for c in IdentityCheck.objects.filter(meeting=meeting)}
    bad = [
        c
        for c in connections
        if c.identity_check_id not in checks
        or checks[c.identity_check_id].at > c.connected_at
        or checks[c.identity_check_id].user_id != c.user_id
    ]
    people = {c.user_id for c in connections}
    return Check(
        "IDENTITY",
        "R13",
        title,
        bool(connections) and not bad,
        _evidence_url(meeting),
        _("%(people)d people, %(checks)d identity checks, %(bad)d connections without")
        % {"people": len(people), "checks": len(checks), "bad": len(bad)},
    )


def _documents(meeting: Meeting) -> Check:
    """R19: the meeting's documents are stored and available to the participants."""
    documents = list(meeting.documents.prefetch_related("versions"))
    missing = [d for d in documents if not d.versions.all()]
    return Check(
        "DOCUMENTS",
        "R19",
        _("The documents are available to the participants"),
        not missing,
        _detail_url(meeting),
        _("%(count)d documents, %(missing)d without a stored file")
        % {"count": len(documents), "missing": len(missing)},
    )


def _votes(meeting: Meeting) -> Check:
    """R26/R27: open and secret votes were recorded (not applicable without polls)."""
    polls = list(Poll.objects.filter(meeting=meeting))
    title = _("Open and secret votes are recorded")
    if not polls:
        return Check(
            "VOTES", "R26/R27", title, True, None, _("No votes: not applicable.")
        )
    done = {PollStatus.CLOSED, PollStatus.VOIDED}
    pending = [p for p in polls if p.status not in done]
    secret = sum(1 for p in polls if p.is_secret)
    return Check(
        "VOTES",
        "R26/R27",
        title,
        not pending,
        _evidence_url(meeting),
        _("%(count)d polls (%(secret)d secret), %(pending)d not closed")
        % {"count": len(polls), "secret": secret, "pending": len(pending)},
    )


def _traffic(meeting: Meeting) -> Check:
    """R37: traffic data (who, when, from where) kept for every connection."""
    title = _("Traffic data is recorded")
    connections = list(Connection.objects.filter(meeting=meeting))
    if meeting.status not in HELD:
        return Check(
            "TRAFFIC_DATA",
            "R37",
            title,
            None,
            None,
            _("The meeting has not been held."),
        )
    incomplete = [
        c
        for c in connections
        if not (c.session_hash and c.server_node and c.connected_at)
        or (meeting.status == MeetingStatus.CLOSED and c.disconnected_at is None)
    ]
    return Check(
        "TRAFFIC_DATA",
        "R37",
        title,
        bool(connections) and not incomplete,
        _evidence_url(meeting),
        _("%(count)d connections, %(bad)d incomplete")
        % {"count": len(connections), "bad": len(incomplete)},
    )


def _clock(meeting: Meeting) -> Check:
    """R39: the server clock's status was recorded at the opening and the closing."""
    title = _("The clock status is recorded at the opening and the closing")
    if meeting.status not in HELD:
        return Check(
            "CLOCK", "R39", title, None, None, _("The meeting has not been held.")
        )
    opened = [
        e.payload.get("clock") for e in _events(meeting, RoomEvent.MEETING_OPENED)
    ]
    closed = [
        e.payload.get("clock") for e in _events(meeting, RoomEvent.MEETING_CLOSED)
    ]
    if meeting.status != MeetingStatus.CLOSED and not closed:
        return Check(
            "CLOCK", "R39", title, None, None, _("The meeting is not closed yet.")
        )
    recorded = bool(opened) and bool(closed) and all(opened + closed)
    synced = [c.get("synced") for c in opened + closed if isinstance(c, dict)]
    return Check(
        "CLOCK",
        "R39",
        title,
        recorded,
        _evidence_url(meeting),
        _("clock synchronised in %(synced)d of %(readings)d readings")
        % {"synced": sum(1 for s in synced if s), "readings": len(synced)},
    )


def _incidents(meeting: Meeting) -> Check:
    """R42: every incident is in the record (an event for each) and none was deleted."""
    incidents = list(Incident.objects.filter(meeting=meeting))
    recorded = {
        e.payload.get("incident") for e in _events(meeting, RoomEvent.INCIDENT_RECORDED)
    }
    missing = [i for i in incidents if str(i.pk) not in recorded]
    unhandled = sum(1 for i in incidents if i.handled_at is None)
    return Check(
        "INCIDENTS",
        "R42",
        _("Incidents are recorded"),
        not missing,
        _evidence_url(meeting),
        _(
            "%(count)d incidents, %(unhandled)d not handled, %(missing)d not in the chain"
        )
        % {"count": len(incidents), "unhandled": unhandled, "missing": len(missing)},
    )


def _recording(meeting: Meeting) -> Check:
    """R31/R32: every participant recorded for the whole meeting, every gap listed with
    its reason; a secret session's pause is not a failure (ADR 0012)."""

    title = _("The meeting is recorded (or secret and not recorded)")
    status = recordings.recording_status(meeting=meeting)
    url = _evidence_url(meeting)
    if status.state == recordings.NOT_EXPECTED:
        return Check(
            "RECORDING", "R31", title, None, None, _("Media not yet available.")
        )
    if status.state in {recordings.PENDING, recordings.PROCESSING}:
        return Check("RECORDING", "R31", title, None, url, status.label)
    if status.state == recordings.FAILED:
        return Check("RECORDING", "R31", title, False, url, status.detail)
    gaps = recordings.list_gaps(meeting=meeting)
    missing = [g for g in gaps if g["reason"] != "secret_session"]
    paused = len(gaps) - len(missing)
    return Check(
        "RECORDING",
        "R31",
        title,
        not missing,
        url,
        _("%(missing)d gaps not recorded, %(paused)d secret-session pauses")
        % {"missing": len(missing), "paused": paused},
    )


def _chain(meeting: Meeting) -> Check:
    """R34: the evidence chain recomputes and the agency sealed it at the closing."""
    report = check_chain(chain_key=meeting.chain_key)
    sealed = Seal.objects.filter(chain__key=meeting.chain_key).exists()
    title = _("The evidence chain is intact and sealed")
    if not report.ok:
        problem = report.problem
        detail = (
            _("broken at event %(seq)s") % {"seq": problem.seq}
            if problem
            else _("broken")
        )
        return Check("CHAIN", "R34", title, False, _evidence_url(meeting), detail)
    if not sealed:
        passed = False if meeting.status == MeetingStatus.CLOSED else None
        return Check(
            "CHAIN", "R34", title, passed, _evidence_url(meeting), _("Not sealed.")
        )
    return Check(
        "CHAIN",
        "R34",
        title,
        True,
        _evidence_url(meeting),
        _("%(length)d events, head %(head)s")
        % {"length": report.length, "head": (report.head or "")[:16]},
    )


def _minutes(meeting: Meeting) -> Check:
    """R48/R54: the minutes drafted from the record and approved (pending until then)."""

    title = _("The minutes are recorded")
    state = minutes.minutes_state(meeting=meeting)
    if state is None:
        return Check("MINUTES", "R48", title, None, None, _("Not yet built."))
    url = reverse("minutes:detail", args=[meeting.pk])
    return Check(
        "MINUTES",
        "R48",
        title,
        True if state == minutes.MINUTES_APPROVED else None,
        url,
        minutes.minutes_state_label(meeting=meeting),
    )


def _allowances(meeting: Meeting) -> Check:
    """R56: the allowance list was computed from the record and confirmed."""
    title = _("The allowances are computed and confirmed")
    url = reverse("allowances:meeting", args=[meeting.pk])
    runs = AllowanceRun.objects.filter(meeting=meeting)
    confirmed = runs.filter(status=RunStatus.CONFIRMED).first()
    if confirmed is not None:
        return Check(
            "ALLOWANCES", "R56", title, True, url, format_money(confirmed.total)
        )
    if runs.exists():
        return Check(
            "ALLOWANCES", "R56", title, None, url, _("Computed, not yet confirmed.")
        )
    if meeting.status != MeetingStatus.CLOSED:
        return Check(
            "ALLOWANCES", "R56", title, None, None, _("The meeting is not closed yet.")
        )
    return Check("ALLOWANCES", "R56", title, False, url, _("Not computed."))


CHECKS: tuple[Callable[[Meeting], Check], ...] = (
    _legal_basis,
    _in_scope,
    _chair_decision,
)
LATER_CHECKS: tuple[Callable[[Meeting], Check], ...] = (
    _identity,
    _documents,
    _votes,
    _traffic,
    _clock,
    _incidents,
    _recording,
    _chain,
    _minutes,
    _allowances,
)


def meeting_checklist(meeting: Meeting) -> list[Check]:
    """Every requirement the record of ``meeting`` can show, in the order of the law."""
    meeting = Meeting.objects.select_related("committee").get(pk=meeting.pk)
    notice = meeting.notices.order_by("-sent_at").first()
    return [
        *(check(meeting) for check in CHECKS),
        _notice_sent(meeting, notice),
        _notice_on_time(meeting, notice),
        *(check(meeting) for check in LATER_CHECKS),
    ]
