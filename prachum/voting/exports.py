"""Votes in the evidence package (Decree s.9(2); R26, R27, R33): per poll its question,
rule, quorum figures and result; open polls with each voter's choice; secret polls with
the ballots (no voters, in their stored random order) and, apart, the list of who voted."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.voting.models import OpenBallot, Poll, SecretBallot, VoteParticipation
from prachum.voting.selectors import result_dict


def vote_files(meeting: Meeting) -> Iterator[File]:
    for poll in Poll.objects.filter(meeting=meeting).order_by("created_at"):
        base = f"votes/{poll.pk}"
        yield (
            f"{base}/poll.json",
            json_bytes(
                {
                    "id": str(poll.pk),
                    "item": str(poll.item_id),
                    "kind": poll.kind,
                    "question": poll.question,
                    "is_secret": poll.is_secret,
                    "max_choices": poll.max_choices,
                    "options": [
                        {"id": str(o.pk), "label": o.label}
                        for o in poll.options.order_by("position")
                    ],
                    "status": poll.status,
                    "rule": poll.rule,
                    "base_members": poll.base_members,
                    "quorum_at_open": poll.quorum_at_open,
                    "quorum_at_close": poll.quorum_at_close,
                    "result": result_dict(poll),
                }
            ),
        )
        voters = sorted(
            str(v)
            for v in VoteParticipation.objects.filter(poll=poll).values_list(
                "voter_id", flat=True
            )
        )
        yield f"{base}/voters.json", json_bytes(voters)
        if poll.is_secret:
            yield (
                f"{base}/secret_ballots.json",
                json_bytes([b.choice for b in SecretBallot.objects.filter(poll=poll)]),
            )
        else:
            yield (
                f"{base}/open_ballots.json",
                json_bytes(
                    [
                        {"voter": str(b.voter_id), "choice": b.choice}
                        for b in OpenBallot.objects.filter(poll=poll).order_by(
                            "voter_id"
                        )
                    ]
                ),
            )
