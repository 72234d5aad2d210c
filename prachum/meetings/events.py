"""Kinds of the evidence events the meetings app records (and the room events it publishes)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class MeetingEvent(EventKind):
    MEETING_SCHEDULED = "meeting.scheduled", _("Meeting scheduled")
    MEETING_ELECTRONIC_DECIDED = (
        "meeting.electronic_decided",
        _("Electronic meeting decided by the chair"),
    )
    MEETING_MARKED_URGENT = "meeting.marked_urgent", _("Meeting marked urgent")
    MEETING_DELETED = "meeting.deleted", _("Draft meeting deleted")
    AGENDA_ITEM_ADDED = "agenda.item_added", _("Agenda item added")
    AGENDA_ITEM_UPDATED = "agenda.item_updated", _("Agenda item changed")
    AGENDA_ITEM_REMOVED = "agenda.item_removed", _("Agenda item removed")
    DOCUMENT_UPLOADED = "document.uploaded", _("Document uploaded")
    DOCUMENT_READ = "document.read", _("Document opened")
    DOCUMENT_ENCLOSURE_SET = (
        "document.enclosure_set",
        _("Document marked or unmarked as an enclosure"),
    )
