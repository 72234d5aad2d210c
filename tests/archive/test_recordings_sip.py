"""A SIP caller's leg recording goes through the same pipeline as browser tracks:
recognised by its name as the member's, converted by janus-pp-rec (PCMA → WAV), hashed
into the chain, placed on the mixed timeline by its first packet, and counted against
the member's attendance for the gaps (issue 17)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from prachum.archive.recordings import list_gaps, process_recordings
from prachum.evidence.selectors import check_chain, list_events
from prachum.media.audiobridge import leg_recording_name
from prachum.media.services import recordings_dir_for
from tests.archive.test_recordings_package import ALICE_US, _ms, _run_meeting
from tests.media.test_postprocess import require_media_tools

pytestmark = pytest.mark.django_db

SIP_LEG = Path(__file__).parents[1] / "media" / "data" / "sip" / "leg-pcma-550hz.mjr"


def _placed_copy(target: Path, first_packet_us: int) -> None:
    """The leg's recording as if its first packet came at ``first_packet_us``."""
    data = SIP_LEG.read_bytes()
    length = int.from_bytes(data[8:10], "big")
    header = json.loads(data[10 : 10 + length])
    shift = first_packet_us - header["u"]
    text = data[10 : 10 + length].decode()
    for key in ("s", "u"):
        old = str(header[key])
        new = str(header[key] + shift)
        assert len(new) == len(old)
        text = re.sub(rf'"{key}": {old}', f'"{key}": {new}', text)
    target.write_bytes(data[:10] + text.encode() + data[10 + length :])


def test_a_callers_leg_is_attributed_hashed_and_placed_like_a_browser_track(
    settings: Any,
    tmp_path: Path,
    meeting: Any,
    chair: Any,
    secretary: Any,
    committee: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    require_media_tools()
    voters = [
        m.user
        for m in committee.memberships.filter(is_voting=True).select_related("user")
    ]
    by_name = {u.username: u for u in voters}
    carol = by_name["member3"]
    closed = _run_meeting(
        settings=settings,
        tmp_path=tmp_path,
        meeting=meeting,
        chair=chair,
        secretary=secretary,
        people={"alice": by_name["member1"], "bob": by_name["member2"], "all": voters},
        capture=django_capture_on_commit_callbacks,
        process=False,
    )
    # Carol called in: her leg spoke from t = 3.5 s (2 s after alice began).
    started_us = ALICE_US + 2_000_000
    name = leg_recording_name(room=1, participant=2, user_key=str(carol.pk))
    source = recordings_dir_for(closed.pk) / f"{name}-audio.mjr"
    _placed_copy(source, started_us)

    assert process_recordings(meeting_id=str(closed.pk)).state == "done"
    assert check_chain(chain_key=closed.chain_key).ok
    events = list_events(chain_key=closed.chain_key)
    [leg] = [
        e.payload
        for e in events.filter(kind="recording.processed")
        if e.payload["source"] == source.name
    ]
    assert leg["user"] == str(carol.pk)
    assert leg["kind"] == "audio"
    assert leg["path"] == f"recordings/{carol.pk}/{name}-audio.wav"
    assert leg["started_us"] == started_us
    assert 2300 <= leg["duration_ms"] <= 2700
    assert leg["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    converted = recordings_dir_for(closed.pk) / "processed" / f"{name}-audio.wav"
    assert hashlib.sha256(converted.read_bytes()).hexdigest() == leg["sha256"]
    [mixed] = [e.payload for e in events.filter(kind="recording.mixed")]
    assert mixed["inputs"] == 4  # alice, bob twice, carol
    # Her gaps are counted from her own recording, as for anyone.
    missing = [
        (g["start"], g["end"])
        for g in list_gaps(meeting=closed)
        if g["user"] == str(carol.pk) and g["reason"] == "not_recorded"
    ]
    assert missing == [(_ms(0), _ms(3.5)), (_ms(7), _ms(9.5))]
