"""Reading policies and holds, and working out what is due for purging (R40, R69)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from prachum.attendance.models import Connection
from prachum.core.errors import ServiceError
from prachum.domain.hashchain import ChainReport
from prachum.evidence.models import EvidenceChain, Seal
from prachum.meetings.models import Meeting, MeetingStatus
from prachum.retention import rules
from prachum.retention.error_codes import RetentionError
from prachum.retention.models import (
    AUDIT_CHAIN,
    AUDIT_HEAD,
    AuditLog,
    HoldScope,
    LegalHold,
    RecordClass,
    RetentionPolicy,
)

#: Only a finished meeting's record can be complete; drafts and open meetings stay.
FINISHED = (MeetingStatus.CLOSED, MeetingStatus.CANCELLED)

#: The classes ``purge_records`` deletes; ``documents`` go with their meeting's record.
PURGEABLE = (
    RecordClass.MINUTES_PACKAGE,
    RecordClass.TRAFFIC_DATA,
    RecordClass.LOGIN_AUDIT,
)

#: The policies a class's period depends on: a meeting's record holds its documents
#: and its traffic data, so it goes only when all three periods have passed.
DEPENDS_ON: dict[str, tuple[str, ...]] = {
    RecordClass.MINUTES_PACKAGE: (
        RecordClass.MINUTES_PACKAGE,
        RecordClass.DOCUMENTS,
        RecordClass.TRAFFIC_DATA,
    ),
    RecordClass.TRAFFIC_DATA: (RecordClass.TRAFFIC_DATA,),
    RecordClass.LOGIN_AUDIT: (RecordClass.LOGIN_AUDIT,),
}


class PurgeRefusedError(ServiceError):
    """The purge would break a rule; nothing is deleted."""


@dataclass(frozen=True)
class Period:
    record_class: str
    keep_days: int
    source: str
    policy_id: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "record_class": self.record_class,
            "keep_days": self.keep_days,
            "source": self.source,
            "policy": self.policy_id,
        }


@dataclass(frozen=True)
class Candidate:
    """One thing the purge would delete (or would, but for a hold)."""

    record_class: str
    target: str  # meeting:<uuid> | account:<uuid>
    subject_id: Any  # the meeting's id, or the evidence chain's id
    label: str
    record_end: datetime
    due_at: datetime
    holds: tuple[str, ...] = ()
    connections: int = 0  # traffic data: how many connection rows

    @property
    def is_held(self) -> bool:
        return bool(self.holds)


@dataclass
class Plan:
    now: datetime
    days: dict[str, int]
    periods: dict[str, Period]
    candidates: list[Candidate] = field(default_factory=list)

    def of(self, record_class: str, *, held: bool) -> list[Candidate]:
        return [
            c
            for c in self.candidates
            if c.record_class == record_class and c.is_held == held
        ]

    def periods_for(self, record_class: str) -> list[dict[str, Any]]:
        return [self.periods[c].as_dict() for c in DEPENDS_ON[record_class]]


def policy_in_force(record_class: str, *, on: date | None = None) -> Period | None:
    """The agency's policy for ``record_class`` on ``on`` (today in Bangkok)."""
    day = on or timezone.localdate()
    policy = (
        RetentionPolicy.objects.filter(
            record_class=record_class, effective_from__lte=day
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from")
        .first()
    )
    if policy is None:
        return None
    return Period(
        record_class=policy.record_class,
        keep_days=policy.keep_days,
        source=policy.source,
        policy_id=policy.pk,
    )


def active_holds(*, meeting: Meeting) -> QuerySet[LegalHold]:
    """Holds that keep ``meeting``: on the meeting itself or on its whole committee."""
    return LegalHold.objects.filter(released_at__isnull=True).filter(
        Q(scope=HoldScope.MEETING, meeting_id=meeting.pk)
        | Q(scope=HoldScope.COMMITTEE, committee_id=meeting.committee_id)
    )


def list_holds(*, active_only: bool = False) -> QuerySet[LegalHold]:
    holds = LegalHold.objects.select_related(
        "meeting", "committee", "placed_by", "released_by"
    )
    if active_only:
        holds = holds.filter(released_at__isnull=True)
    return holds


def _held_ids(meetings: Iterable[Meeting]) -> dict[Any, tuple[str, ...]]:
    meetings = list(meetings)
    by_meeting: dict[Any, list[str]] = defaultdict(list)
    by_committee: dict[Any, list[str]] = defaultdict(list)
    holds = LegalHold.objects.filter(released_at__isnull=True).filter(
        Q(meeting_id__in=[m.pk for m in meetings])
        | Q(committee_id__in={m.committee_id for m in meetings})
    )
    for hold in holds:
        if hold.scope == HoldScope.MEETING:
            by_meeting[hold.meeting_id].append(str(hold.pk))
        else:
            by_committee[hold.committee_id].append(str(hold.pk))
    return {
        m.pk: tuple(sorted(by_meeting[m.pk] + by_committee[m.committee_id]))
        for m in meetings
    }


def meeting_record_end(meeting: Meeting) -> datetime:
    """When the meeting's record was complete: its end, or its seal if later.

    Events appended later (a package downloaded years on) do not restart the period.
    """
    sealed = Seal.objects.filter(chain__key=meeting.chain_key).aggregate(
        last=Max("sealed_at")
    )["last"]
    return max(meeting.ends_at, sealed) if sealed else meeting.ends_at


def meeting_label(meeting: Meeting) -> str:
    return f"{meeting.title} {meeting.number_label}"


def _refuse(code: RetentionError, message: str) -> PurgeRefusedError:
    return PurgeRefusedError(code, message)


def build_plan(
    *,
    classes: Iterable[str],
    older_than_days: int | None = None,
    now: datetime | None = None,
) -> Plan:
    """What ``purge_records`` would delete now, or ``PurgeRefusedError`` if it may not.

    Refused, with nothing deleted: a class without a policy in force; a policy under
    the CCA floor (entered in the database past validation); an ``older_than_days``
    under the floor or shorter than a policy (R69: never before the retention end).
    """
    now = now or timezone.now()
    classes = [RecordClass(c) for c in classes]
    needed = {p for c in classes for p in DEPENDS_ON[c]}
    periods: dict[str, Period] = {}
    for record_class in sorted(needed):
        period = policy_in_force(record_class, on=timezone.localdate(now))
        if period is None:
            raise _refuse(
                RetentionError.POLICY_MISSING,
                f"No retention policy in force for {record_class}: nothing is purged "
                "without the agency's retention schedule.",
            )
        if rules.below_floor(period.keep_days):
            raise _refuse(
                RetentionError.POLICY_BELOW_FLOOR,
                f"The {record_class} policy #{period.policy_id} keeps records "
                f"{period.keep_days} days, under the {rules.CCA_FLOOR_DAYS}-day floor "
                "of the Computer-Related Crime Act s.26. Fix the policy; nothing was "
                "purged.",
            )
        periods[record_class] = period
    if older_than_days is not None:
        if rules.below_floor(older_than_days):
            raise _refuse(
                RetentionError.BELOW_CCA_FLOOR,
                f"--older-than-days {older_than_days} is under the "
                f"{rules.CCA_FLOOR_DAYS}-day floor of the Computer-Related Crime Act "
                "s.26 for traffic data; nothing was purged.",
            )
        for record_class in sorted(needed):
            if older_than_days < periods[record_class].keep_days:
                raise _refuse(
                    RetentionError.BEFORE_RETENTION_END,
                    f"--older-than-days {older_than_days} is shorter than the "
                    f"{record_class} policy ({periods[record_class].keep_days} days, "
                    f"{periods[record_class].source}); nothing was purged.",
                )
    extra = [older_than_days] if older_than_days is not None else []
    days = {
        c: rules.retention_days(*[periods[p].keep_days for p in DEPENDS_ON[c]], *extra)
        for c in classes
    }
    plan = Plan(now=now, days=days, periods=periods)
    going: set[Any] = set()
    if RecordClass.MINUTES_PACKAGE in days:
        plan.candidates.extend(_due_meetings(now, days[RecordClass.MINUTES_PACKAGE]))
        going = {
            c.subject_id
            for c in plan.candidates
            if c.record_class == RecordClass.MINUTES_PACKAGE and not c.is_held
        }
    if RecordClass.TRAFFIC_DATA in days:
        plan.candidates.extend(
            _due_traffic(now, days[RecordClass.TRAFFIC_DATA], skip=going)
        )
    if RecordClass.LOGIN_AUDIT in days:
        plan.candidates.extend(_due_account_chains(now, days[RecordClass.LOGIN_AUDIT]))
    return plan


def _due_meetings(now: datetime, days: int) -> list[Candidate]:
    limit = rules.cutoff(now, days)
    meetings = list(
        Meeting.objects.filter(status__in=FINISHED, ends_at__lte=limit).order_by(
            "ends_at"
        )
    )
    held = _held_ids(meetings)
    due = []
    for meeting in meetings:
        end = meeting_record_end(meeting)
        if end > limit:
            continue
        due.append(
            Candidate(
                record_class=RecordClass.MINUTES_PACKAGE,
                target=meeting.chain_key,
                subject_id=meeting.pk,
                label=meeting_label(meeting),
                record_end=end,
                due_at=rules.due_at(end, days),
                holds=held[meeting.pk],
            )
        )
    return due


def _due_traffic(now: datetime, days: int, *, skip: set[Any]) -> list[Candidate]:
    """Finished meetings whose connections all ended ``days`` ago or more (CCA s.26:
    the period runs from when the data entered the system; a connection's end is the
    last of it). A meeting's connection rows go together."""
    limit = rules.cutoff(now, days)
    rows = (
        Connection.objects.filter(meeting__status__in=FINISHED)
        .exclude(meeting_id__in=skip)
        .values("meeting_id")
        .annotate(
            last=Max("disconnected_at"),
            count=Count("id"),
            still_open=Count("id", filter=Q(disconnected_at__isnull=True)),
        )
        .filter(last__lte=limit, still_open=0)
    )
    found = {row["meeting_id"]: row for row in rows}
    meetings = list(Meeting.objects.filter(pk__in=found).order_by("ends_at"))
    held = _held_ids(meetings)
    return [
        Candidate(
            record_class=RecordClass.TRAFFIC_DATA,
            target=meeting.chain_key,
            subject_id=meeting.pk,
            label=meeting_label(meeting),
            record_end=found[meeting.pk]["last"],
            due_at=rules.due_at(found[meeting.pk]["last"], days),
            holds=held[meeting.pk],
            connections=found[meeting.pk]["count"],
        )
        for meeting in meetings
    ]


def _due_account_chains(now: datetime, days: int) -> list[Candidate]:
    """Account chains whose newest event is past the period: a chain is purged whole,
    because removing its oldest events would break its hashes from the genesis."""
    limit = rules.cutoff(now, days)
    chains = (
        EvidenceChain.objects.filter(key__startswith="account:")
        .annotate(last_at=Max("events__at"))
        .filter(last_at__lte=limit)
        .order_by("last_at")
    )
    return [
        Candidate(
            record_class=RecordClass.LOGIN_AUDIT,
            target=chain.key,
            subject_id=chain.pk,
            label=f"{chain.key} ({chain.length} events)",
            record_end=chain.last_at,
            due_at=rules.due_at(chain.last_at, days),
        )
        for chain in chains
    ]


def list_audit_log() -> QuerySet[AuditLog]:
    return AuditLog.objects.select_related("actor").order_by("seq")


def check_audit_log() -> ChainReport:
    """Recompute every hash of the audit log and compare with its head."""
    return AUDIT_CHAIN.check(AuditLog.objects.order_by("seq"), head=AUDIT_HEAD)
