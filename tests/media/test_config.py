"""Rendering Janus's configuration from deploy/janus/ (no Janus needed)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from prachum.media.config import (
    DEBIAN_PROTECTED_FOLDERS,
    JanusConfig,
    RecordingsDirProtectedError,
    is_protected,
    read_protected_folders,
    render,
    write,
)


def config(tmp_path: Path, **overrides: Any) -> JanusConfig:
    values: dict[str, Any] = {
        "config_dir": tmp_path / "etc",
        "recordings_dir": tmp_path / "recordings",
        "events_url": "http://127.0.0.1:8000/internal/janus/events",
        "api_secret": "api-s",
        "admin_secret": "admin-s",
        "token_secret": "token-s",
        "room_admin_key": "room-k",
        "events_secret": 'ev"s',
        "http_port": 18088,
        "admin_port": 17088,
        "ws_port": 18188,
    }
    values.update(overrides)
    return JanusConfig(**values)


def test_every_template_renders(tmp_path: Path) -> None:
    files = render(config(tmp_path))
    assert set(files) == {
        "janus.jcfg",
        "janus.transport.http.jcfg",
        "janus.transport.websockets.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.plugin.audiobridge.jcfg",
        "janus.eventhandler.sampleevh.jcfg",
    }
    core = files["janus.jcfg"]
    assert 'admin_secret = "admin-s"' in core
    assert 'token_auth_secret = "token-s"' in core
    assert "token_auth = true" in core
    assert 'rtp_port_range = "20000-20999"' in core
    assert f'configs_folder = "{tmp_path / "etc"}"' in core
    http = files["janus.transport.http.jcfg"]
    assert 'ip = "127.0.0.1"' in http
    assert "port = 18088" in http
    assert 'admin_ip = "127.0.0.1"' in http
    assert "admin_port = 17088" in http
    ws = files["janus.transport.websockets.jcfg"]
    assert 'ws_ip = "127.0.0.1"' in ws
    assert "ws_port = 18188" in ws
    assert 'admin_key = "room-k"' in files["janus.plugin.videoroom.jcfg"]
    evh = files["janus.eventhandler.sampleevh.jcfg"]
    assert 'backend = "http://127.0.0.1:8000/internal/janus/events"' in evh
    assert 'backend_pwd = "ev\\"s"' in evh  # quoted for libconfig
    assert "grouping = true" in evh


def test_the_audiobridge_takes_plain_rtp_legs_on_the_gateway_address(
    tmp_path: Path,
) -> None:
    ab = render(config(tmp_path))["janus.plugin.audiobridge.jcfg"]
    assert 'admin_key = "room-k"' in ab
    assert "lock_rtp_forward = true" in ab
    assert 'local_ip = "127.0.0.1"' in ab
    assert 'rtp_port_range = "20000-20999"' in ab  # the core's range by default
    ab = render(
        config(
            tmp_path,
            audiobridge_local_ip="10.0.0.5",
            audiobridge_rtp_ports="30000-30999",
        )
    )["janus.plugin.audiobridge.jcfg"]
    assert 'local_ip = "10.0.0.5"' in ab
    assert 'rtp_port_range = "30000-30999"' in ab
    with pytest.raises(ValueError, match="RTP port range"):
        render(config(tmp_path, audiobridge_rtp_ports="30000"))


def test_nat_settings_appear_only_when_set(tmp_path: Path) -> None:
    plain = render(config(tmp_path))["janus.jcfg"]
    assert "ice_enforce_list" not in plain
    assert "stun_server" not in plain
    tuned = render(
        config(
            tmp_path,
            ice_enforce_list="v0",
            interface="10.77.0.1",
            nat_1_1_mapping="203.0.113.5",
            stun_server="stun.example.go.th:3478",
        )
    )["janus.jcfg"]
    assert 'ice_enforce_list = "v0"' in tuned
    assert 'interface = "10.77.0.1"' in tuned
    assert 'nat_1_1_mapping = "203.0.113.5"' in tuned
    assert 'stun_server = "stun.example.go.th"' in tuned
    assert "stun_port = 3478" in tuned


def test_a_recordings_folder_janus_protects_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordingsDirProtectedError, match="JANUS_RECORDINGS_DIR"):
        render(config(tmp_path, recordings_dir=Path("/var/lib/prachum/recordings")))


@pytest.mark.parametrize(
    ("path", "protected"),
    [
        ("/var/lib/prachum", True),
        ("/usr/share/x", True),
        ("/srv/prachum/recordings", False),
        ("/home/prachum/var/recordings", False),
    ],
)
def test_protection_follows_janus(path: str, protected: bool) -> None:
    assert is_protected(path, DEBIAN_PROTECTED_FOLDERS) is protected


def test_written_files_are_private_and_readable_back(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    written = write(cfg)
    assert len(written) == 6
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cfg.recordings_dir.is_dir()
    assert (
        read_protected_folders(cfg.config_dir / "janus.jcfg")
        == DEBIAN_PROTECTED_FOLDERS
    )
    assert read_protected_folders(tmp_path / "missing.jcfg") is None


def test_bad_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RTP port range"):
        render(config(tmp_path, rtp_ports="20000"))
    with pytest.raises(ValueError, match="span lines"):
        render(config(tmp_path, api_secret="a\nb"))
    with pytest.raises(ValueError, match="host:port"):
        render(config(tmp_path, stun_server="stun.example"))


def test_the_command_renders_from_settings(tmp_path: Path, settings: Any) -> None:
    settings.JANUS_CONFIG_DIR = tmp_path / "etc"
    settings.JANUS_RECORDINGS_DIR = tmp_path / "rec"
    settings.JANUS_ADMIN_SECRET = "from-settings"
    call_command("render_janus_config", "--http-port", "28088", verbosity=0)
    core = (tmp_path / "etc" / "janus.jcfg").read_text()
    assert 'admin_secret = "from-settings"' in core
    assert (
        "port = 28088" in (tmp_path / "etc" / "janus.transport.http.jcfg").read_text()
    )


def test_the_command_refuses_a_protected_recordings_folder(
    tmp_path: Path, settings: Any
) -> None:
    settings.JANUS_CONFIG_DIR = tmp_path / "etc"
    with pytest.raises(CommandError, match="protects"):
        call_command(
            "render_janus_config", "--recordings-dir", "/var/tmp/rec", verbosity=0
        )


def test_f4_the_recordings_folder_is_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        cfg = config(tmp_path)
        cfg.recordings_dir.mkdir(parents=True, mode=0o755)
        write(cfg)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(cfg.recordings_dir.stat().st_mode) == 0o700
