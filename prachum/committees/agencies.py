"""Agencies (ส่วนราชการ): the office a committee belongs to and its letters go out from.

Operators keep them: name, address, contact, the letter-number prefix (ที่ ...), the
Garuda emblem printed 3 cm high on external letters (Regulation of the Prime Minister's
Office on Correspondence B.E. 2526, cl. 11 and cl. 71: the Garuda 3 cm or 1.5 cm high)
and the head of the agency.
Every change goes into the agency's evidence chain (``Agency.chain_key``).
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from prachum.committees import policies
from prachum.committees.error_codes import CommitteeError
from prachum.committees.events import CommitteeEvent
from prachum.committees.models import Agency
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.text import clean_text
from prachum.evidence.services import append_event

GARUDA_MAX_BYTES = 1024 * 1024
GARUDA_MIN_HEIGHT = 100  # pixels; printed 3 cm high
GARUDA_MAX_SIDE = 5000  # pixels; more is no emblem but a decompression bomb
# Phones save JPEG with a multi-picture index, which Pillow reads as MPO: still JPEG.
GARUDA_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg"}

# The text fields an operator types, with their limits (the model's max_length).
_TEXT_FIELDS: dict[str, tuple[int, bool]] = {
    "name": (200, True),
    "letter_code": (40, True),
    "address": (1000, False),
    "phone": (50, False),
    "head_name": (200, False),
    "head_position": (200, False),
    "security_certification": (300, False),
}


def garuda_content_type(data: bytes) -> str | None:
    """The media type of a stored emblem from its first bytes (PNG or JPEG), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def validate_garuda(data: bytes) -> bytes:
    """Check an uploaded emblem by its content: a whole PNG or JPEG image, at most 1 MB,
    at least ``GARUDA_MIN_HEIGHT`` pixels high. Returns the bytes unchanged."""
    if len(data) > GARUDA_MAX_BYTES:
        raise ServiceError(
            CommitteeError.GARUDA_TOO_LARGE,
            _(
                "The emblem file is larger than 1 MB; upload a smaller PNG or JPEG file."
            ),
            field="garuda",
        )
    not_an_image = ServiceError(
        CommitteeError.GARUDA_INVALID,
        _("The emblem must be a PNG or JPEG image; this file is not one."),
        field="garuda",
    )
    try:
        # Pillow refuses a decompression bomb itself (DecompressionBombError); the side
        # limit below stops anything larger than an emblem before it is decoded.
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            width, height = image.size
            if image_format not in GARUDA_FORMATS:
                raise not_an_image
            if max(width, height) > GARUDA_MAX_SIDE:
                raise ServiceError(
                    CommitteeError.GARUDA_INVALID,
                    _("The emblem is too large: at most %(n)d pixels a side.")
                    % {"n": GARUDA_MAX_SIDE},
                    field="garuda",
                )
            image.verify()
        # verify() leaves the image unusable; decoding it whole finds truncation.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except ServiceError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise not_an_image from None
    if height < GARUDA_MIN_HEIGHT:
        raise ServiceError(
            CommitteeError.GARUDA_TOO_SMALL,
            _(
                "The emblem is %(h)d pixels high; it is printed 3 cm high, so upload an "
                "image at least %(n)d pixels high."
            )
            % {"h": height, "n": GARUDA_MIN_HEIGHT},
            field="garuda",
        )
    return data


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, (max_length, required) in _TEXT_FIELDS.items():
        if name in fields:
            cleaned[name] = clean_text(
                str(fields[name] or ""),
                field=name,
                required=required,
                max_length=max_length,
            )
    if "email" in fields:
        email = str(fields["email"] or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ServiceError(
                    CommitteeError.EMAIL_INVALID,
                    _("Not a valid e-mail address."),
                    field="email",
                ) from None
        cleaned["email"] = email
    if "thai_digits" in fields:
        cleaned["thai_digits"] = bool(fields["thai_digits"])
    return cleaned


def _garuda_record(data: bytes) -> dict[str, Any] | None:
    if not data:
        return None
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _ensure_operator(actor: Actor) -> None:
    if not policies.can_manage_agencies(user=actor):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED, _("Only an operator may change agencies.")
        )


def create_agency(
    *,
    actor: Actor,
    name: str,
    letter_code: str,
    address: str = "",
    phone: str = "",
    email: str = "",
    thai_digits: bool = False,
    head_name: str = "",
    head_position: str = "",
    security_certification: str = "",
    next_letter_number: int = 1,
    garuda: bytes | None = None,
) -> Agency:
    """Record a new agency; its emblem, if given, is checked by content first."""
    _ensure_operator(actor)
    cleaned = _clean_fields(
        {
            "name": name,
            "letter_code": letter_code,
            "address": address,
            "phone": phone,
            "email": email,
            "thai_digits": thai_digits,
            "head_name": head_name,
            "head_position": head_position,
            "security_certification": security_certification,
        }
    )
    if next_letter_number < 1:
        raise ServiceError(
            CoreError.REQUIRED,
            _("The next letter number starts at 1."),
            field="next_letter_number",
        )
    emblem = validate_garuda(garuda) if garuda else b""
    with transaction.atomic():
        agency = Agency.objects.create(
            **cleaned, next_letter_number=next_letter_number, garuda=emblem
        )
        append_event(
            chain_key=agency.chain_key,
            actor=actor,
            kind=CommitteeEvent.AGENCY_CREATED,
            payload={
                "agency": str(agency.pk),
                **cleaned,
                "next_letter_number": next_letter_number,
                "garuda": _garuda_record(emblem),
            },
        )
    return agency


def update_agency(
    *, actor: Actor, agency: Agency, garuda: bytes | None = None, **fields: Any
) -> Agency:
    """Change an agency's details; ``garuda`` replaces the emblem (None keeps it).

    Only the fields given change; the event lists what changed, the emblem by its hash.
    """
    _ensure_operator(actor)
    unknown = set(fields) - {*_TEXT_FIELDS, "email", "thai_digits"}
    if unknown:
        raise TypeError(f"update_agency: unknown fields {sorted(unknown)}")
    cleaned = _clean_fields(fields)
    emblem = validate_garuda(garuda) if garuda else None
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        changed = {k: v for k, v in cleaned.items() if getattr(locked, k) != v}
        if emblem is not None and bytes(locked.garuda) != emblem:
            locked.garuda = emblem
            changed["garuda"] = _garuda_record(emblem)
        if not changed:
            return locked
        for key, value in changed.items():
            if key != "garuda":
                setattr(locked, key, value)
        locked.save()
        append_event(
            chain_key=locked.chain_key,
            actor=actor,
            kind=CommitteeEvent.AGENCY_UPDATED,
            payload={"agency": str(locked.pk), "changed": changed},
        )
    return locked
