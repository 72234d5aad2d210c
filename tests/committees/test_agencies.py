"""Agencies kept by operators on Prachum's own pages (issue 14 point 1): name, contact,
letter-number prefix, the Garuda emblem checked by its content, the head of the agency;
every change in the agency's evidence chain."""

from __future__ import annotations

import hashlib
import io
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from prachum.committees import agencies
from prachum.committees.models import Agency
from prachum.core.errors import PermissionDeniedError, ServiceError
from prachum.evidence.models import EvidenceEvent
from prachum.evidence.selectors import check_chain, list_events
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "สำนักงานจังหวัดเชียงราย",
    "letter_code": "ชร 0017.2",
    "address": "ศาลากลางจังหวัดเชียงราย\nอำเภอเมืองเชียงราย 57000",
    "phone": "0 5315 0000",
    "email": "saraban@chiangrai.example.go.th",
    "head_name": "นายสมชาย ใจดี",
    "head_position": "ผู้ว่าราชการจังหวัดเชียงราย",
}


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (300, 360)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 16, 46)).save(out, format=fmt)
    return out.getvalue()


def signed_in(user: Any) -> Client:
    """A Thai client past both factors."""
    client = Client(headers={"accept-language": "th"})
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


@pytest.fixture
def agency_operator(db: None) -> Any:
    return UserFactory(username="operator", full_name="ผู้ดูแล ระบบ", is_staff=True)


def _counts() -> tuple[int, int]:
    return Agency.objects.count(), EvidenceEvent.objects.count()


# --- services ---------------------------------------------------------------------


def test_an_operator_records_an_agency_with_its_emblem_and_head(
    agency_operator: Any,
) -> None:
    emblem = image_bytes()
    agency = agencies.create_agency(actor=agency_operator, garuda=emblem, **FIELDS)

    agency.refresh_from_db()
    assert bytes(agency.garuda) == emblem
    assert (agency.head_name, agency.head_position) == (
        "นายสมชาย ใจดี",
        "ผู้ว่าราชการจังหวัดเชียงราย",
    )
    assert agency.letter_code == "ชร 0017.2"
    (event,) = list_events(chain_key=f"agency:{agency.pk}")
    assert event.kind == "agency.created"
    assert event.actor == agency_operator
    assert event.payload["garuda"] == {
        "sha256": hashlib.sha256(emblem).hexdigest(),
        "bytes": len(emblem),
    }
    assert event.payload["head_name"] == "นายสมชาย ใจดี"
    assert check_chain(chain_key=agency.chain_key).ok


def test_an_edit_records_only_what_changed(agency_operator: Any) -> None:
    agency = agencies.create_agency(actor=agency_operator, **FIELDS)
    jpeg = image_bytes("JPEG")

    agencies.update_agency(
        actor=agency_operator,
        agency=agency,
        garuda=jpeg,
        **{**FIELDS, "head_name": "นางสมศรี มีสุข"},
    )
    # the same values again change nothing and record nothing
    agencies.update_agency(
        actor=agency_operator, agency=agency, **FIELDS | {"head_name": "นางสมศรี มีสุข"}
    )

    agency.refresh_from_db()
    assert agency.head_name == "นางสมศรี มีสุข"
    assert bytes(agency.garuda) == jpeg
    _created, updated = list_events(chain_key=agency.chain_key)
    assert updated.kind == "agency.updated"
    assert updated.payload["changed"] == {
        "head_name": "นางสมศรี มีสุข",
        "garuda": {"sha256": hashlib.sha256(jpeg).hexdigest(), "bytes": len(jpeg)},
    }
    assert check_chain(chain_key=agency.chain_key).ok


@pytest.mark.parametrize(
    ("data", "code", "thai"),
    [
        (b"%PDF-1.7 not an image", "GARUDA_INVALID", "ตราครุฑต้องเป็นไฟล์ภาพ PNG หรือ JPEG"),
        (image_bytes("GIF"), "GARUDA_INVALID", "ตราครุฑต้องเป็นไฟล์ภาพ PNG หรือ JPEG"),
        (image_bytes()[:200], "GARUDA_INVALID", "ตราครุฑต้องเป็นไฟล์ภาพ PNG หรือ JPEG"),
        (image_bytes(size=(120, 60)), "GARUDA_TOO_SMALL", "สูงอย่างน้อย 100 พิกเซล"),
        (image_bytes(size=(6000, 200)), "GARUDA_INVALID", "ไม่เกิน 5000 พิกเซล"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024),
            "GARUDA_TOO_LARGE",
            "เกิน 1 เมกะไบต์",
        ),
    ],
    ids=["pdf", "gif", "truncated", "too-low", "too-wide", "over-1mb"],
)
def test_a_bad_emblem_is_refused_in_thai_and_nothing_is_saved(
    agency_operator: Any, data: bytes, code: str, thai: str
) -> None:
    agency = agencies.create_agency(actor=agency_operator, **FIELDS)
    before = _counts()
    with translation.override("th"):
        with pytest.raises(ServiceError) as created:
            agencies.create_agency(actor=agency_operator, garuda=data, **FIELDS)
        with pytest.raises(ServiceError) as edited:
            agencies.update_agency(
                actor=agency_operator, agency=agency, garuda=data, head_name="นายใหม่"
            )
        assert thai in str(created.value.message)
    assert (created.value.code, created.value.field) == (code, "garuda")
    assert edited.value.code == code
    assert _counts() == before
    agency.refresh_from_db()
    assert (agency.head_name, bytes(agency.garuda)) == ("นายสมชาย ใจดี", b"")


def test_only_an_operator_changes_agencies(
    agency_operator: Any, secretary: Any
) -> None:
    agency = agencies.create_agency(actor=agency_operator, **FIELDS)
    before = _counts()
    with pytest.raises(PermissionDeniedError):
        agencies.create_agency(actor=secretary, **FIELDS)
    with pytest.raises(PermissionDeniedError):
        agencies.update_agency(actor=secretary, agency=agency, name="อื่น")
    assert _counts() == before


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "not-an-address", "EMAIL_INVALID"),
        ("name", "  ", "REQUIRED"),
        ("letter_code", "", "REQUIRED"),
        ("head_name", "<script>", "MARKUP_NOT_ALLOWED"),
    ],
)
def test_bad_details_are_refused_with_the_field(
    agency_operator: Any, field: str, value: str, code: str
) -> None:
    with pytest.raises(ServiceError) as excinfo:
        agencies.create_agency(actor=agency_operator, **(FIELDS | {field: value}))
    assert (excinfo.value.code, excinfo.value.field) == (code, field)
    assert Agency.objects.count() == 0


# --- pages ------------------------------------------------------------------------


def test_an_operator_adds_an_agency_from_the_navigation_and_sees_its_emblem(
    agency_operator: Any,
) -> None:
    client = signed_in(agency_operator)
    home = client.get(reverse("committees:list")).content.decode()
    list_url = reverse("committees:agencies")
    assert f'href="{list_url}">หน่วยงาน</a>' in home
    assert reverse("committees:agency_create") in client.get(list_url).content.decode()
    emblem = image_bytes()
    response = client.post(
        reverse("committees:agency_create"),
        {
            **FIELDS,
            "next_letter_number": "41",
            "garuda": SimpleUploadedFile("garuda.png", emblem, "image/png"),
        },
    )
    agency = Agency.objects.get()
    edit_url = reverse("committees:agency_edit", kwargs={"pk": agency.pk})
    assert response.status_code == 302
    assert response["Location"] == edit_url
    assert agency.next_letter_number == 41
    page = client.get(edit_url).content.decode()
    garuda_url = reverse("committees:agency_garuda", kwargs={"pk": agency.pk})
    assert f'src="{garuda_url}"' in page
    assert "ผู้ว่าราชการจังหวัดเชียงราย" in page
    image = client.get(garuda_url)
    assert image["Content-Type"] == "image/png"
    assert image.content == emblem
    assert image["Content-Security-Policy"] == "sandbox"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert FIELDS["name"] in client.get(list_url).content.decode()
    (event,) = list_events(chain_key=agency.chain_key)
    assert event.kind == "agency.created"


def test_a_bad_emblem_on_the_edit_page_shows_a_thai_error_and_keeps_the_agency(
    agency_operator: Any,
) -> None:
    emblem = image_bytes()
    agency = agencies.create_agency(actor=agency_operator, garuda=emblem, **FIELDS)
    client = signed_in(agency_operator)
    edit_url = reverse("committees:agency_edit", kwargs={"pk": agency.pk})
    before = _counts()
    response = client.post(
        edit_url,
        {
            **FIELDS,
            "name": "ชื่อใหม่",
            "garuda": SimpleUploadedFile("garuda.png", b"GIF89a junk", "image/png"),
        },
    )
    assert response.status_code == 200
    assert "ตราครุฑต้องเป็นไฟล์ภาพ PNG หรือ JPEG" in response.content.decode()
    assert _counts() == before
    agency.refresh_from_db()
    assert (agency.name, bytes(agency.garuda)) == (FIELDS["name"], emblem)
    # a valid edit without a new file keeps the emblem
    client.post(edit_url, {**FIELDS, "head_name": "นางสมศรี มีสุข"})
    agency.refresh_from_db()
    assert (agency.head_name, bytes(agency.garuda)) == ("นางสมศรี มีสุข", emblem)


def test_people_who_are_not_operators_do_not_see_the_agency_pages(
    agency_operator: Any, secretary: Any, committee: Any
) -> None:
    agency = agencies.create_agency(
        actor=agency_operator, garuda=image_bytes(), **FIELDS
    )
    client = signed_in(secretary)
    assert (
        reverse("committees:agencies")
        not in client.get(reverse("committees:list")).content.decode()
    )
    for url in (
        reverse("committees:agencies"),
        reverse("committees:agency_create"),
        reverse("committees:agency_edit", kwargs={"pk": agency.pk}),
    ):
        assert client.get(url).status_code == 404
    before = _counts()
    refused = client.post(reverse("committees:agency_create"), FIELDS)
    assert refused.status_code == 404
    assert _counts() == before
    garuda_url = reverse("committees:agency_garuda", kwargs={"pk": agency.pk})
    assert Client().get(garuda_url).status_code == 302  # to the login page
    assert client.get(garuda_url).status_code == 200


def test_seed_demo_gives_the_demo_agency_a_head_and_a_placeholder_emblem(
    settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    agency = Agency.objects.get()
    assert agency.head_name == "นายสมชาย ใจดี"
    assert agency.head_position == "ผู้ว่าราชการจังหวัดตัวอย่าง"
    emblem = bytes(agency.garuda)
    assert agencies.validate_garuda(emblem) == emblem
    # a database seeded before emblems existed gets one on the next run, once
    Agency.objects.update(garuda=b"", head_name="")
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    agency.refresh_from_db()
    assert agency.head_name == "นายสมชาย ใจดี"
    assert agencies.garuda_content_type(bytes(agency.garuda)) == "image/png"
    kinds = list_events(chain_key=agency.chain_key).values_list("kind", flat=True)
    assert list(kinds) == ["agency.created", "agency.updated"]


def test_the_security_certification_is_kept_on_the_agency_page(
    agency_operator: Any,
) -> None:
    """R73: the agency's ETDA certification or self-assessment reference."""
    agency = agencies.create_agency(actor=agency_operator, **FIELDS)
    client = signed_in(agency_operator)
    edit_url = reverse("committees:agency_edit", kwargs={"pk": agency.pk})
    assert 'name="security_certification"' in client.get(edit_url).content.decode()
    reference = "ประเมินตนเอง สพธอ. เลขที่ 12/2569 ลงวันที่ 1 มีนาคม 2569"
    client.post(edit_url, {**FIELDS, "security_certification": reference})
    agency.refresh_from_db()
    assert agency.security_certification == reference
    event = list_events(chain_key=agency.chain_key).last()
    assert event.payload["changed"] == {"security_certification": reference}
    assert reference in client.get(edit_url).content.decode()
