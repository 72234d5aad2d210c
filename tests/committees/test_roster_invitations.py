"""A roster import invites the people it creates (issue 14 point 2)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from prachum.accounts import mails, otp
from prachum.accounts.models import Invitation, User
from prachum.committees import services
from prachum.evidence.selectors import list_events
from tests.committees.test_services_import_roster_csv import roster_csv
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


ROWS = [
    ["somchai", "somchai@example.go.th", "นาย", "สมชาย ใจดี", "อธิบดี", "ประธานกรรมการ"],
    ["somsri", "somsri@example.go.th", "นาง", "สมศรี มีสุข", "ผู้อำนวยการ", "กรรมการ"],
]


def _invited() -> set[str]:
    return set(Invitation.objects.values_list("user__username", flat=True))


def test_new_people_are_invited_after_the_import_commits(
    new_committee: Any,
    new_secretary: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    UserFactory(username="somsri", email="somsri@example.go.th")  # has a password
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=roster_csv(ROWS)
        )
        assert _invited() == set()  # nothing before the commit
    assert callbacks
    assert _invited() == {"somchai"}
    sent = [m for m in mail.outbox if m.to == ["somchai@example.go.th"]]
    assert len(sent) == 1
    assert sent[0].extra_headers[otp.LOGIN_CODE_HEADER] == mails.INVITATION
    assert "somchai" in sent[0].body
    assert "เลขา ทดสอบ" in sent[0].body
    # The owner of an address that has an account is told, not invited (F11).
    told = [m for m in mail.outbox if "somsri@example.go.th" in m.to]
    assert [m.extra_headers[otp.LOGIN_CODE_HEADER] for m in told] == [
        mails.ADDED_TO_COMMITTEE
    ]
    person = User.objects.get(username="somchai")
    event = list_events(chain_key=f"account:{person.pk}").get(
        kind="account.invitation_sent"
    )
    assert event.actor_label == f"user:{new_secretary.pk}"


def test_a_refused_import_invites_no_one(
    new_committee: Any, new_secretary: User, django_capture_on_commit_callbacks: Any
) -> None:
    bad = [*ROWS, ["x", "not-an-email", "", "X", "", "กรรมการ"]]
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.RosterImportError),
    ):
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=roster_csv(bad)
        )
    assert _invited() == set()
    assert mail.outbox == []


def test_the_committee_page_import_sends_invitations(
    new_committee: Any, new_secretary: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(new_secretary)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    upload = SimpleUploadedFile("roster.csv", roster_csv(ROWS), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("committees:detail", args=[new_committee.pk]), {"file": upload}
        )
    assert response.status_code == 302
    assert _invited() == {"somchai", "somsri"}
