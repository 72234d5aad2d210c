"""The timeline drawing from plain values: the time axis on round Bangkok minutes,
text escaped (a name is data, never markup), the agency's Thai digits, the empty case."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from prachum.archive.timeline import IN_ROOM, INCIDENT, Bar, Lane, Mark, Timeline
from prachum.archive.timeline_svg import MAX_TICKS, render_timeline_svg, tick_times
from prachum.domain.thai_dates import BANGKOK

START = dt.datetime(2026, 12, 16, 9, 58, 30, tzinfo=BANGKOK)


def _timeline(*, name: str = "นายกรรมการ", thai_digits: bool = False) -> Timeline:
    end = START + dt.timedelta(minutes=47)
    return Timeline(
        start=START,
        end=end,
        lanes=(
            Lane("u1", name, "member", True, (Bar(START, end, IN_ROOM),)),
            Lane("u2", "นายขาด", "member", True, ()),
        ),
        counts=((START, 1),),
        required=2,
        eligible=2,
        marks=(Mark(START + dt.timedelta(minutes=5), INCIDENT, "<b>ขัดข้อง</b>"),),
        thai_digits=thai_digits,
    )


def test_ticks_fall_on_round_bangkok_minutes_and_are_few() -> None:
    ticks = tick_times(START, START + dt.timedelta(minutes=47))
    assert [t.strftime("%H:%M") for t in ticks] == [
        "10:00",
        "10:10",
        "10:20",
        "10:30",
        "10:40",
    ]
    long = tick_times(START, START + dt.timedelta(hours=9))
    assert 2 <= len(long) <= MAX_TICKS
    assert all(t.minute == 0 for t in long)


def test_text_is_escaped() -> None:
    svg = render_timeline_svg(_timeline(name='<script>alert("x")</script>'))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "<b>" not in svg


def test_lanes_quorum_and_thai_digits() -> None:
    with translation.override("th"):
        svg = render_timeline_svg(_timeline(thai_digits=True))
    assert svg.count('<g class="lane"') == 2
    assert 'class="quorum" data-required="2"' in svg
    assert "๑๐.๐๐ น." in svg
    assert "องค์ประชุม: ต้องมีอย่างน้อย ๒ คน" in svg


def test_an_empty_record_says_so() -> None:
    empty = Timeline(None, None, (), (), 5, 9, ())
    with translation.override("th"):
        svg = render_timeline_svg(empty)
    assert "ยังไม่มีผู้ใดเข้าร่วมการประชุมนี้" in svg
    assert 'class="quorum"' not in svg
