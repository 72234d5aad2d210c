"""Incidents as the minutes' sentences: classification of every stored incident and the
clauses of each sentence (R42; MDES 2563 cl.5(7))."""

import pytest

from prachum.domain.incidents import (
    LASTING,
    IncidentCode,
    IncidentFacts,
    classify,
    part_codes,
    sentence_parts,
)


@pytest.mark.parametrize(
    ("kind", "description", "code"),
    [
        ("other", "MEDIA_SERVER_DOWN: janus-1: [Errno 111]", "media_server_down"),
        ("other", "MEDIA_ROOM_FAILED: create room: boom", "media_room_failed"),
        ("other", "MEDIA_NOT_RECORDING: folder: room 7", "media_not_recording"),
        ("connection_lost", "MEDIA_LOST: นาย ก (hangup)", "connection_lost"),
        ("connection_lost", "นาย ก", "connection_lost"),
        ("quorum_lost", "2/4", "quorum_lost"),
        ("quorum_regained", "4/4", "quorum_regained"),
        ("clock_unsynced", "unknown", "clock_unsynced"),
        ("reported", "ภาพกระตุก", "reported"),
        (
            "other",
            "recordings not processed: ffmpeg missing",
            "recordings_not_processed",
        ),
        ("other", "something else", "other"),
        ("no_such_kind", "x", "other"),
    ],
)
def test_classify(kind, description, code):
    assert classify(kind, description) == IncidentCode(code)


def codes(parts):
    return [p.code for p in parts]


def test_a_lasting_incident_with_its_end_and_no_vote():
    facts = IncidentFacts(
        IncidentCode.MEDIA_SERVER_DOWN, start="00.08 น.", end="00.09 น.", affected=3
    )
    parts = sentence_parts(facts)
    assert codes(parts) == [
        "start.media_server_down",
        "affected",
        "end.media_server_down",
        "votes.none",
    ]
    assert parts[0].params["start"] == "00.08 น."
    assert parts[1].params == {"count": 3}
    assert parts[2].params == {"end": "00.09 น."}


def test_an_open_ended_incident_with_a_vote_open():
    facts = IncidentFacts(
        IncidentCode.CONNECTION_LOST,
        start="10.00 น.",
        subject="นาย ก",
        polls_open=("อนุมัติโครงการ", "ต่ออายุสัญญา"),
    )
    parts = sentence_parts(facts)
    assert codes(parts) == [
        "start.connection_lost",
        "open.connection_lost",
        "votes.open",
    ]
    assert parts[0].params["subject"] == "นาย ก"
    assert parts[2].params == {"questions": "อนุมัติโครงการ, ต่ออายุสัญญา"}


def test_quorum_counts_and_a_point_incident_without_votes_clause():
    parts = sentence_parts(
        IncidentFacts(
            IncidentCode.QUORUM_REGAINED, start="10.00 น.", counted=4, required=4
        )
    )
    assert codes(parts) == ["start.quorum_regained", "quorum"]
    assert parts[1].params == {"counted": 4, "required": 4}
    # Only one of the two counts known: no quorum clause.
    parts = sentence_parts(
        IncidentFacts(IncidentCode.QUORUM_LOST, start="10.00 น.", counted=2)
    )
    assert codes(parts) == ["start.quorum_lost", "open.quorum_lost", "votes.none"]


def test_a_reported_incident_with_its_handling():
    parts = sentence_parts(
        IncidentFacts(
            IncidentCode.REPORTED,
            start="10.00 น.",
            subject="นาย ข",
            report="ภาพกระตุก",
            handled="10.05 น.",
            handling="ให้เชื่อมต่อใหม่",
        )
    )
    assert codes(parts) == ["start.reported", "handled"]
    assert parts[0].params["report"] == "ภาพกระตุก"
    assert parts[1].params == {"at": "10.05 น.", "handling": "ให้เชื่อมต่อใหม่"}


def test_every_clause_produced_is_listed_in_part_codes():
    listed = part_codes()
    for code in IncidentCode:
        for end in ("10.01 น.", None):
            for polls in ((), ("q",)):
                facts = IncidentFacts(
                    code,
                    start="10.00 น.",
                    end=end,
                    polls_open=polls,
                    affected=1,
                    handled="10.02 น.",
                    counted=1,
                    required=2,
                )
                assert set(codes(sentence_parts(facts))) <= listed
    assert set(IncidentCode) >= LASTING
