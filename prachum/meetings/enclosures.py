"""Marking a meeting paper to go with the notice as an enclosure (สิ่งที่ส่งมาด้วย, R63).

The notice attaches the agenda as enclosure 1 and the marked papers after it
(:mod:`prachum.notices.addressing`); a letter already sent keeps what it had.
"""

from __future__ import annotations

from django.db import transaction

from prachum.core.actors import Actor
from prachum.evidence.services import append_event
from prachum.meetings.events import MeetingEvent
from prachum.meetings.models import Document
from prachum.meetings.services import (
    _lock_meeting,
    _require_editable,
    _require_secretariat,
)


def set_document_enclosure(
    *, actor: Actor, document: Document, is_enclosure: bool
) -> Document:
    """Send ``document`` with the next notice (or stop sending it)."""
    with transaction.atomic():
        meeting = _lock_meeting(document.meeting)
        _require_secretariat(actor, meeting)
        _require_editable(meeting)
        document = Document.objects.select_for_update().get(pk=document.pk)
        if document.is_enclosure == is_enclosure:
            return document
        document.is_enclosure = is_enclosure
        document.save(update_fields=["is_enclosure", "updated_at"])
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.DOCUMENT_ENCLOSURE_SET,
            actor=actor,
            payload={
                "document": str(document.pk),
                "title": document.title,
                "is_enclosure": is_enclosure,
            },
        )
    return document
