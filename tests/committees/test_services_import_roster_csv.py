from __future__ import annotations

import csv
import io

import pytest

from prachum.accounts.models import User
from prachum.committees import services
from prachum.committees.models import Membership
from prachum.core.errors import PermissionDeniedError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["username", "email", "title", "full_name", "position", "role"]


def roster_csv(rows, *, header=HEADER, bom=True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8")


def _counts():
    return (
        User.objects.count(),
        Membership.objects.count(),
        EvidenceEvent.objects.count(),
    )


def test_a_roster_is_imported_with_one_event_per_member(new_committee, new_secretary):
    existing = UserFactory(username="somsri", email="somsri@example.go.th")
    data = roster_csv(
        [
            ["somchai", "somchai@example.go.th", "นาย", "สมชาย ใจดี", "อธิบดี", "chair"],
            [
                "somsri",
                "somsri@example.go.th",
                "นาง",
                "สมศรี มีสุข",
                "รองอธิบดี",
                "vice_chair",
            ],
            [
                "wichai",
                "wichai@example.go.th",
                "นาย",
                "วิชัย กล้าหาญ",
                "ผู้อำนวยการ",
                "member",
            ],
            [
                "malee",
                "malee@example.go.th",
                "นางสาว",
                "มาลี ศรีงาม",
                "",
                "assistant_secretary",
            ],
            ["guest", "guest@example.org", "ดร.", "ผู้เชี่ยวชาญ ภายนอก", "", "invitee"],
        ]
    )
    users_before, memberships_before, _ = _counts()

    created = services.import_roster_csv(
        actor=new_secretary, committee=new_committee, data=data
    )

    assert len(created) == 5
    assert User.objects.count() == users_before + 4  # somsri already had an account
    assert Membership.objects.count() == memberships_before + 5
    roster = {
        m.user.username: (m.role, m.is_voting)
        for m in new_committee.memberships.select_related("user")
    }
    assert roster == {
        "new_secretary": ("secretary", False),
        "somchai": ("chair", True),
        "somsri": ("vice_chair", True),
        "wichai": ("member", True),
        "malee": ("assistant_secretary", False),
        "guest": ("invitee", False),
    }
    somchai = User.objects.get(username="somchai")
    assert (somchai.email, somchai.title, somchai.full_name, somchai.position) == (
        "somchai@example.go.th",
        "นาย",
        "สมชาย ใจดี",
        "อธิบดี",
    )
    assert not somchai.has_usable_password()
    assert User.objects.get(pk=existing.pk).has_usable_password()

    chain = f"committee:{new_committee.pk}"
    events = list(list_events(chain_key=chain))
    assert [e.kind for e in events] == ["committee.member_added"] * 5 + [
        "committee.roster_imported"
    ]
    assert [e.payload["user"] for e in events[:5]] == [str(m.user.pk) for m in created]
    assert [e.payload["role"] for e in events[:5]] == [
        "chair",
        "vice_chair",
        "member",
        "assistant_secretary",
        "invitee",
    ]
    assert events[-1].payload == {"rows": 5}
    assert all(e.actor == new_secretary for e in events)
    assert check_chain(chain_key=chain).ok


def test_a_file_with_bad_rows_lists_every_row_and_column_and_saves_nothing(
    new_committee, new_secretary
):
    UserFactory(username="taken", email="taken@example.go.th")
    data = roster_csv(
        [
            ["anan", "anan@example.go.th", "นาย", "อนันต์ ดี", "", "chair"],  # 2: fine
            ["bad_mail", "not-an-email", "นาย", "บี ดี", "", "member"],  # 3
            ["bad_role", "bad_role@example.go.th", "นาย", "ซี ดี", "", "boss"],  # 4
            ["no_name", "no_name@example.go.th", "นาย", "", "", "member"],  # 5
            ["anan", "anan2@example.go.th", "นาย", "อนันต์ สอง", "", "member"],  # 6
            [
                "second_chair",
                "chair2@example.go.th",
                "นาย",
                "ประธาน สอง",
                "",
                "chair",
            ],  # 7
            [
                "xss",
                "xss@example.go.th",
                "",
                "<script>alert(1)</script>",
                "",
                "member",
            ],  # 8
            # 9: a login name taken by another address (issue 15 F11: generic)
            ["taken", "someone.else@example.go.th", "นาย", "อีกคน", "", "member"],
        ]
    )
    before = _counts()

    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=data
        )

    assert excinfo.value.code == "ROSTER_INVALID"
    assert {(e.row, e.column) for e in excinfo.value.errors} == {
        (3, "email"),
        (4, "role"),
        (5, "full_name"),
        (6, "username"),
        (7, "role"),
        (8, "full_name"),
        (9, ""),
    }
    assert all(str(e.message) for e in excinfo.value.errors)
    assert _counts() == before


def test_a_second_chair_is_refused_when_the_committee_already_has_one(
    committee, secretary
):
    data = roster_csv(
        [["newchair", "newchair@example.go.th", "", "ประธาน ใหม่", "", "chair"]]
    )
    before = _counts()
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(actor=secretary, committee=committee, data=data)
    assert [(e.row, e.column) for e in excinfo.value.errors] == [(2, "role")]
    assert _counts() == before


def test_someone_already_on_the_roster_is_refused(committee, secretary, member):
    data = roster_csv(
        [[member.username, member.email, "", member.full_name, "", "member"]]
    )
    before = _counts()
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(actor=secretary, committee=committee, data=data)
    assert [(e.row, e.column) for e in excinfo.value.errors] == [(2, "username")]
    assert _counts() == before


@pytest.mark.parametrize("second", ["shared@example.go.th", "Shared@Example.go.th"])
def test_the_same_email_twice_in_one_file_is_refused(
    new_committee, new_secretary, second
):
    data = roster_csv(
        [
            ["one", "shared@example.go.th", "", "คนที่ หนึ่ง", "", "member"],
            ["two", second, "", "คนที่ สอง", "", "member"],
        ]
    )
    before = _counts()
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=data
        )
    assert [(e.row, e.column) for e in excinfo.value.errors] == [(3, "email")]
    assert _counts() == before


def test_a_value_longer_than_its_column_is_refused(new_committee, new_secretary):
    data = roster_csv(
        [["long", "long@example.go.th", "ท" * 51, "ชื่อ ยาว", "", "member"]]
    )
    before = _counts()
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=data
        )
    assert [(e.row, e.column) for e in excinfo.value.errors] == [(2, "title")]
    assert _counts() == before


def test_a_file_that_is_not_utf8_is_refused_and_saves_nothing(
    new_committee, new_secretary
):
    header = ",".join(HEADER).encode("ascii") + b"\r\n"
    row = "somchai,somchai@example.go.th,นาย,สมชาย ใจดี,,member\r\n".encode("cp874")
    before = _counts()
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=header + row
        )
    (error,) = excinfo.value.errors
    assert error.row == 0  # the whole file: it must be saved again as "CSV UTF-8"
    assert "UTF-8" in str(error.message)
    assert _counts() == before


def test_a_missing_column_is_reported_on_the_header_row(new_committee, new_secretary):
    header = [c for c in HEADER if c != "role"]
    data = roster_csv([["a", "a@example.go.th", "", "เอ บี", ""]], header=header)
    before = _counts()
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=data
        )
    assert [(e.row, e.column) for e in excinfo.value.errors] == [(1, "role")]
    assert _counts() == before


def test_an_empty_file_is_refused(new_committee, new_secretary):
    with pytest.raises(services.RosterImportError) as excinfo:
        services.import_roster_csv(
            actor=new_secretary, committee=new_committee, data=roster_csv([])
        )
    assert [e.row for e in excinfo.value.errors] == [2]


def test_only_the_secretariat_may_import_a_roster(committee, member):
    data = roster_csv([["x", "x@example.go.th", "", "เอ็กซ์ วาย", "", "member"]])
    before = _counts()
    with pytest.raises(PermissionDeniedError):
        services.import_roster_csv(actor=member, committee=committee, data=data)
    assert _counts() == before
