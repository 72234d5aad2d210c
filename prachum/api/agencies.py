"""Agencies over REST, for operators: list, add, change (issue 14 point 1). The same
services as the agency pages, so the same checks of the emblem and the same evidence.
The emblem travels as base64 (``garuda_base64``) and is read at ``garuda_url``. Mounted
under ``/api/agencies`` by ``prachum.api.api``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from prachum.committees import agencies, policies, selectors
from prachum.committees.error_codes import CommitteeError
from prachum.committees.models import Agency
from prachum.core.actors import actor_of
from prachum.core.errors import ServiceError

router = Router(tags=["agencies"])


class ErrorOut(Schema):
    code: str
    message: str


class AgencyOut(Schema):
    id: UUID
    name: str
    letter_code: str
    address: str
    phone: str
    email: str
    thai_digits: bool
    head_name: str
    head_position: str
    next_letter_number: int
    garuda_url: str | None


class AgencyIn(Schema):
    name: str = Field(max_length=200)
    letter_code: str = Field(max_length=40)
    address: str = Field(default="", max_length=1000)
    phone: str = Field(default="", max_length=50)
    email: str = Field(default="", max_length=254)
    thai_digits: bool = False
    head_name: str = Field(default="", max_length=200)
    head_position: str = Field(default="", max_length=200)
    next_letter_number: int = Field(default=1, ge=1)
    garuda_base64: str | None = None


class AgencyPatch(Schema):
    name: str | None = Field(default=None, max_length=200)
    letter_code: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=1000)
    phone: str | None = Field(default=None, max_length=50)
    email: str | None = Field(default=None, max_length=254)
    thai_digits: bool | None = None
    head_name: str | None = Field(default=None, max_length=200)
    head_position: str | None = Field(default=None, max_length=200)
    garuda_base64: str | None = None


def _operator(request: HttpRequest) -> None:
    if not policies.can_manage_agencies(user=request.user):
        raise Http404


def _emblem(value: str | None) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError(
            CommitteeError.GARUDA_INVALID,
            _("The emblem must be a PNG or JPEG image; this file is not one."),
            field="garuda",
        ) from None


def _out(agency: Agency) -> dict[str, Any]:
    return {
        "id": agency.pk,
        "name": agency.name,
        "letter_code": agency.letter_code,
        "address": agency.address,
        "phone": agency.phone,
        "email": agency.email,
        "thai_digits": agency.thai_digits,
        "head_name": agency.head_name,
        "head_position": agency.head_position,
        "next_letter_number": agency.next_letter_number,
        "garuda_url": reverse("committees:agency_garuda", kwargs={"pk": agency.pk})
        if agency.garuda
        else None,
    }


@router.get("", response=list[AgencyOut])
def list_agencies(request: HttpRequest) -> Any:
    _operator(request)
    return [_out(a) for a in selectors.list_agencies()]


@router.post("", response={201: AgencyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def add_agency(request: HttpRequest, body: AgencyIn) -> Any:
    _operator(request)
    fields = body.model_dump(exclude={"garuda_base64"})
    agency = agencies.create_agency(
        actor=actor_of(request), garuda=_emblem(body.garuda_base64), **fields
    )
    return Status(201, _out(agency))


@router.patch(
    "/{agency_id}",
    response={200: AgencyOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def change_agency(request: HttpRequest, agency_id: UUID, body: AgencyPatch) -> Any:
    _operator(request)
    agency = get_object_or_404(Agency, pk=agency_id)
    fields = body.model_dump(exclude={"garuda_base64"}, exclude_none=True)
    agency = agencies.update_agency(
        actor=actor_of(request),
        agency=agency,
        garuda=_emblem(body.garuda_base64),
        **fields,
    )
    return _out(agency)
