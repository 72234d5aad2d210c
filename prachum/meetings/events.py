"""Kinds of the evidence events the meetings app records (and the room events it publishes)."""

from __future__ import annotations

from prachum.core.events import EventKind


class MeetingEvent(EventKind):
    MEETING_SCHEDULED = "meeting.scheduled"
    MEETING_ELECTRONIC_DECIDED = "meeting.electronic_decided"
    MEETING_MARKED_URGENT = "meeting.marked_urgent"
    MEETING_DELETED = "meeting.deleted"
    AGENDA_ITEM_ADDED = "agenda.item_added"
    AGENDA_ITEM_UPDATED = "agenda.item_updated"
    AGENDA_ITEM_REMOVED = "agenda.item_removed"
    DOCUMENT_UPLOADED = "document.uploaded"
    DOCUMENT_READ = "document.read"
    DOCUMENT_ENCLOSURE_SET = "document.enclosure_set"
