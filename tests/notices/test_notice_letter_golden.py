"""Golden test of the letter that send_notice really sends: pdftotext finds the fields
in the Saraban external-letter order, with BE dates and Thai month names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from prachum.domain.thai_dates import format_thai_date, format_thai_time, meeting_number
from prachum.meetings import services as meeting_services
from prachum.notices.services import send_notice
from tests.letters.test_invitation_pdf import assert_in_order, pdftotext

pytestmark = pytest.mark.django_db

THAI_MONTHS = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
]


@pytest.mark.parametrize("mode", [("-layout",), ()], ids=["layout", "plain"])
def test_the_sent_letter_has_the_saraban_fields_in_order(
    tmp_path: Path,
    mode: tuple[str, ...],
    meeting: Any,
    chair: Any,
    secretary: Any,
    agency: Any,
) -> None:
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    notice = send_notice(actor=secretary, meeting=meeting)
    meeting.refresh_from_db()  # the notice gave it its number
    assert meeting.number == 1
    text = pdftotext(bytes(notice.letter_pdf), tmp_path, *mode)

    sent_on = timezone.localtime(notice.sent_at).date()
    meeting_day = timezone.localtime(meeting.starts_at).date()
    letter_date = format_thai_date(sent_on)
    assert str(sent_on.year + 543) in letter_date
    assert THAI_MONTHS[sent_on.month - 1] in letter_date
    assert_in_order(
        text,
        (
            "ที่",
            notice.letter_number,
            agency.name,
            letter_date,
            "เรื่อง",
            "ขอเชิญประชุม",
            "เรียน",
            "สิ่งที่ส่งมาด้วย",
            "ระเบียบวาระการประชุม",
            meeting_number(meeting.number, meeting.buddhist_year),
            format_thai_date(meeting_day),
            format_thai_time(meeting.starts_at),
            "ผ่านสื่ออิเล็กทรอนิกส์",
            "การแสดงตน",
            "ช่องทางสำรอง",
            "ขอแสดงความนับถือ",
            f"({secretary.display_name})",
        ),
    )


def test_an_agency_choosing_thai_digits_gets_them_in_dates_and_numbers_but_not_urls(
    tmp_path: Path, meeting: Any, chair: Any, secretary: Any, agency: Any
) -> None:
    agency.thai_digits = True
    agency.save()
    meeting_services.record_electronic_decision(actor=chair, meeting=meeting)
    notice = send_notice(actor=secretary, meeting=meeting)

    be_year = str(meeting.buddhist_year)
    thai_year = be_year.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert notice.letter_number.endswith("/๔๑")  # the cast's agency is at letter 41
    text = pdftotext(bytes(notice.letter_pdf), tmp_path, "-raw")
    assert thai_year in text
    assert f"ครั้งที่ ๑/{thai_year}" in text.replace("\n", " ")
    assert str(meeting.pk)[:8] in text  # the link to the meeting keeps Arabic digits
