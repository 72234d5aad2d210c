"""The transparency list over REST (issue 16 point 5): per sealed meeting, each seal's
chain head, seal time and TSA time. Public and read-only, like the page
(``/evidence/transparency/``): it names no title and no person. Mounted under
``/api/transparency`` by ``prachum.api.api``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from prachum.archive.transparency import list_sealed

router = Router(tags=["transparency"])


class SealOut(Schema):
    meeting_id: UUID
    #: ครั้งที่ n
    meeting_number: int | None
    buddhist_year: int
    chain: str
    #: the seal covers events 1..length
    length: int
    #: SHA-256 chain head the agency signed and the TSA stamped
    head: str
    sealed_at: datetime
    #: the Time-Stamping Authority's time; null until the token comes
    tsa_time: datetime | None


@router.get("/seals", response=list[SealOut], auth=None)
def list_seals(request: HttpRequest) -> list[SealOut]:
    return [SealOut(**row.__dict__) for row in list_sealed()]
