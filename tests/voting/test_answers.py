"""Every room command answers with what it did, never a generic "Done." (issue 14
point 7): the socket's ``ack``, the room's forms and the room ballots page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from prachum.meetings.models import AgendaItem, Meeting
from prachum.room import answers as room_answers
from prachum.room import commands
from prachum.voting import answers as vote_answers
from prachum.voting import polls

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
GENERIC = {"Done.", "ดำเนินการแล้ว", ""}


def test_every_command_of_the_table_has_its_own_answer() -> None:
    assert set(commands.COMMANDS) == set(room_answers.ANSWERS) | set(
        vote_answers.ANSWERS
    )
    for name, command in commands.COMMANDS.items():
        assert command.answer in (
            room_answers.ANSWERS.get(name),
            vote_answers.ANSWERS.get(name),
        ), name


def test_the_generic_answer_is_gone_from_the_code() -> None:
    for path in [*(ROOT / "prachum").rglob("*.py"), ROOT / "static/js/room.js"]:
        text = path.read_text(encoding="utf-8")
        assert '_("Done.")' not in text, path
        assert "t.sent" not in text, path


def test_each_answer_is_a_thai_sentence_of_its_own(
    room: Meeting, item: AgendaItem, voters: list[Any], chair: Any
) -> None:
    poll = polls.create_poll(actor=chair, item=item, kind="motion", question="อนุมัติ")
    polls.open_poll(actor=chair, poll=poll)
    polls.close_poll(actor=chair, poll=poll)
    args = {
        "user": voters[3],
        "voter": voters[3],
        "member": voters[3],
        "item": item,
        "poll": poll,
        "reason": "",
    }
    with translation.override("th"):
        said = {
            name: command.answer(room, args, None)
            for name, command in commands.COMMANDS.items()
        }
    for name, text in said.items():
        assert text not in GENERIC, name
        assert "%(" not in text, (name, text)
        assert not text.isascii(), (name, text)  # translated
    assert len(set(said.values())) == len(said), "two commands answer alike"
    assert said["participant.sign_in"] == (
        f"ลงชื่อเข้าห้องประชุม: {voters[3].display_name} แล้ว"
    )
    assert said["floor.give"] == f"ให้ {voters[3].display_name} อภิปรายแล้ว"
    assert said["meeting.close"] == "ปิดประชุมแล้ว"


def test_the_chair_hears_what_each_step_did(
    room: Meeting, voters: list[Any], chair: Any
) -> None:
    second = AgendaItem.objects.filter(meeting=room, parent=None).order_by("position")[
        1
    ]

    def run(name: str, actor: Any = chair, **args: Any) -> str:
        resolved = commands.resolve(name, meeting=room, args=args)
        with translation.override("th"):
            return commands.carry_out(name, meeting=room, actor=actor, **resolved)

    assert run("item.set", item=second.pk) == "เริ่มพิจารณาวาระที่ 2 แล้ว"
    assert run(
        "poll.create", item=second.pk, kind="motion", question="อนุมัติ"
    ).startswith("เตรียมการลงคะแนนวาระที่ 2 แล้ว")
    poll = second.polls.get()
    assert run("poll.open", poll=poll.pk) == "เปิดการลงคะแนนวาระที่ 2 แล้ว"
    for voter, choice in zip(voters[:3], ["yes", "yes", "no"], strict=True):
        # never the choice: a page must not prove a secret vote
        assert run("ballot.cast", actor=voter, poll=poll.pk, choice=choice) == (
            "ท่านได้ลงคะแนนแล้ว"
        )
    assert run("poll.close", poll=poll.pk) == (
        "ปิดการลงคะแนนวาระที่ 2 แล้ว: เห็นด้วย 2 ไม่เห็นด้วย 1 งดออกเสียง 0"
    )
    assert run("resolution.record", item=second.pk, text="อนุมัติ") == (
        "บันทึกมติวาระที่ 2 แล้ว"
    )
    assert (
        run(
            "dissent.record",
            actor=voters[2],
            item=second.pk,
            member=voters[2].pk,
            opinion="ไม่เห็นด้วย",
        )
        == f"บันทึกความเห็นแย้งของ {voters[2].display_name} ในวาระที่ 2 แล้ว"
    )
    assert run("meeting.close") == "ปิดประชุมแล้ว"
