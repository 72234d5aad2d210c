"""Issue 15 F11: a secretary puts on the roster only people an invitation or a notice
reaches, never an operator account, and the import never tells whether an address
has an account elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from prachum.accounts import mails, otp
from prachum.accounts.models import User
from prachum.committees import services
from prachum.committees.models import Membership, Role
from prachum.committees.roster_accounts import CANNOT_ADD
from prachum.core.errors import PermissionDeniedError
from tests.committees.test_services_import_roster_csv import roster_csv
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _refusal(actor: User, committee: Any, rows: list[list[str]]) -> list[Any]:
    with pytest.raises(services.RosterImportError) as refused:
        services.import_roster_csv(
            actor=actor, committee=committee, data=roster_csv(rows)
        )
    return refused.value.errors


def test_f11_a_secretary_cannot_make_the_operator_chair(
    new_committee: Any, new_secretary: User, operator: User
) -> None:
    by_name = [operator.username, "someone@example.org", "", "X", "", "chair"]
    by_address = ["boss", operator.email.upper(), "", "X", "", "chair"]
    both = [operator.username, operator.email, "", "X", "", "chair"]
    for row in (by_name, by_address, both):
        (error,) = _refusal(new_secretary, new_committee, [row])
        assert error.message == str(CANNOT_ADD)
    superuser = UserFactory(is_superuser=True)
    (error,) = _refusal(
        new_secretary,
        new_committee,
        [[superuser.username, superuser.email, "", "X", "", "member"]],
    )
    assert error.message == str(CANNOT_ADD)
    assert not Membership.objects.filter(user__in=[operator, superuser]).exists()


def test_an_operator_may_still_put_an_operator_on_a_roster(
    new_committee: Any, operator: User
) -> None:
    other = UserFactory(staff=True)
    services.import_roster_csv(
        actor=operator,
        committee=new_committee,
        data=roster_csv([[other.username, other.email, "", "X", "", "member"]]),
    )
    assert new_committee.memberships.filter(user=other).exists()


def test_f11_add_member_refuses_an_operator_account_to_a_secretary(
    committee: Any, secretary: User, operator: User
) -> None:
    with pytest.raises(PermissionDeniedError) as refused:
        services.add_member(
            actor=secretary, committee=committee, user=operator, role=Role.CHAIR
        )
    assert str(refused.value.message) == str(CANNOT_ADD)
    assert not committee.memberships.filter(user=operator).exists()
    plain = UserFactory()
    services.add_member(
        actor=secretary, committee=committee, user=plain, role=Role.MEMBER
    )
    assert committee.memberships.filter(user=plain).exists()


def test_f11_an_address_with_an_account_answers_as_a_new_one_and_its_owner_is_told(
    new_committee: Any,
    new_secretary: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = UserFactory(username="somsri", email="somsri@example.go.th")
    rows = [
        ["probe1", "SOMSRI@example.go.th", "", "ผู้ใดก็ได้", "", "member"],
        ["probe2", "nobody@example.go.th", "", "ผู้ใดก็ได้", "", "member"],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        created = services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=roster_csv(rows)
        )
    assert len(created) == 2
    assert created[0].user == owner  # the owner of the address, unchanged
    owner.refresh_from_db()
    assert (owner.username, owner.full_name) != ("probe1", "ผู้ใดก็ได้")
    assert not User.objects.filter(username="probe1").exists()
    told = [m for m in mail.outbox if owner.email in m.to]
    assert [m.extra_headers[otp.LOGIN_CODE_HEADER] for m in told] == [
        mails.ADDED_TO_COMMITTEE
    ]
    assert new_committee.name in told[0].body
    assert "เลขา ทดสอบ" in told[0].body
    invited = [m for m in mail.outbox if "nobody@example.go.th" in m.to]
    assert [m.extra_headers[otp.LOGIN_CODE_HEADER] for m in invited] == [
        mails.INVITATION
    ]


def test_f11_a_known_login_name_with_another_address_is_refused_generically(
    new_committee: Any, new_secretary: User
) -> None:
    known = UserFactory(username="somchai", email="somchai@example.go.th")
    errors = _refusal(
        new_secretary,
        new_committee,
        [["somchai", "attacker@example.org", "", "X", "", "member"]],
    )
    assert [(e.row, e.column) for e in errors] == [(2, "")]
    assert errors[0].message == str(CANNOT_ADD)
    assert "belongs" not in errors[0].message
    assert "somchai" not in errors[0].message
    assert not new_committee.memberships.filter(user=known).exists()


def test_f11_the_page_shows_the_generic_refusal_in_thai(
    new_committee: Any, new_secretary: User, operator: User
) -> None:
    client = Client(headers={"accept-language": "th"})
    client.force_login(new_secretary)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    data = roster_csv([[operator.username, operator.email, "", "X", "", "ประธาน"]])
    response = client.post(
        reverse("committees:detail", args=[new_committee.pk]),
        {"file": SimpleUploadedFile("roster.csv", data, "text/csv")},
    )
    page = response.content.decode()
    assert "ไม่สามารถเพิ่มบุคคลนี้" in page
    assert not new_committee.memberships.filter(user=operator).exists()


def test_a_member_named_again_with_another_address_gets_one_error(
    committee: Any, secretary: User, member: User
) -> None:
    errors = _refusal(
        secretary,
        committee,
        [[member.username, "new@example.org", "", "X", "", "member"]],
    )
    assert [(e.row, e.column) for e in errors] == [(2, "username")]
    by_address = _refusal(
        secretary,
        committee,
        [["someone_new", member.email, "", "X", "", "member"]],
    )
    assert [(e.row, e.column) for e in by_address] == [(2, "email")]
