"""Incidents in the minutes as plain Thai sentences (R42, R48): the audio and video
server dies and comes back through the media watchdog (against the in-memory media
server), a vote is held meanwhile, a member drops and the quorum goes; the body reads
as sentences, the raw detail is only in the technical annex and the package."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from prachum.domain.incidents import (
    IncidentCode,
    IncidentFacts,
    part_codes,
    sentence_parts,
)
from prachum.domain.thai_dates import format_thai_time
from prachum.media.fake import FakeMediaServer
from prachum.media.loader import get_media_server
from prachum.media.protocol import MediaHealth
from prachum.media.watchdog import MediaWatchdog
from prachum.meetings.models import Meeting
from prachum.minutes import services
from prachum.minutes.approval_block import approval_block
from prachum.minutes.exports import minutes_files
from prachum.minutes.incidents import TEMPLATES, render_parts
from prachum.minutes.pdf import render_minutes_pdf
from prachum.room import connections as room_connections
from prachum.room import floor as room_floor
from prachum.room import lifecycle as room_lifecycle
from prachum.voting import polls
from tests.letters.test_invitation_pdf import pdftotext, skeleton

pytestmark = pytest.mark.django_db

THAI = re.compile(r"[\u0E00-\u0E7F]")
RAW = ("MEDIA_SERVER_DOWN", "Errno", "fake-1", "unknown", "3/4", "_")


def test_every_clause_has_a_thai_template() -> None:
    assert set(TEMPLATES) == part_codes()
    for code in IncidentCode:
        facts = IncidentFacts(
            code,
            start="10.00 น.",
            end="10.05 น.",
            polls_open=("อนุมัติโครงการ",),
            affected=3,
            subject="นายกรรมการ คนที่1",
            report="ภาพกระตุก",
            handled="10.06 น.",
            handling="ให้เชื่อมต่อใหม่",
            counted=3,
            required=4,
        )
        text = render_parts(sentence_parts(facts))
        assert text.startswith("เวลา 10.00 น. "), text
        assert not re.search(r"[A-Za-z]", text), text  # all Thai, no msgid left
        assert code.value not in text


def test_the_three_wordings_of_a_lasting_incident() -> None:
    down = IncidentCode.MEDIA_SERVER_DOWN
    text = render_parts(
        sentence_parts(IncidentFacts(down, start="00.08 น.", end="00.08 น."))
    )
    assert text == (
        "เวลา 00.08 น. ระบบภาพและเสียงขัดข้อง กลับมาใช้งานได้เวลา 00.08 น."
        " ไม่มีการลงคะแนนระหว่างนั้น"
    )
    text = render_parts(
        sentence_parts(
            IncidentFacts(down, start="00.08 น.", polls_open=("อนุมัติโครงการ",))
        )
    )
    assert "ระบบยังใช้งานไม่ได้จนถึงเวลาเลิกประชุม" in text
    assert "ระหว่างนั้นมีการลงคะแนนเปิดอยู่ ได้แก่ อนุมัติโครงการ" in text
    text = render_parts(
        sentence_parts(IncidentFacts(down, start="10.00 น.", affected=12)), thai=True
    )
    assert "ได้รับผลกระทบ ๑๒ คน" in text


class _Switchable:
    """The fake media server, reachable or not as the test says."""

    def __init__(self, inner: FakeMediaServer) -> None:
        self.inner = inner
        self.name = inner.name
        self.up = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def health(self) -> MediaHealth:
        if not self.up:
            return MediaHealth(reachable=False, error="[Errno 111] Connection refused")
        return self.inner.health()


@pytest.fixture
def troubled_meeting(
    settings: Any,
    room_settings: None,
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    present: Callable[..., Any],
    chair: Any,
    members: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> Meeting:
    settings.MEDIA_SERVER = "prachum.media.fake.FakeMediaServer"
    settings.JANUS_TOKEN_SECRET = "test-token-secret"
    settings.JANUS_ROOM_ADMIN_KEY = "test-room-key"
    settings.JANUS_PUBLIC_URL = "http://127.0.0.1:8088/janus"
    inner = get_media_server()
    assert isinstance(inner, FakeMediaServer)
    server = _Switchable(inner)
    watchdog = MediaWatchdog(server=server, process=False)  # type: ignore[arg-type]

    def step(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    meeting = step(lambda: open_room(notified_meeting))
    item = meeting.agenda_items.get(position=400)
    room_floor.set_current_item(actor=chair, meeting=meeting, item=item)
    step(watchdog.poll_once)
    # 1. The server dies; a vote is held while it is down; it comes back.
    server.up = False
    step(watchdog.poll_once)
    poll = polls.create_poll(
        actor=chair, item=item, kind="motion", question="อนุมัติงบประมาณ"
    )
    polls.open_poll(actor=chair, poll=poll)
    polls.close_poll(actor=chair, poll=poll)
    server.up = True
    step(watchdog.poll_once)
    # 2. A member drops (the quorum goes) and comes back.
    connection = meeting.connections.filter(user=members[1]).get()
    room_connections.close_connection(connection_id=connection.id, reason="lost")
    present(members[1], meeting)
    # 3. The server dies again and is not back by the close.
    server.up = False
    step(watchdog.poll_once)
    step(lambda: room_lifecycle.close_meeting(actor=chair, meeting=meeting))
    meeting.refresh_from_db()
    return meeting


def test_incidents_read_as_sentences_and_raw_detail_goes_to_the_annex(
    troubled_meeting: Meeting, secretary: Any, members: list[Any], tmp_path: Path
) -> None:
    draft = services.draft_minutes(actor=secretary, meeting=troubled_meeting)
    body = draft.content["incidents"]
    downs = [line for line in body if "ระบบภาพและเสียงขัดข้อง" in line]
    assert len(downs) == 2
    first, last = downs
    assert "ได้รับผลกระทบ 4 คน" in first
    assert "กลับมาใช้งานได้เวลา" in first
    assert "ระหว่างนั้นมีการลงคะแนนเปิดอยู่ ได้แก่ อนุมัติงบประมาณ" in first
    assert "ระบบยังใช้งานไม่ได้จนถึงเวลาเลิกประชุม" in last
    assert "ไม่มีการลงคะแนนระหว่างนั้น" in last
    name = members[1].display_name
    dropped = next(line for line in body if "ขาดการเชื่อมต่อ" in line)
    assert name in dropped
    assert "และกลับเข้าร่วมประชุมเวลา" in dropped
    quorum = next(line for line in body if "องค์ประชุมไม่ครบ" in line)
    assert "(มาประชุม 3 คน ต้องมีอย่างน้อย 4 คน)" in quorum
    assert "องค์ประชุมกลับมาครบเวลา" in quorum
    # The regained quorum closes the lost one: not a sentence of its own.
    assert not any(
        line.startswith("เวลา") and "องค์ประชุมกลับมาครบ (" in line for line in body
    )
    for line in body:
        for raw in RAW:
            assert raw not in line, line
        assert THAI.search(line)
    technical = draft.content["technical"]
    assert any(
        "MEDIA_SERVER_DOWN" in line and "Errno 111" in line for line in technical
    )
    assert any("3/4" in line for line in technical)
    # The PDF: sentences in the body; the raw lines only after the annex heading.
    text = pdftotext(
        render_minutes_pdf(draft.content, approval_block(version=draft)), tmp_path
    )
    flat = skeleton(text)
    body_text, annex = flat.split(skeleton("ภาคผนวก รายละเอียดทางเทคนิค"))
    assert skeleton("ไม่มีการลงคะแนนระหว่างนั้น") in body_text
    assert "MEDIA_SERVER_DOWN" not in body_text
    assert "Errno" not in body_text
    assert "MEDIA_SERVER_DOWN" in annex
    assert "3/4" in annex
    # The package carries the technical detail with the content.
    files = dict(minutes_files(troubled_meeting))
    package = json.loads(files["minutes.json"])
    assert package["content"]["technical"] == technical


def test_the_time_of_each_sentence_is_the_incident_time(
    troubled_meeting: Meeting, secretary: Any
) -> None:
    draft = services.draft_minutes(actor=secretary, meeting=troubled_meeting)
    first = troubled_meeting.incidents.order_by("at").first()
    assert draft.content["incidents"][0].startswith(
        f"เวลา {format_thai_time(first.at)} "
    )


def test_every_incident_the_system_writes_has_its_own_sentence() -> None:
    """Each stored kind, and each code the media layer puts in a description, maps
    to a clause of its own (not the catch-all "ระบบขัดข้อง")."""
    from prachum.attendance.models import IncidentKind
    from prachum.domain.incidents import classify
    from prachum.room import media as room_media

    for kind in IncidentKind.values:
        code = classify(kind, "")
        assert (code == IncidentCode.OTHER) == (kind == IncidentKind.OTHER)
    for prefix in (
        room_media.MEDIA_SERVER_DOWN,
        room_media.MEDIA_ROOM_FAILED,
        room_media.MEDIA_LOST,
        room_media.MEDIA_NOT_RECORDING,
    ):
        assert classify(IncidentKind.OTHER, f"{prefix}: x") != IncidentCode.OTHER
    assert (
        classify(IncidentKind.OTHER, "recordings not processed: x")
        == IncidentCode.RECORDINGS_NOT_PROCESSED
    )
