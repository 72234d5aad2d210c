"""Voting in the live room, in four browsers: the chair and members A, B and C.

The committee of ``test_live_room`` (four voting members, quorum more than half) meets
with everyone present. The chair prepares and opens an open vote on the current item
from the console; the three members vote from their pages and every page counts the
ballots live ("3 / 4"). At the close every page shows the totals and how each member
voted (R26). Then a secret vote: the same live count; one ballot each way makes a tie
that the chair decides with the casting vote, and the result shows the totals only,
with no name in it (R27; ADR 0008). The chair records the resolution and
it appears in every page.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from prachum.evidence.selectors import list_events
from prachum.meetings.models import Meeting
from prachum.voting.models import OpenBallot, Poll, PollStatus, SecretBallot
from tests.e2e.conftest import AsgiServer
from tests.e2e.test_live_room import (  # noqa: F401  (fixtures)
    TIMEOUT_MS,
    _enter_room,
    cast,
    notified,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PEOPLE = ("chair", "member_a", "member_b", "member_c")
MEMBERS = ("member_a", "member_b", "member_c")


@pytest.fixture
def contexts(
    browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[dict[str, BrowserContext]]:
    opened = {name: browser.new_context(**browser_context_args) for name in PEOPLE}
    for context in opened.values():
        context.set_default_timeout(TIMEOUT_MS)
    yield opened
    for context in opened.values():
        with contextlib.suppress(Exception):
            context.close()


def _prepare_and_open(chair: Page, question: str, *, secret: bool) -> None:
    form = chair.locator("#poll-create-form")
    form.locator("input[name=question]").fill(question)
    form.locator("select[name=kind]").select_option("motion")
    form.locator("select[name=secret]").select_option("true" if secret else "false")
    form.locator("button[type=submit]").click()
    draft = chair.locator("#poll-drafts li", has_text=question)
    expect(draft).to_have_count(1)
    draft.locator("button[type=submit]").click()


def _everyone_sees_the_count(pages: dict[str, Page], count: str, eligible: str) -> None:
    for page in pages.values():
        expect(page.locator("#poll-cast")).to_have_text(count)
        expect(page.locator("#poll-eligible")).to_have_text(eligible)


def test_an_open_and_a_secret_vote_in_four_browsers(
    asgi_live_server: AsgiServer,
    cast: dict[str, tuple[Any, str]],  # noqa: F811
    notified: Meeting,  # noqa: F811
    contexts: dict[str, BrowserContext],
) -> None:
    base = asgi_live_server.url
    meeting = notified
    pages = {name: contexts[name].new_page() for name in PEOPLE}
    for name in (*MEMBERS, "chair"):
        user, secret = cast[name]
        _enter_room(pages[name], base, user, secret, meeting)
    chair = pages["chair"]
    # Closing a vote asks first, naming the item (issue 14 point 7): the chair says yes.
    asked: list[str] = []

    def confirm(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    chair.on("dialog", confirm)
    names = {name: cast[name][0].full_name for name in PEOPLE}

    # Everyone sees whether the meeting is recorded (issue 14 point 7).
    expect(pages["member_a"].locator("#recording-state")).to_have_text("ยังไม่เริ่มบันทึก")
    chair.locator("#console-open button[type=submit]").click()
    expect(chair.locator("#room-messages")).to_contain_text("เปิดประชุมแล้ว")
    for page in pages.values():
        expect(page.locator("#recording-state")).not_to_have_attribute(
            "data-state", "not_started"
        )
        expect(page.locator("#meeting-status")).to_have_attribute("data-status", "open")
        expect(page.locator("#poll-none")).to_be_visible()
    for name in MEMBERS:
        expect(pages[name].locator("#console")).to_have_count(0)

    # --- an open vote (R26) -------------------------------------------------------
    _prepare_and_open(chair, "อนุมัติแผนงานประจำปีหรือไม่", secret=False)
    for page in pages.values():
        expect(page.locator("#poll")).to_have_attribute("data-status", "open")
        expect(page.locator("#poll-question")).to_have_text("อนุมัติแผนงานประจำปีหรือไม่")
        expect(page.locator("#poll")).to_have_attribute("data-secret", "false")
    _everyone_sees_the_count(pages, "0", "4")

    choices = {"member_a": "yes", "member_b": "yes", "member_c": "no"}
    for count, (name, choice) in enumerate(choices.items(), start=1):
        page = pages[name]
        page.locator(f"#ballot-choices button[data-choice={choice}]").click()
        expect(page.locator("#ballot-form")).to_be_hidden()
        expect(page.locator("#ballot-state")).not_to_be_empty()
        _everyone_sees_the_count(pages, str(count), "4")
    expect(chair.locator("#ballot-form")).to_be_visible()  # the chair has not voted

    chair.locator("#poll-close-form button[type=submit]").click()
    # ... and answers with what it did, the totals in words
    expect(chair.locator("#room-messages")).to_contain_text(
        "ปิดการลงคะแนนวาระที่ 1 แล้ว: เห็นด้วย 2 ไม่เห็นด้วย 1 งดออกเสียง 0"
    )
    assert asked[-1].startswith("ยืนยันการปิดการลงคะแนนวาระที่ 1 ")
    for page in pages.values():
        expect(page.locator("#poll")).to_have_attribute("data-status", "closed")
        result = page.locator("#poll-result")
        expect(result).to_be_visible()
        expect(result.locator("li[data-choice=yes]")).to_contain_text("2")
        expect(result.locator("li[data-choice=no]")).to_contain_text("1")
        expect(result.locator("li[data-choice=abstain]")).to_contain_text("0")
        ballots = page.locator("#poll-ballots li")
        expect(ballots).to_have_count(3)
        for name, choice in choices.items():
            row = page.locator(f"#poll-ballots li[data-voter='{cast[name][0].pk}']")
            expect(row).to_contain_text(names[name])
            expect(row).to_have_attribute("data-choice", choice)
    open_poll = Poll.objects.get(meeting=meeting, is_secret=False)
    assert open_poll.status == PollStatus.CLOSED
    assert OpenBallot.objects.filter(poll=open_poll).count() == 3

    # --- a secret vote (R27) --------------------------------------------------------
    _prepare_and_open(chair, "เห็นชอบการแต่งตั้งหรือไม่", secret=True)
    for page in pages.values():
        expect(page.locator("#poll")).to_have_attribute("data-secret", "true")
        expect(page.locator("#poll")).to_have_attribute("data-status", "open")
        expect(page.locator("#poll-result")).to_be_hidden()
    _everyone_sees_the_count(pages, "0", "4")
    secret_choices = {"member_a": "no", "member_b": "yes", "member_c": "abstain"}
    for count, (name, choice) in enumerate(secret_choices.items(), start=1):
        pages[name].locator(f"#ballot-choices button[data-choice={choice}]").click()
        expect(pages[name].locator("#ballot-form")).to_be_hidden()
        _everyone_sees_the_count(pages, str(count), "4")

    # One each way: a tie, which the chair's casting vote decides (APA s.82).
    chair.locator("#poll-close-form button[type=submit]").click()
    for page in pages.values():
        expect(page.locator("#poll")).to_have_attribute(
            "data-status", "awaiting_casting_vote"
        )
        expect(page.locator("#poll-result li[data-choice=yes]")).to_contain_text("1")
    for name in MEMBERS:
        expect(pages[name].locator("#casting-form")).to_be_hidden()
    chair.locator("#casting-choices button[data-choice=yes]").click()
    for page in pages.values():
        expect(page.locator("#poll")).to_have_attribute("data-status", "closed")
        result = page.locator("#poll-result")
        expect(result).to_be_visible()
        expect(result.locator(".outcome")).to_have_attribute("data-carried", "true")
        for choice in ("yes", "no", "abstain"):
            expect(result.locator(f"li[data-choice={choice}]")).to_contain_text("1")
        expect(page.locator("#poll-ballots")).to_be_hidden()
        text = str(result.text_content())
        for name in PEOPLE:
            assert names[name] not in text
            assert str(cast[name][0].pk) not in str(result.inner_html())
    secret_poll = Poll.objects.get(meeting=meeting, is_secret=True)
    assert secret_poll.status == PollStatus.CLOSED
    assert SecretBallot.objects.filter(poll=secret_poll).count() == 3

    # --- the resolution and a dissent (R52) -------------------------------------------
    resolution = "ที่ประชุมมีมติเห็นชอบการแต่งตั้ง"
    chair.locator("#resolution-input").fill(resolution)
    chair.locator("#resolution-form button[type=submit]").click()
    for page in pages.values():
        expect(page.locator("#resolution-text")).to_have_text(resolution)
    chair.select_option("#dissent-member", str(cast["member_a"][0].pk))
    chair.locator("#dissent-opinion").fill("ไม่เห็นด้วย เพราะยังไม่ได้ตรวจคุณสมบัติ")
    chair.locator("#dissent-form button[type=submit]").click()
    for page in pages.values():
        dissent = page.locator(f"#dissents li[data-member='{cast['member_a'][0].pk}']")
        expect(dissent).to_contain_text("ยังไม่ได้ตรวจคุณสมบัติ")
    # A member records their own dissent from the room (APA s.83; issue 14 point 7).
    own = pages["member_b"]
    own.locator("#own-dissent summary").click()
    own.locator("#own-dissent-opinion").fill("ไม่เห็นด้วย ควรรอผลการตรวจสอบก่อน")
    own.locator("#own-dissent-form button[type=submit]").click()
    expect(own.locator("#room-messages")).to_contain_text(
        f"บันทึกความเห็นแย้งของ {cast['member_b'][0].display_name} ในวาระที่ 1 แล้ว"
    )
    for page in pages.values():
        mine = page.locator(f"#dissents li[data-member='{cast['member_b'][0].pk}']")
        expect(mine).to_contain_text("รอผลการตรวจสอบก่อน")

    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    assert kinds.count("poll.opened") == 2
    assert kinds.count("poll.closed") == 2
    assert kinds.count("poll.casting_vote") == 1
    assert "item.resolution_recorded" in kinds
    assert "item.dissent_recorded" in kinds
