"""The public key page, and building/downloading a package: console roles only, logged."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from prachum.evidence import keys
from prachum.evidence.models import EvidencePackage
from prachum.evidence.selectors import list_events

pytestmark = pytest.mark.django_db


def test_the_public_key_page_shows_the_fingerprint_and_downloads_the_pem(
    logged_in: Callable[..., Client], member: Any
) -> None:
    client = logged_in(member)
    page = client.get(reverse("evidence:public_key")).content.decode()
    assert keys.verify_key_fingerprint() in page
    pem = client.get(reverse("evidence:public_key") + "?download=1").content
    assert pem == keys.verify_key_pem()


def test_a_member_cannot_build_or_download_packages(
    logged_in: Callable[..., Client], member: Any, meeting: Any
) -> None:
    response = logged_in(member).post(
        reverse("evidence:request_package", args=[meeting.pk])
    )
    assert response.status_code == 404
    assert not EvidencePackage.objects.exists()


def test_the_secretary_builds_a_package_and_each_download_is_logged(
    logged_in: Callable[..., Client],
    secretary: Any,
    meeting: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = logged_in(secretary)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evidence:request_package", args=[meeting.pk]))
    package = EvidencePackage.objects.get()
    status = client.get(
        reverse("evidence:package_status", args=[meeting.pk, package.pk])
    ).json()
    assert status == {
        "status": "ready",
        "progress": 100,
        "step": "ready",
        "label": "พร้อมดาวน์โหลด",
    }
    download = client.get(
        reverse("evidence:package_download", args=[meeting.pk, package.pk])
    )
    data = b"".join(download.streaming_content)
    # Issue 15, F7: every file handed out is a sandboxed attachment.
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Security-Policy"] == "sandbox"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert zipfile.ZipFile(BytesIO(data)).read("manifest.json")
    kinds = [e.kind for e in list_events(chain_key=meeting.chain_key)]
    # The package built is sealed at once (ADR 0021): its seal follows the build.
    assert kinds[-4:] == [
        "evidence.package_requested",
        "evidence.package_built",
        "evidence.sealed",
        "evidence.package_downloaded",
    ]
