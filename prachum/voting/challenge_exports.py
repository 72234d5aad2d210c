"""Challenges in the evidence package (APA ss.13-17; R75, R76): ``challenges.json``,
each written challenge with its ground, facts, addressee and the meeting's decision with
its tally; and which resolutions the chair flagged for redo. ``prachum verify``
recomputes the file from the events (``prachum/verify/challenges.py``)."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.voting.models import Challenge, Resolution


def challenge_files(meeting: Meeting) -> Iterator[File]:
    rows = Challenge.objects.filter(item__meeting=meeting).order_by("filed_at", "id")
    yield (
        "challenges.json",
        json_bytes(
            {
                "challenges": [
                    {
                        "id": str(c.id),
                        "item": str(c.item_id),
                        "member": str(c.member_id),
                        "challenger": c.challenger_name,
                        "ground": c.ground,
                        "facts": c.facts,
                        "addressed_to": c.addressed_to,
                        "filed_by": str(c.filed_by_id),
                        "filed_at": c.filed_at,
                        "outcome": c.outcome,
                        "tally": None
                        if c.decided_at is None
                        else [c.votes_continue, c.votes_remove, c.abstentions],
                        "poll": str(c.poll_id) if c.poll_id else None,
                        "recusal": str(c.recusal_id) if c.recusal_id else None,
                        "decided_at": c.decided_at,
                    }
                    for c in rows
                ],
                "redo_requested": sorted(
                    str(pk)
                    for pk in Resolution.objects.filter(
                        item__meeting=meeting, redo_requested=True
                    ).values_list("pk", flat=True)
                ),
            }
        ),
    )
