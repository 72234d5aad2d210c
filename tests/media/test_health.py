"""Media health in JSON for staff: reachability and the recordings folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from prachum.media.health import media_health
from prachum.media.janus import JanusMediaServer
from tests.factories import UserFactory

URL = "/internal/janus/health"


def test_the_fake_reports_media_disabled_but_the_folder_checked(
    settings: Any, tmp_path: Path
) -> None:
    settings.JANUS_RECORDINGS_DIR = tmp_path / "rec"
    settings.JANUS_CONFIG_DIR = tmp_path / "etc"
    health = media_health()
    assert health["enabled"] is False
    assert health["backend"] == "prachum.media.fake.FakeMediaServer"
    assert health["recordings_dir_writable"] is True
    assert health["recordings_dir_protected"] is False


def test_a_protected_recordings_folder_is_flagged(
    settings: Any, tmp_path: Path
) -> None:
    settings.JANUS_RECORDINGS_DIR = Path("/var/tmp/prachum-health-check")
    settings.JANUS_CONFIG_DIR = tmp_path / "etc"
    assert media_health()["recordings_dir_protected"] is True


def test_an_unreachable_janus_is_reported_not_raised(settings: Any) -> None:
    settings.JANUS_ENABLED = True
    settings.MEDIA_SERVER = "prachum.media.janus.JanusMediaServer"
    settings.JANUS_HTTP_URL = "http://127.0.0.1:9/janus"  # discard port: refused
    health = media_health()
    assert health["enabled"] is True
    assert health["reachable"] is False
    assert "unreachable" in health["error"]


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["second_factor_ok"] = True
    session.save()
    return client


@pytest.mark.django_db
def test_only_staff_may_read_it(client: Client) -> None:
    assert client.get(URL).status_code == 403
    assert logged_in(UserFactory()).get(URL).status_code == 403
    staff = logged_in(UserFactory(staff=True))
    response = staff.get(URL)
    assert response.status_code == 200
    assert set(response.json()) >= {
        "enabled",
        "reachable",
        "version",
        "sessions",
        "recordings_dir_writable",
        "recordings_dir_protected",
    }
    assert staff.post(URL).status_code == 405


def test_the_real_janus_reports_version_and_sessions(janus: Any) -> None:
    server: JanusMediaServer = janus.server()
    health = server.health()
    assert (health.reachable, health.version) == (True, "1.1.2")
    wrong = JanusMediaServer(
        http_url=janus.http_url,
        admin_url=janus.admin_url,
        admin_secret="wrong",
        token_secret="x",
        room_admin_key="x",
    )
    refused = wrong.health()
    assert refused.reachable is False
    assert "admin API" in refused.error
