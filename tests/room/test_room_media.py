"""The room page carries the media client: its section, its labels, its scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from prachum.meetings.models import Meeting

pytestmark = pytest.mark.django_db

VENDOR = ("vendor/janus-gateway/janus.js", "vendor/webrtc-adapter/adapter.js")


def test_the_room_frame_has_the_media_section_and_its_scripts(
    notified_meeting: Meeting,
    member: Any,
    client_for: Callable[..., Any],
    identified: Callable[..., Any],
) -> None:
    identified(member, notified_meeting)

    response = client_for(member).get(
        reverse("attendance:room", kwargs={"pk": notified_meeting.pk})
    )

    body = response.content.decode()
    join = reverse("attendance:media_join", kwargs={"pk": notified_meeting.pk})
    assert f'data-join-url="{join}"' in body
    assert 'id="media-join-audio"' in body
    assert 'id="media-join-video"' in body
    # adapter.js (a global janus.js needs) first, then janus.js, then the module.
    order = (VENDOR[1], VENDOR[0], "js/media.js")
    positions = [body.index(name) for name in order]
    assert positions == sorted(positions)
    assert "data-label-unavailable=" in body


@pytest.mark.parametrize("name", VENDOR)
def test_debian_janus_js_and_adapter_js_are_served_as_static_files(name: str) -> None:
    found = finders.find(name)
    if found is None:
        pytest.fail(
            f"{name} not found: apt-get install libjs-janus-gateway "
            "libjs-webrtc-adapter (scripts/system-deps.sh installs them)"
        )
    assert "/usr/share/javascript/" in str(found)
