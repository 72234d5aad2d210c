"""Meetings, agenda items and documents built directly (no service, no evidence).

Use the services (see ``tests/conftest.py``) when the test is about the service; use
these factories for the smallest valid rows a test needs around it.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from factory.django import DjangoModelFactory

from prachum.domain.thai_dates import BANGKOK
from prachum.meetings.models import (
    AgendaItem,
    Document,
    DocumentVersion,
    Meeting,
    MeetingMode,
    MeetingStatus,
)
from tests.factories.accounts import UserFactory
from tests.factories.committees import CommitteeFactory

MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer <</Size 4 /Root 1 0 R>>\nstartxref\n186\n%%EOF\n"
)


class MeetingFactory(DjangoModelFactory):
    class Meta:
        model = Meeting

    committee = factory.SubFactory(CommitteeFactory)
    number = factory.Sequence(lambda n: n + 1)
    buddhist_year = 2569
    title = factory.Sequence(lambda n: f"Meeting {n:03d}")
    starts_at = dt.datetime(2026, 6, 15, 10, 0, tzinfo=BANGKOK)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    mode = MeetingMode.ELECTRONIC
    venue = ""
    status = MeetingStatus.DRAFT
    created_by = factory.SubFactory(UserFactory)

    class Params:
        notified = factory.Trait(status=MeetingStatus.NOTIFIED)
        open = factory.Trait(status=MeetingStatus.OPEN)
        in_room = factory.Trait(mode=MeetingMode.IN_ROOM, venue="Room 301")
        decided = factory.Trait(
            electronic_decided_by=factory.SubFactory(UserFactory),
            electronic_decided_at=factory.LazyFunction(timezone.now),
        )


class AgendaItemFactory(DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    position = factory.Sequence(lambda n: 600 + n)
    title = factory.Sequence(lambda n: f"Item {n:03d}")


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document

    meeting = factory.SubFactory(MeetingFactory)
    title = factory.Sequence(lambda n: f"Paper {n:03d}")


class DocumentVersionFactory(DjangoModelFactory):
    class Meta:
        model = DocumentVersion

    class Params:
        content = MINIMAL_PDF

    document = factory.SubFactory(DocumentFactory)
    version = 1
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name="paper.pdf"))
    original_name = "paper.pdf"
    content_type = "application/pdf"
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())
    uploaded_by = factory.SubFactory(UserFactory)
