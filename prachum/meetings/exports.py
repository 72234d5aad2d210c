"""The meeting's part of the evidence package: its details, agenda and documents as sent."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting
from prachum.meetings.selectors import numbered_agenda


def meeting_files(meeting: Meeting) -> Iterator[File]:
    committee = meeting.committee
    yield (
        "meeting.json",
        json_bytes(
            {
                "id": str(meeting.pk),
                "committee": {
                    "id": str(committee.pk),
                    "name": committee.name,
                    "legal_basis": committee.legal_basis,
                    "category": committee.category,
                    "agency": committee.agency.name,
                },
                "title": meeting.title,
                "number": meeting.number,
                "buddhist_year": meeting.buddhist_year,
                "starts_at": meeting.starts_at,
                "held_at": meeting.held_at,  # opened at; the noticed start if never opened
                "adjourned_from": str(meeting.adjourned_from_id or ""),
                "ends_at": meeting.ends_at,
                "mode": meeting.mode,
                "venue": meeting.venue,
                "is_secret": meeting.is_secret,
                "status": meeting.status,
                "electronic_decided_by": str(meeting.electronic_decided_by_id or ""),
                "electronic_decided_at": meeting.electronic_decided_at,
                "urgent_reason": meeting.urgent_reason,
                "agenda": [
                    {
                        "id": str(r.item.pk),
                        "number": r.number,
                        "title": r.item.title,
                        "is_secret": r.item.is_secret,
                    }
                    for r in numbered_agenda(meeting=meeting)
                ],
            }
        ),
    )
    for document in meeting.documents.order_by("created_at"):
        for version in document.versions.order_by("version"):
            with version.file.open("rb") as handle:
                data = handle.read()
            yield (
                f"documents/{document.pk}/v{version.version}-{version.sha256[:12]}",
                data,
            )
