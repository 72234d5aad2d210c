"""Votes in the evidence package (Decree s.9(2); R26, R27, R33): per poll its question,
rule, quorum figures and result (with the ballots per channel); open polls with each
voter's choice and channel; secret polls with the ballots (no voters, in their stored
random order), the paper batches (how many, tellers, who handed one in) and, apart,
the list of who voted and by which channel (``channels.json``)."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.voting.models import OpenBallot, Poll, SecretBallot, VoteParticipation
from prachum.voting.room_selectors import paper_batches, voters_by_channel
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
        yield f"{base}/channels.json", json_bytes(voters_by_channel(poll))
        if poll.is_secret:
            yield f"{base}/paper_batches.json", json_bytes(paper_batches(poll))
            yield (
                f"{base}/secret_ballots.json",
                json_bytes([b.choice for b in SecretBallot.objects.filter(poll=poll)]),
            )
        else:
            yield (
                f"{base}/open_ballots.json",
                json_bytes(
                    [
                        {
                            "voter": str(b.voter_id),
                            "choice": b.choice,
                            "channel": b.channel,
                            "recorded_by": (
                                str(b.recorded_by_id) if b.recorded_by_id else None
                            ),
                        }
                        for b in OpenBallot.objects.filter(poll=poll).order_by(
                            "voter_id"
                        )
                    ]
                ),
            )
