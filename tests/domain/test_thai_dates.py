"""Thai official dates, times, numbers and baht text (legal.md A9; R53, R63-R68)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pythainlp.util import bahttext

from prachum.domain.errors import DomainError
from prachum.domain.thai_dates import (
    baht_text,
    buddhist_year,
    format_money,
    format_thai_date,
    format_thai_datetime,
    format_thai_time,
    letter_number,
    meeting_number,
    official_digits,
    to_thai_digits,
)

# legal.md A9: full names and abbreviations, January to December
MONTHS = (
    "มกราคม กุมภาพันธ์ มีนาคม เมษายน พฤษภาคม มิถุนายน"
    " กรกฎาคม สิงหาคม กันยายน ตุลาคม พฤศจิกายน ธันวาคม"
)
ABBREVIATIONS = "ม.ค. ก.พ. มี.ค. เม.ย. พ.ค. มิ.ย. ก.ค. ส.ค. ก.ย. ต.ค. พ.ย. ธ.ค."
THAI_DIGITS = "".join(chr(0x0E50 + i) for i in range(10))  # U+0E50..U+0E59


def test_thai_digits_are_u0e50_to_u0e59():
    assert to_thai_digits("0123456789") == THAI_DIGITS
    assert to_thai_digits("มท 0210.5/ว 2272") == "มท ๐๒๑๐.๕/ว ๒๒๗๒"  # seed letter
    assert to_thai_digits("") == ""


def test_official_digits_thai_except_web_and_mail_addresses():  # R67
    text = "ที่ มท 0210.5/41 มาตรา ๗๙ https://x.go.th/m/12 saraban1@moi.go.th โทร. 0 2222"
    assert official_digits(text, thai_digits=True) == (
        "ที่ มท ๐๒๑๐.๕/๔๑ มาตรา ๗๙ https://x.go.th/m/12 saraban1@moi.go.th โทร. ๐ ๒๒๒๒"
    )
    assert official_digits("www.a1.go.th/๒", thai_digits=True) == "www.a1.go.th/2"
    assert official_digits("", thai_digits=True) == ""


def test_official_digits_arabic_turns_thai_digits_back():  # R67: never mixed
    assert official_digits("มาตรา ๗๙ พ.ศ. ๒๕๓๙ ครั้งที่ 1/2569", thai_digits=False) == (
        "มาตรา 79 พ.ศ. 2539 ครั้งที่ 1/2569"
    )


@pytest.mark.parametrize(
    ("value", "year"),
    [
        (date(2020, 4, 16), 2563),
        (date(2021, 1, 1), 2564),
        (datetime(2020, 12, 31, 17, 0, tzinfo=UTC), 2564),  # 1 Jan 00:00 in Bangkok
        (datetime(2020, 12, 31, 16, 59, tzinfo=UTC), 2563),
    ],
)
def test_buddhist_year_is_ce_plus_543_on_the_bangkok_calendar(value, year):
    assert buddhist_year(value) == year


@pytest.mark.parametrize("month", range(1, 13))
def test_every_month_name(month):
    day = date(2020, month, 5)
    full = MONTHS.split()[month - 1]
    short = ABBREVIATIONS.split()[month - 1]
    assert format_thai_date(day) == f"5 {full} 2563"
    assert format_thai_date(day, abbreviated=True) == f"5 {short} 2563"


def test_format_thai_date_as_in_the_seed_circular():  # R66
    assert format_thai_date(date(2020, 4, 16)) == "16 เมษายน 2563"
    assert format_thai_date(date(2020, 4, 16), thai_digits=True) == "๑๖ เมษายน ๒๕๖๓"
    assert format_thai_date(date(2020, 4, 16), abbreviated=True) == "16 เม.ย. 2563"


def test_format_thai_date_of_an_aware_datetime_uses_the_bangkok_date():
    moment = datetime(2020, 12, 31, 18, 0, tzinfo=UTC)
    assert format_thai_date(moment) == "1 มกราคม 2564"


@pytest.mark.parametrize(
    ("moment", "thai_digits", "text"),
    [
        (datetime(2020, 4, 16, 3, 0, tzinfo=UTC), False, "10.00 น."),
        (datetime(2020, 4, 16, 3, 0, tzinfo=UTC), True, "๑๐.๐๐ น."),  # R68
        (datetime(2020, 4, 16, 23, 5, tzinfo=UTC), False, "06.05 น."),
    ],
)
def test_format_thai_time_in_bangkok(moment, thai_digits, text):
    assert format_thai_time(moment, thai_digits=thai_digits) == text


def test_format_thai_datetime_crosses_midnight_in_bangkok():
    moment = datetime(2020, 4, 15, 17, 30, tzinfo=UTC)
    assert format_thai_datetime(moment) == "16 เมษายน 2563 เวลา 00.30 น."
    assert format_thai_datetime(moment, thai_digits=True) == (
        "๑๖ เมษายน ๒๕๖๓ เวลา ๐๐.๓๐ น."
    )


@pytest.mark.parametrize("fn", [format_thai_time, format_thai_datetime, buddhist_year])
def test_naive_datetimes_are_refused(fn):
    with pytest.raises(DomainError) as err:
        fn(datetime(2020, 4, 16, 10, 0))
    assert err.value.code == "NAIVE_DATETIME"


def test_meeting_number():  # R53
    assert meeting_number(1, 2569) == "1/2569"
    assert meeting_number(1, 2564, thai_digits=True) == "๑/๒๕๖๔"


@pytest.mark.parametrize(
    ("n", "year", "code"),
    [(0, 2569, "INVALID_MEETING_NUMBER"), (1, 2026, "NOT_BUDDHIST_YEAR")],
)
def test_meeting_number_refuses_nonsense(n, year, code):
    with pytest.raises(DomainError) as err:
        meeting_number(n, year)
    assert err.value.code == code


def test_letter_number():  # R64
    assert letter_number("มท 0210.5", 123) == "มท 0210.5/123"
    assert letter_number("มท 0210.5", 123, circular=True) == "มท 0210.5/ว 123"
    assert (
        letter_number("มท 0210.5", 2272, circular=True, thai_digits=True)
        == "มท ๐๒๑๐.๕/ว ๒๒๗๒"
    )
    with pytest.raises(DomainError) as err:
        letter_number("มท 0210.5", 0)
    assert err.value.code == "INVALID_LETTER_NUMBER"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1250", "หนึ่งพันสองร้อยห้าสิบบาทถ้วน"),
        ("21", "ยี่สิบเอ็ดบาทถ้วน"),
        ("11", "สิบเอ็ดบาทถ้วน"),
        ("10", "สิบบาทถ้วน"),
        ("20", "ยี่สิบบาทถ้วน"),
        ("101", "หนึ่งร้อยเอ็ดบาทถ้วน"),
        ("1", "หนึ่งบาทถ้วน"),
        ("0", "ศูนย์บาทถ้วน"),
        ("100000", "หนึ่งแสนบาทถ้วน"),
        ("1000000", "หนึ่งล้านบาทถ้วน"),
        ("1000001", "หนึ่งล้านหนึ่งบาทถ้วน"),  # a new group after ล้าน: หนึ่ง
        ("1000011", "หนึ่งล้านสิบเอ็ดบาทถ้วน"),
        ("11000000", "สิบเอ็ดล้านบาทถ้วน"),
        ("21000021", "ยี่สิบเอ็ดล้านยี่สิบเอ็ดบาทถ้วน"),
        ("1000000000000", "หนึ่งล้านล้านบาทถ้วน"),
        ("1250.75", "หนึ่งพันสองร้อยห้าสิบบาทเจ็ดสิบห้าสตางค์"),
        ("2000000.01", "สองล้านบาทหนึ่งสตางค์"),
        ("0.50", "ห้าสิบสตางค์"),
        ("0.21", "ยี่สิบเอ็ดสตางค์"),
        ("0.005", "หนึ่งสตางค์"),  # half a satang rounds up
        ("0.004", "ศูนย์บาทถ้วน"),
        ("99.995", "หนึ่งร้อยบาทถ้วน"),
    ],
)
def test_baht_text(amount, text):
    assert baht_text(Decimal(amount)) == text


@pytest.mark.parametrize("amount", ["-1", "-0.01", "NaN", "Infinity"])
def test_baht_text_refuses_negative_and_non_finite_amounts(amount):
    with pytest.raises(DomainError) as err:
        baht_text(Decimal(amount))
    assert err.value.code == "INVALID_AMOUNT"


@given(st.integers(1, 999_999), st.integers(0, 99))
def test_baht_text_agrees_with_pythainlp_below_a_million(baht, satang):
    # Below one million PyThaiNLP's reading is the official one; above it differs on
    # a lone one after ล้าน (see test_baht_text), which is why baht_text is our own.
    amount = Decimal(baht) + Decimal(satang) / 100
    assert baht_text(amount) == bahttext(float(amount))


@pytest.mark.parametrize(
    ("amount", "thai_digits", "text"),
    [
        ("7250", False, "7,250.00"),
        ("1250.5", False, "1,250.50"),
        ("0", False, "0.00"),
        ("1250", True, "๑,๒๕๐.๐๐"),
    ],
)
def test_format_money(amount, thai_digits, text):
    assert format_money(Decimal(amount), thai_digits=thai_digits) == text
