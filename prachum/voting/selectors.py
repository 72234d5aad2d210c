"""Reading polls: the item's quorum and voting base, the majority rule, live progress,
results as each person may see them, and an item's record for the minutes.

Visibility (Decree s.9(2); R26, R27): everyone on the roster sees ``cast / eligible``
while a poll is open. An open poll also shows each voter's choice with identity. A
secret poll shows nothing about choices before it closes, and after it closes only the
totals: there is nothing else to show, the ballots are stored unlinkable (ADR 0008).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.db.models import QuerySet

from prachum.committees.models import Committee, Membership
from prachum.domain.majority import MajorityRule
from prachum.domain.quorum import (
    ItemContext,
    QuorumStatus,
)
from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import facts as room_facts
from prachum.room import quorum as room_quorum
from prachum.voting.models import (
    LIVE_STATUSES,
    Challenge,
    ChallengeOutcome,
    CommitteeVotingRule,
    Dissent,
    OpenBallot,
    Poll,
    PollKind,
    PollOption,
    PollStatus,
    Recusal,
    Resolution,
    VoteParticipation,
)

MOTION_CHOICES = ("yes", "no", "abstain")


# --- rules ----------------------------------------------------------------------------


def voting_rule_for(committee: Committee) -> CommitteeVotingRule:
    """The body's row, or an unsaved one with the APA s.82 defaults."""
    rule = CommitteeVotingRule.objects.filter(committee=committee).first()
    return rule or CommitteeVotingRule(committee=committee)


def majority_rule_for(committee: Committee) -> MajorityRule:
    row = voting_rule_for(committee)
    fraction = (
        Fraction(row.fraction_numerator, row.fraction_denominator)
        if row.fraction_numerator and row.fraction_denominator
        else None
    )
    return MajorityRule(
        kind=row.majority_kind,  # type: ignore[arg-type]
        fraction=fraction,
        abstentions=row.abstentions,  # type: ignore[arg-type]
        casting_vote=row.casting_vote,
        source=row.source,
    )


def rule_dict(rule: MajorityRule) -> dict[str, Any]:
    """The rule frozen on a poll and in the evidence (fractions as strings)."""
    return {
        "kind": rule.kind,
        "fraction": str(rule.fraction) if rule.fraction is not None else None,
        "abstentions": rule.abstentions,
        "casting_vote": rule.casting_vote,
        "source": rule.source,
    }


def rule_from_dict(data: dict[str, Any]) -> MajorityRule:
    return MajorityRule(
        kind=data["kind"],
        fraction=Fraction(data["fraction"]) if data["fraction"] else None,
        abstentions=data["abstentions"],
        casting_vote=data["casting_vote"],
        source=data["source"],
    )


# --- the item's base and quorum (R21, R23, R30) ----------------------------------------


def recused_ids(*, item: AgendaItem) -> frozenset[str]:
    """Out of the item's base: members withdrawn from it, and members whose challenge
    is pending (while challenged, the body is the other members: APA s.15 para 2)."""
    pending = Challenge.objects.filter(item=item, outcome=ChallengeOutcome.PENDING)
    return frozenset(
        str(u)
        for u in [
            *Recusal.objects.filter(item=item).values_list("member_id", flat=True),
            *pending.values_list("member_id", flat=True),
        ]
    )


def item_quorum(*, meeting: Meeting, item: AgendaItem) -> QuorumStatus:
    """The quorum for one agenda item now (APA s.79 with s.15 para 2; Decree s.9(1)).

    As ``attendance.selectors.live_quorum``, but for ``item``: members recused on the
    item leave the base, and on a secret item only a two-factor identity check counts
    (R15). ``counted_ids`` are the members present — identified and connected — who
    may vote on the item.
    """
    return room_quorum.room_quorum(
        meeting=meeting,
        facts=room_facts.room_facts(meeting=meeting, item=item),
        audio=None,
        item=ItemContext(recused=recused_ids(item=item)),
    )


# --- polls ----------------------------------------------------------------------------


def option_keys(poll: Poll) -> list[str]:
    """The poll's choices in order: yes/no/abstain for a motion, else option ids."""
    return option_keys_of(poll_id=poll.pk, kind=poll.kind)


def option_keys_of(*, poll_id: Any, kind: str) -> list[str]:
    if kind == PollKind.MOTION:
        return list(MOTION_CHOICES)
    return [
        str(pk)
        for pk in PollOption.objects.filter(poll_id=poll_id)
        .order_by("position")
        .values_list("pk", flat=True)
    ]


def live_poll(*, meeting: Meeting) -> Poll | None:
    """The meeting's open poll, or the one waiting for a casting vote."""
    return (
        Poll.objects.filter(meeting=meeting, status__in=LIVE_STATUSES)
        .select_related("item")
        .first()
    )


def poll_snapshot(*, meeting: Meeting, user: Any) -> dict[str, Any] | None:
    """The ``poll`` section of the room snapshot: the live poll as ``user`` may see it
    (registered as a section of ``room.snapshot.room_snapshot``)."""
    poll = live_poll(meeting=meeting)
    return poll_dict(poll, viewer=user) if poll is not None else None


def list_polls(*, item: AgendaItem) -> QuerySet[Poll]:
    return Poll.objects.filter(item=item).prefetch_related("options")


def opened_polls(*, meeting: Meeting) -> QuerySet[Poll]:
    """The meeting's polls that were opened, in the order they were opened."""
    return Poll.objects.filter(meeting=meeting, opened_at__isnull=False).order_by(
        "opened_at"
    )


def progress(poll: Poll) -> dict[str, Any]:
    return {
        "poll": str(poll.pk),
        "cast": VoteParticipation.objects.filter(poll=poll).count(),
        "eligible": poll.eligible_count,
    }


def _names(user_ids: list[Any]) -> dict[str, str]:
    rows = Membership.objects.filter(user_id__in=user_ids).select_related("user")
    return {str(m.user_id): m.user.display_name for m in rows}


def poll_dict(poll: Poll, *, viewer: Any = None) -> dict[str, Any]:
    """A poll as anyone on the roster may see it (see the module docstring)."""
    options = [
        {"id": str(o.pk), "label": o.label, "position": o.position}
        for o in poll.options.all()
    ]
    data: dict[str, Any] = {
        "id": str(poll.pk),
        "item": str(poll.item_id),
        "kind": poll.kind,
        "question": poll.question,
        "is_secret": poll.is_secret,
        "max_choices": poll.max_choices,
        "status": poll.status,
        "options": options,
        "eligible": poll.eligible_count,
        "cast": None,
        "opened_at": poll.opened_at.isoformat() if poll.opened_at else None,
        "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
        "quorum_at_open": poll.quorum_at_open,
        "open_without_quorum_reason": poll.open_without_quorum_reason,
        "quorum_at_close": poll.quorum_at_close,
        "close_without_quorum_reason": poll.close_without_quorum_reason,
        "rule": poll.rule,
        "base_members": poll.base_members,
        "result": None,
        "ballots": None,
        "me": None,
    }
    if poll.status != PollStatus.DRAFT:
        data["cast"] = progress(poll)["cast"]
    if not poll.is_secret and poll.status != PollStatus.DRAFT:
        ballots = list(OpenBallot.objects.filter(poll=poll).order_by("cast_at"))
        names = _names([b.voter_id for b in ballots])
        data["ballots"] = [
            {
                "voter": str(b.voter_id),
                "name": names.get(str(b.voter_id), ""),
                "choice": b.choice,
                "cast_at": b.cast_at.isoformat(),
                "channel": b.channel,
            }
            for b in ballots
        ]
    if poll.status in {
        PollStatus.CLOSED,
        PollStatus.AWAITING_CASTING_VOTE,
        PollStatus.VOIDED,
    }:
        data["result"] = result_dict(poll)
    if viewer is not None and getattr(viewer, "is_authenticated", False):
        data["me"] = {
            "eligible": poll.eligible.filter(voter=viewer).exists(),
            "voted": VoteParticipation.objects.filter(poll=poll, voter=viewer).exists(),
        }
    return data


def result_dict(poll: Poll) -> dict[str, Any]:
    """Totals and the decision; for a secret poll this is all there is (R27)."""
    casting = getattr(poll, "casting_vote", None) if poll.pk else None
    return {
        "ballots_cast": poll.ballots_cast,
        "eligible": poll.eligible_count,
        "tally": poll.tally,
        "outcome": poll.outcome,
        "carried": poll.carried,
        "winners": poll.winners,
        "tied": poll.tied,
        "channels": poll.channels,
        "clause": poll.outcome_clause,
        "detail": poll.outcome_detail,
        "casting_vote": (
            {
                "chair": str(casting.chair_id),
                "choice": casting.choice,
                "at": casting.at.isoformat(),
            }
            if casting is not None
            else None
        ),
        "decided_at": poll.decided_at.isoformat() if poll.decided_at else None,
    }


def get_poll(*, poll_id: Any) -> Poll | None:
    return (
        Poll.objects.select_related("meeting__committee", "item")
        .prefetch_related("options")
        .filter(pk=poll_id)
        .first()
    )


# --- the item's record for the minutes (R26, R27, R29, R30, R52) ------------------------


def current_resolution(*, item: AgendaItem) -> Resolution | None:
    return Resolution.objects.filter(item=item).order_by("-at").first()


def item_record(*, item: AgendaItem) -> dict[str, Any]:
    """What the minutes show under an item: recusals, each poll's result, the
    resolution (and earlier versions), and dissents with reasons."""
    recusals = list(Recusal.objects.filter(item=item))
    dissents = list(Dissent.objects.filter(item=item))
    resolutions = list(Resolution.objects.filter(item=item).order_by("at"))
    names = _names([r.member_id for r in recusals] + [d.member_id for d in dissents])
    return {
        "item": str(item.pk),
        "recusals": [
            {
                "member": str(r.member_id),
                "name": names.get(str(r.member_id), ""),
                "kind": r.kind,
                "ground": r.ground,
                "detail": r.detail,
                "at": r.at.isoformat(),
            }
            for r in recusals
        ],
        "polls": [
            poll_dict(p) for p in list_polls(item=item).exclude(status=PollStatus.DRAFT)
        ],
        "resolution": resolutions[-1].text if resolutions else None,
        "resolution_history": [
            {"text": r.text, "at": r.at.isoformat(), "poll": str(r.poll_id or "")}
            for r in resolutions
        ],
        "dissents": [
            {
                "member": str(d.member_id),
                "name": names.get(str(d.member_id), ""),
                "opinion": d.opinion,
                "at": d.at.isoformat(),
            }
            for d in dissents
        ],
    }
