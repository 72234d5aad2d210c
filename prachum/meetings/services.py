"""Every change to a meeting goes through here: lock, check, change, record, publish."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from prachum.committees import policies as committee_policies
from prachum.committees.models import Committee
from prachum.committees.services import ensure_in_scope
from prachum.core.actors import Actor
from prachum.core.errors import CoreError, PermissionDeniedError, ServiceError
from prachum.core.text import clean_text
from prachum.domain.agenda import STANDARD_AGENDA
from prachum.domain.thai_dates import buddhist_year
from prachum.evidence.services import append_event
from prachum.meetings import policies, upload_checks
from prachum.meetings.error_codes import MeetingError
from prachum.meetings.events import MeetingEvent
from prachum.meetings.models import (
    AgendaItem,
    Document,
    DocumentRead,
    DocumentVersion,
    Meeting,
    MeetingMode,
    MeetingStatus,
)
from prachum.meetings.secrecy import require_secret_hosting

EDITABLE = {MeetingStatus.DRAFT, MeetingStatus.NOTIFIED}


def _lock_meeting(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update()
        .select_related("committee")
        .get(pk=meeting.pk)
    )


def _require_editable(meeting: Meeting) -> None:
    if meeting.status not in EDITABLE:
        raise ServiceError(
            CoreError.MEETING_NOT_EDITABLE,
            _("The meeting has started or ended; its agenda is fixed."),
        )


def _require_secretariat(actor: Actor, meeting: Meeting) -> None:
    if not policies.can_prepare_meeting(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the committee's secretary may prepare this meeting."),
        )


def schedule_meeting(
    *,
    actor: Actor,
    committee: Committee,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    mode: str,
    venue: str = "",
    is_secret: bool = False,
    adjourned_from: Meeting | None = None,
) -> Meeting:
    """Create a draft meeting with the standard agenda; its number ``n/<BE year>``
    comes with the first notice (R53). ``adjourned_from``: see ``life.schedule_follow_up``.
    """
    if not committee_policies.can_manage_committee(user=actor, committee=committee):
        raise PermissionDeniedError(
            CoreError.NOT_ALLOWED,
            _("Only the committee's secretary may schedule its meetings."),
        )
    title = clean_text(title, field="title", max_length=300)
    venue = clean_text(venue, field="venue", required=False, max_length=300)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ServiceError(
            MeetingError.NAIVE_DATETIME,
            _("Give the time with its time zone."),
            field="starts_at",
        )
    if starts_at <= timezone.now():
        raise ServiceError(
            MeetingError.STARTS_IN_PAST,
            _("The meeting must start in the future."),
            field="starts_at",
        )
    if ends_at <= starts_at:
        raise ServiceError(
            MeetingError.ENDS_BEFORE_START,
            _("The meeting must end after it starts."),
            field="ends_at",
        )
    if mode not in MeetingMode.values:
        raise ServiceError(
            MeetingError.BAD_MODE, _("Choose how the meeting is held."), field="mode"
        )
    if mode in {MeetingMode.IN_ROOM, MeetingMode.HYBRID} and not venue:
        raise ServiceError(
            MeetingError.VENUE_REQUIRED, _("Name the meeting room."), field="venue"
        )
    require_secret_hosting(is_secret=is_secret)
    local_start = timezone.localtime(starts_at)
    ensure_in_scope(category=committee.category, on=local_start.date())
    be_year = buddhist_year(local_start.date())
    with transaction.atomic():
        # No number yet: it is given with the first notice (R53, ADR 0015).
        meeting = Meeting.objects.create(
            committee=committee,
            number=None,
            buddhist_year=be_year,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            mode=mode,
            venue=venue,
            is_secret=is_secret,
            created_by=actor,
            adjourned_from=adjourned_from,
        )
        sections = [
            AgendaItem.objects.create(
                meeting=meeting, position=position * 100, title=section
            )
            for position, section in enumerate(STANDARD_AGENDA, start=1)
        ]
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.MEETING_SCHEDULED,
            actor=actor,
            payload={
                "meeting": str(meeting.pk),
                "committee": str(committee.pk),
                "buddhist_year": be_year,
                "adjourned_from": str(adjourned_from.pk) if adjourned_from else None,
                "title": title,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "mode": mode,
                "venue": venue,
                "is_secret": is_secret,
                "agenda": list(STANDARD_AGENDA),
                # Each section's id, so `prachum verify` can match meeting.json's.
                "agenda_items": [
                    {"item": str(s.pk), "title": s.title} for s in sections
                ],
            },
        )
    return meeting


def record_electronic_decision(*, actor: Actor, meeting: Meeting) -> Meeting:
    """The chair decides to meet electronically (Decree s.6, R4); who and when are kept."""
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if not policies.can_decide_as_chair(user=actor, meeting=meeting):
            raise PermissionDeniedError(
                CoreError.CHAIR_ONLY,
                _("Only the chair may decide to hold the meeting electronically."),
            )
        if not meeting.is_electronic:
            raise ServiceError(
                MeetingError.NOT_ELECTRONIC, _("This meeting is held in the room only.")
            )
        if meeting.electronic_decided_at:
            raise ServiceError(
                MeetingError.ALREADY_DECIDED, _("The chair has already decided.")
            )
        meeting.electronic_decided_by = actor
        meeting.electronic_decided_at = timezone.now()
        meeting.save(
            update_fields=[
                "electronic_decided_by",
                "electronic_decided_at",
                "updated_at",
            ]
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.MEETING_ELECTRONIC_DECIDED,
            actor=actor,
            payload={"clause": "Decree B.E. 2563 s.6", "mode": meeting.mode},
        )
    return meeting


def mark_urgent(*, actor: Actor, meeting: Meeting, reason: str) -> Meeting:
    """The chair convenes urgently, with a reason, so a short notice is allowed (APA s.80)."""
    reason = clean_text(reason, field="urgent_reason", max_length=2000)
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        if not policies.can_decide_as_chair(user=actor, meeting=meeting):
            raise PermissionDeniedError(
                CoreError.CHAIR_ONLY, _("Only the chair may convene urgently.")
            )
        _require_editable(meeting)
        meeting.urgent_reason = reason
        meeting.urgent_marked_by = actor
        meeting.urgent_marked_at = timezone.now()
        meeting.save(
            update_fields=[
                "urgent_reason",
                "urgent_marked_by",
                "urgent_marked_at",
                "updated_at",
            ]
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.MEETING_MARKED_URGENT,
            actor=actor,
            payload={"reason": reason, "clause": "APA B.E. 2539 s.80"},
        )
    return meeting


def add_agenda_item(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    parent: AgendaItem | None = None,
    description: str = "",
    subject: str = "",
    is_secret: bool = False,
) -> AgendaItem:
    """Add an item at the end of the agenda or under ``parent`` (a sub-item such as 4.1)."""
    title = clean_text(title, field="title")
    description = clean_text(
        description, field="description", required=False, max_length=10_000
    )
    subject = clean_text(subject, field="subject", required=False, max_length=100)
    require_secret_hosting(is_secret=is_secret)
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_secretariat(actor, meeting)
        _require_editable(meeting)
        if subject:
            ensure_in_scope(
                category=meeting.committee.category,
                on=timezone.localtime(meeting.starts_at).date(),
                subjects=(subject,),
            )
        if parent is not None:
            if parent.meeting_id != meeting.pk or parent.parent_id is not None:
                raise ServiceError(
                    MeetingError.BAD_PARENT,
                    _("Sub-items go under a main agenda item."),
                    field="parent",
                )
            siblings = parent.children.aggregate(p=Max("position"))["p"]
            position = (siblings or parent.position) + 1
        else:
            last = meeting.agenda_items.filter(parent=None).aggregate(
                p=Max("position")
            )["p"]
            position = (last or 0) + 100
        item = AgendaItem.objects.create(
            meeting=meeting,
            parent=parent,
            position=position,
            title=title,
            description=description,
            subject=subject,
            is_secret=is_secret,
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.AGENDA_ITEM_ADDED,
            actor=actor,
            payload={
                "item": str(item.pk),
                "parent": str(parent.pk) if parent else None,
                "title": title,
                "description": description,
                "subject": subject,
                "is_secret": is_secret,
            },
        )
    return item


def update_agenda_item(
    *,
    actor: Actor,
    item: AgendaItem,
    title: str,
    description: str = "",
    is_secret: bool = False,
) -> AgendaItem:
    title = clean_text(title, field="title")
    description = clean_text(
        description, field="description", required=False, max_length=10_000
    )
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting)
        _require_secretariat(actor, meeting)
        _require_editable(meeting)
        item = AgendaItem.objects.get(pk=item.pk)
        if is_secret and not item.is_secret:
            require_secret_hosting(is_secret=True)
        before = {
            "title": item.title,
            "description": item.description,
            "is_secret": item.is_secret,
        }
        item.title, item.description, item.is_secret = title, description, is_secret
        item.save(update_fields=["title", "description", "is_secret", "updated_at"])
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.AGENDA_ITEM_UPDATED,
            actor=actor,
            payload={
                "item": str(item.pk),
                "before": before,
                "after": {
                    "title": title,
                    "description": description,
                    "is_secret": is_secret,
                },
            },
        )
    return item


def remove_agenda_item(*, actor: Actor, item: AgendaItem) -> None:
    """Withdraw an item (kept in the record, hidden from the agenda)."""
    with transaction.atomic():
        meeting = _lock_meeting(item.meeting)
        _require_secretariat(actor, meeting)
        _require_editable(meeting)
        if item.parent_id is None and item.position <= len(STANDARD_AGENDA) * 100:
            raise ServiceError(
                MeetingError.STANDARD_ITEM, _("The five standard agenda sections stay.")
            )
        AgendaItem.objects.filter(pk=item.pk).update(is_removed=True)
        AgendaItem.objects.filter(parent=item).update(is_removed=True)
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.AGENDA_ITEM_REMOVED,
            actor=actor,
            payload={"item": str(item.pk)},
        )


def upload_document(
    *,
    actor: Actor,
    meeting: Meeting,
    title: str,
    upload: UploadedFile[bytes],
    agenda_item: AgendaItem | None = None,
    document: Document | None = None,
    is_enclosure: bool = False,
) -> DocumentVersion:
    """Store a meeting paper with its SHA-256; a re-upload makes a new version (R19, R20).

    The file type is read from the content, not from the browser's claim, and the
    content is checked for anything that runs (upload_checks, issue 15 F7).
    """
    title = clean_text(title, field="title", max_length=300)
    size = upload.size or 0
    if size == 0:
        raise ServiceError(
            MeetingError.EMPTY_FILE, _("The file is empty."), field="file"
        )
    if size > settings.DOCUMENT_MAX_BYTES:
        raise ServiceError(
            MeetingError.FILE_TOO_LARGE,
            _("The file is too large: at most %(mb)d MB.")
            % {"mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)},
            field="file",
        )
    upload.seek(0)
    content = upload.read()
    mime = upload_checks.sniff_type(content, upload.name or "")
    if mime not in settings.DOCUMENT_ALLOWED_TYPES:
        raise ServiceError(
            MeetingError.FILE_TYPE_NOT_ALLOWED,
            _(
                "This type of file is not accepted. Upload PDF, Word, Excel, PowerPoint, PNG or JPEG."
            ),
            field="file",
        )
    upload_checks.check_upload(content, name=upload.name or "", mime=mime)
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        _require_secretariat(actor, meeting)
        _require_editable(meeting)
        if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
            raise ServiceError(
                CoreError.BAD_ITEM,
                _("That agenda item belongs to another meeting."),
                field="agenda_item",
            )
        if document is None:
            document = Document.objects.create(
                meeting=meeting,
                agenda_item=agenda_item,
                title=title,
                is_enclosure=is_enclosure,
            )
        elif document.meeting_id != meeting.pk:
            raise ServiceError(
                MeetingError.BAD_DOCUMENT,
                _("That document belongs to another meeting."),
            )
        last = document.versions.aggregate(v=Max("version"))["v"] or 0
        version = DocumentVersion(
            document=document,
            version=last + 1,
            original_name=(upload.name or "document")[:255],
            content_type=mime,
            size=len(content),
            sha256=digest,
            uploaded_by=actor,
        )
        version.file.save(digest, ContentFile(content), save=False)
        version.save()
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.DOCUMENT_UPLOADED,
            actor=actor,
            payload={
                "document": str(document.pk),
                "agenda_item": str(agenda_item.pk) if agenda_item else None,
                "title": title,
                "version": version.version,
                "name": version.original_name,
                "content_type": mime,
                "size": version.size,
                "sha256": digest,
                "is_enclosure": document.is_enclosure,
            },
        )
    return version


def record_document_read(
    *, actor: Actor, version: DocumentVersion, ip_address: str | None
) -> DocumentRead:
    """Log that a participant opened a paper (R19); refuses non-participants."""
    meeting = version.document.meeting
    if not policies.can_view_meeting(user=actor, meeting=meeting):
        raise PermissionDeniedError(
            CoreError.NOT_PARTICIPANT,
            _("Only this meeting's participants may read its papers."),
        )
    with transaction.atomic():
        read = DocumentRead.objects.create(
            version=version, user=actor, ip_address=ip_address
        )
        append_event(
            chain_key=meeting.chain_key,
            kind=MeetingEvent.DOCUMENT_READ,
            actor=actor,
            payload={
                "document": str(version.document_id),
                "version": version.version,
                "sha256": version.sha256,
                "ip": ip_address,
            },
        )
    return read
