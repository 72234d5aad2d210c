"""กรรมการและเลขานุการ and กรรมการและผู้ช่วยเลขานุการ; the position in the committee;
Thai role names in the CSV import (issue 13 point 6)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from prachum.committees import policies, services
from prachum.committees.forms import RosterImportForm
from prachum.committees.models import Membership, Role
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.selectors import list_events
from tests.committees.test_services_import_roster_csv import roster_csv
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_secretary(committee):
    return MembershipFactory(
        committee=committee,
        role=Role.MEMBER_SECRETARY,
        is_voting=True,
        user=UserFactory(username="msec", full_name="กรรมการและเลขานุการ ทดสอบ"),
    ).user


def test_a_member_secretary_keeps_the_roster_like_a_secretary(
    committee, member_secretary, member
):
    assert policies.can_manage_committee(user=member_secretary, committee=committee)
    assert not policies.can_manage_committee(user=member, committee=committee)


@pytest.mark.parametrize(
    "role", [Role.MEMBER_SECRETARY, Role.MEMBER_ASSISTANT_SECRETARY]
)
def test_a_member_secretary_always_votes_even_if_told_otherwise(
    committee, secretary, role
):
    user = UserFactory()
    membership = services.add_member(
        actor=secretary, committee=committee, user=user, role=role, is_voting=False
    )
    assert membership.is_voting is True


def test_the_database_refuses_a_non_voting_member_secretary(committee):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            committee=committee,
            user=UserFactory(),
            role=Role.MEMBER_SECRETARY,
            is_voting=False,
        )


THAI_ROWS = [
    ("ประธาน", Role.CHAIR, True),
    ("รองประธานกรรมการ", Role.VICE_CHAIR, True),
    ("กรรมการ", Role.MEMBER, True),
    ("กรรมการ และเลขานุการ", Role.MEMBER_SECRETARY, True),
    ("กรรมการและผู้ช่วยเลขานุการ", Role.MEMBER_ASSISTANT_SECRETARY, True),
    ("เลขานุการ", Role.SECRETARY, False),
    ("ผู้ช่วยเลขานุการ", Role.ASSISTANT_SECRETARY, False),
    ("ผู้ได้รับเชิญ", Role.INVITEE, False),
    ("Member_Secretary", Role.MEMBER_SECRETARY, True),
]


def test_the_import_takes_thai_role_names_and_the_position_in_the_committee(
    agency,
):
    from prachum.committees.models import Committee

    committee = Committee.objects.create(
        agency=agency, name="คณะทดสอบ", legal_basis="คำสั่งที่ 1/2569"
    )
    keeper = UserFactory(is_staff=True)
    header = [
        "username",
        "email",
        "title",
        "full_name",
        "position",
        "role",
        "position_title",
    ]
    rows = [
        [f"p{i}", f"p{i}@example.go.th", "นาย", f"คนที่ {i}", "", name, f"ตำแหน่ง {i}"]
        for i, (name, _role, _voting) in enumerate(THAI_ROWS)
    ]
    rows[0][6] = "ผู้อำนวยการ กศน.อำเภอเมือง"
    created = services.import_roster_csv(
        actor=keeper, committee=committee, data=roster_csv(rows, header=header)
    )
    got = [(m.role, m.is_voting) for m in created]
    assert got == [(role.value, voting) for _n, role, voting in THAI_ROWS]
    assert created[0].position_title == "ผู้อำนวยการ กศน.อำเภอเมือง"


def test_an_unknown_role_lists_every_accepted_value(committee, secretary):
    data = roster_csv(
        [["x", "x@example.go.th", "นาย", "เอ็กซ์", "", "หัวหน้า"]],
    )
    with pytest.raises(services.RosterImportError) as exc:
        services.import_roster_csv(actor=secretary, committee=committee, data=data)
    message = exc.value.errors[0].message
    for value in services.accepted_role_values():
        assert value in message


def test_the_import_page_help_lists_every_accepted_value():
    help_text = str(RosterImportForm().fields["file"].help_text)
    for value in services.accepted_role_values():
        assert value in help_text
    assert "position_title" in help_text


def test_the_secretary_sets_a_position_in_the_committee_with_evidence(
    committee, secretary, member
):
    membership = committee.memberships.get(user=member)
    services.set_member_position(
        actor=secretary, membership=membership, position_title="  นายอำเภอเมือง "
    )
    membership.refresh_from_db()
    assert membership.position_title == "นายอำเภอเมือง"
    last = list(list_events(chain_key=f"committee:{committee.pk}"))[-1]
    assert last.kind == "committee.member_position_set"
    assert last.payload["position_title"] == "นายอำเภอเมือง"


def test_a_member_may_not_set_positions(committee, member):
    membership = committee.memberships.get(user=member)
    with pytest.raises(PermissionDeniedError):
        services.set_member_position(
            actor=member, membership=membership, position_title="x"
        )


def test_markup_in_a_position_is_refused(committee, secretary, member):
    membership = committee.memberships.get(user=member)
    with pytest.raises(ServiceError):
        services.set_member_position(
            actor=secretary, membership=membership, position_title="<b>x</b>"
        )


def test_the_roster_page_edits_and_shows_the_position(
    client_for, committee, secretary, member
):
    membership = committee.memberships.get(user=member)
    client = client_for(secretary)
    url = reverse("committees:member_position", args=[committee.pk])
    response = client.post(
        url, {"membership": str(membership.pk), "position_title": "ปลัดอำเภอ"}
    )
    assert response.status_code == 302
    page = client.get(reverse("committees:detail", args=[committee.pk]))
    assert "ปลัดอำเภอ" in page.content.decode()


def test_a_member_cannot_post_a_position(client_for, committee, member):
    membership = committee.memberships.get(user=member)
    client = client_for(member)
    url = reverse("committees:member_position", args=[committee.pk])
    response = client.post(
        url, {"membership": str(membership.pk), "position_title": "x"}
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.position_title == ""
