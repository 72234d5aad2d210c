"""Notice of a meeting: was it sent early enough? (APA s.80; R12)

APA s.80: written notice to every member at least three days before the meeting,
except a member already told at a meeting (then only absentees need written notice),
and except an urgent case where the chair convenes otherwise. Call ``check_notice``
once per member.

Days are counted on the Asia/Bangkok calendar: ``days_before`` is the meeting's date
less the sending date, so the day of sending does not count and the meeting day does
(the first day is left out as in Civil and Commercial Code s.193/3 [I]). Sent on the
1st for a meeting on the 4th: 3 days, enough; sent on the 2nd: 2 days, too short. The
time of day does not matter.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from prachum.domain.errors import InvalidInputError, InvalidRuleError
from prachum.domain.reasons import APA_S80
from prachum.domain.thai_dates import to_bangkok


@dataclass(frozen=True)
class NoticeRule:
    min_days: int = 3
    source: str = APA_S80

    def __post_init__(self) -> None:
        if self.min_days < 0:
            raise InvalidRuleError("NOTICE_MIN_DAYS_NEGATIVE", f"{self.min_days}")


@dataclass(frozen=True)
class NoticeDecision:
    ok: bool
    code: str
    clause: str
    days_before: int


def check_notice(
    *,
    meeting_at: datetime,
    sent_at: datetime,
    rule: NoticeRule,
    urgent_reason: str | None = None,
    informed_at_previous_meeting: bool = False,
) -> NoticeDecision:
    """Check one member's notice against APA s.80 (or the body's own period).
    Codes: ``NOTICE_OK``, ``NOTICE_INFORMED_AT_PREVIOUS_MEETING``, ``NOTICE_URGENT``
    (only with a non-blank reason), ``NOTICE_TOO_SHORT``."""
    meeting_local, sent_local = to_bangkok(meeting_at), to_bangkok(sent_at)
    if sent_local > meeting_local:
        raise InvalidInputError("NOTICE_AFTER_MEETING", sent_local.isoformat())
    days = (meeting_local.date() - sent_local.date()).days
    if days >= rule.min_days:
        return NoticeDecision(True, "NOTICE_OK", rule.source, days)
    if informed_at_previous_meeting:
        code = "NOTICE_INFORMED_AT_PREVIOUS_MEETING"
        return NoticeDecision(True, code, APA_S80, days)
    if urgent_reason is not None and urgent_reason.strip():
        return NoticeDecision(True, "NOTICE_URGENT", APA_S80, days)
    return NoticeDecision(False, "NOTICE_TOO_SHORT", rule.source, days)


def earliest_opening(noticed_start: datetime, *, margin_minutes: int) -> datetime:
    """When the chair may first open a meeting noticed for ``noticed_start`` (APA s.80).

    The notice tells members the day and time: opening well before it would hold the
    meeting without those who came on time. The body allows ``margin_minutes`` early
    (project setting, default 30; ADR 0015); to meet earlier it postpones with a new
    notice."""
    if margin_minutes < 0:
        raise InvalidRuleError("OPENING_MARGIN_NEGATIVE", f"{margin_minutes} minutes")
    return noticed_start - timedelta(minutes=margin_minutes)
