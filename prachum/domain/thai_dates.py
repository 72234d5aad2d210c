"""Thai official dates, times, numbers and baht text.

Month names, Thai digits, "น." and "บาทถ้วน" are regulated data, not UI text (house
style §4.4). PyThaiNLP supplies the Thai digits and the month names (``thai_strftime``);
what it lacks is written here: the Asia/Bangkok conversion and baht text (its
``bahttext`` takes a float and reads 1,000,001 as "หนึ่งล้านเอ็ด"; official usage reads
"เอ็ด" only after a tens-or-higher digit of the same six-digit group).
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from pythainlp.util import arabic_digit_to_thai_digit, thai_strftime

from prachum.domain.errors import InvalidInputError

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
SATANG = Decimal("0.01")

_DIGIT_WORDS = ("ศูนย์", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_PLACE_WORDS = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def to_bangkok(dt: datetime) -> datetime:
    """Return ``dt`` in Asia/Bangkok; naive datetimes are refused (house style 10)."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise InvalidInputError("NAIVE_DATETIME", f"{dt.isoformat()} has no time zone")
    return dt.astimezone(BANGKOK)


def bangkok_date(d: date) -> date:
    """Return the Asia/Bangkok calendar date of ``d`` (a date is returned unchanged)."""
    if isinstance(d, datetime):
        return to_bangkok(d).date()
    return d


def to_thai_digits(s: str) -> str:
    """Replace Arabic digits with Thai digits (Cabinet resolution 2 May 2543; R67)."""
    return arabic_digit_to_thai_digit(s)


_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Web addresses and e-mail addresses keep Arabic digits whatever the option (R67).
_KEEP_ARABIC = re.compile(
    r"(?:https?://|www\.)\S+|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)


def official_digits(text: str, *, thai_digits: bool) -> str:
    """Every digit of ``text`` in one system: Thai (๐-๙) when the agency chose Thai
    digits, Arabic otherwise, so no document mixes them (Cabinet resolution of
    2 May 2543; R67). Web and e-mail addresses always keep Arabic digits."""
    if not thai_digits:
        return text.translate(_TO_ARABIC)
    out: list[str] = []
    last = 0
    for match in _KEEP_ARABIC.finditer(text):
        out.append(to_thai_digits(text[last : match.start()]))
        out.append(match.group().translate(_TO_ARABIC))
        last = match.end()
    out.append(to_thai_digits(text[last:]))
    return "".join(out)


def _digits(s: str, thai_digits: bool) -> str:
    return to_thai_digits(s) if thai_digits else s


def buddhist_year(d: date) -> int:
    """Return the Buddhist-era year, CE + 543, of a date or of an aware datetime
    taken in Asia/Bangkok (Saraban Regulation; legal.md A9; R66)."""
    return bangkok_date(d).year + BE_OFFSET


def format_thai_date(
    d: date, *, thai_digits: bool = False, abbreviated: bool = False
) -> str:
    """Format "16 เมษายน 2563", "๑๖ เมษายน ๒๕๖๓" or "16 เม.ย. 2563" (Saraban
    Regulation; legal.md A9; R66). An aware datetime is taken in Asia/Bangkok."""
    day = bangkok_date(d)
    fmt = "%-d %b %Y" if abbreviated else "%-d %B %Y"
    return thai_strftime(datetime(day.year, day.month, day.day), fmt, thai_digits)  # noqa: DTZ001


def format_thai_time(dt: datetime, *, thai_digits: bool = False) -> str:
    """Format an aware datetime as "10.00 น." in Asia/Bangkok (legal.md A9; R68)."""
    return thai_strftime(to_bangkok(dt), "%H.%M น.", thai_digits)


def format_thai_datetime(dt: datetime, *, thai_digits: bool = False) -> str:
    """Format "16 เมษายน 2563 เวลา 10.00 น." in Asia/Bangkok (legal.md A9; R66, R68)."""
    day = format_thai_date(dt, thai_digits=thai_digits)
    return f"{day} เวลา {format_thai_time(dt, thai_digits=thai_digits)}"


def meeting_number(n: int, be_year: int, *, thai_digits: bool = False) -> str:
    """Format the minutes' "ครั้งที่" number "n/BE-year", e.g. "1/2569" (Saraban
    Regulation clause 25; R53)."""
    if n < 1:
        raise InvalidInputError(
            "INVALID_MEETING_NUMBER", f"{n} is not a positive number"
        )
    if be_year < 2400:  # a CE year passed by mistake (2400 BE = 1857 CE)
        raise InvalidInputError("NOT_BUDDHIST_YEAR", f"{be_year} is not a B.E. year")
    return _digits(f"{n}/{be_year}", thai_digits)


def letter_number(
    code: str, n: int, *, circular: bool = False, thai_digits: bool = False
) -> str:
    """Format a letter number "มท 0210.5/123", or "มท 0210.5/ว 123" for a circular
    (Saraban Regulation clause 11; R64)."""
    if n < 1:
        raise InvalidInputError(
            "INVALID_LETTER_NUMBER", f"{n} is not a positive number"
        )
    prefix = "ว " if circular else ""
    return _digits(f"{code}/{prefix}{n}", thai_digits)


def _read_group(n: int) -> str:
    """Read 1..999,999; "เอ็ด" is the unit one after a higher digit of the group."""
    words = []
    for place in range(5, -1, -1):
        digit = n // 10**place % 10
        if digit == 0:
            continue
        if place == 1:
            words.append({1: "", 2: "ยี่"}.get(digit, _DIGIT_WORDS[digit]) + "สิบ")
        elif place == 0 and digit == 1 and n > 9:
            words.append("เอ็ด")
        else:
            words.append(_DIGIT_WORDS[digit] + _PLACE_WORDS[place])
    return "".join(words)


def _read_number(n: int) -> str:
    """Read a positive integer; each six-digit group above the first ends in "ล้าน"."""
    millions, rest = divmod(n, 1_000_000)
    head = _read_number(millions) + "ล้าน" if millions else ""
    return head + (_read_group(rest) if rest else "")


def format_money(amount: Decimal, *, thai_digits: bool = False) -> str:
    """Baht as every page and list shows them: thousands separators, two decimals,
    "1,250.00" (or "๑,๒๕๐.๐๐")."""
    return _digits(f"{amount:,.2f}", thai_digits)


def baht_text(amount: Decimal) -> str:
    """Spell a baht amount as on cheques and receipts: "หนึ่งพันสองร้อยห้าสิบบาทถ้วน",
    "ห้าสิบสตางค์". Rounded ROUND_HALF_UP to the satang first (Bank of Thailand usage;
    allowance statements under RD 2547)."""
    if not amount.is_finite() or amount < 0:
        raise InvalidInputError(
            "INVALID_AMOUNT", f"{amount} is not a non-negative amount"
        )
    satang_total = int(amount.quantize(SATANG, rounding=ROUND_HALF_UP) * 100)
    baht, satang = divmod(satang_total, 100)
    if satang == 0:
        return (_read_number(baht) if baht else "ศูนย์") + "บาทถ้วน"
    head = _read_number(baht) + "บาท" if baht else ""
    return head + _read_number(satang) + "สตางค์"
