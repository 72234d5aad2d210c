"""A committee's allowance rates over REST (R57): list them, add one from a date. The
same service as the rate page, so the same refusals and evidence. Mounted under
``/api/committees`` by ``prachum.api.api``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from prachum.committees import policies, rates, selectors
from prachum.committees.models import AllowanceKind, Committee
from prachum.core.actors import actor_of

router = Router(tags=["committees"])


class ErrorOut(Schema):
    code: str
    message: str


class RateIn(Schema):
    kind: AllowanceKind = AllowanceKind.PER_MEETING
    member_amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    valid_from: date
    source: str = Field(default="", max_length=300)


class RateOut(Schema):
    id: UUID
    kind: str
    member_amount: Decimal
    valid_from: date
    valid_to: date | None
    source: str


def _committee(request: HttpRequest, committee_id: UUID) -> Committee:
    committee = Committee.objects.filter(pk=committee_id).first()
    if committee is None or not policies.can_view_committee(
        user=request.user, committee=committee
    ):
        raise Http404
    return committee


@router.get("/{committee_id}/rates", response=list[RateOut])
def list_rates(request: HttpRequest, committee_id: UUID) -> Any:
    return list(selectors.rates_for(committee=_committee(request, committee_id)))


@router.post(
    "/{committee_id}/rates",
    response={201: RateOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def add_rate(request: HttpRequest, committee_id: UUID, body: RateIn) -> Any:
    rate = rates.set_allowance_rate(
        actor=actor_of(request),
        committee=_committee(request, committee_id),
        kind=body.kind,
        member_amount=body.member_amount,
        valid_from=body.valid_from,
        source=body.source,
    )
    return Status(201, rate)
