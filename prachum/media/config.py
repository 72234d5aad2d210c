"""Render Janus's configuration from the templates in ``deploy/janus/``.

``manage.py render_janus_config`` renders with the ``JANUS_*`` settings into
``var/janus/etc/``; the test fixture renders with its own free loopback ports. Secrets
end up in the rendered files, which are written with mode 0600.
"""

from __future__ import annotations

import glob
import os
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "janus"

# Debian's janus.jcfg protects these; a recording under any of them fails silently.
DEBIAN_PROTECTED_FOLDERS: tuple[str, ...] = (
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/initrd",
    "/lib",
    "/lib32",
    "/lib64",
    "/proc",
    "/sbin",
    "/sys",
    "/usr",
    "/var",
    "/opt/janus/bin",
    "/opt/janus/etc",
    "/opt/janus/include",
    "/opt/janus/lib",
    "/opt/janus/lib32",
    "/opt/janus/lib64",
    "/opt/janus/sbin",
)


def is_protected(path: str | os.PathLike[str], folders: Iterable[str]) -> bool:
    """Janus's own test: the resolved path starts with a protected folder."""
    resolved = os.path.realpath(path)
    return any(resolved.startswith(folder) for folder in folders)


def janus_lib_dir() -> Path:
    """Where Debian put Janus's plugins (``/usr/lib/<triplet>/janus``)."""
    override = os.environ.get("JANUS_LIB_DIR")
    if override:
        return Path(override)
    found = sorted(glob.glob("/usr/lib/*/janus/plugins"))
    if found:
        return Path(found[0]).parent
    return Path("/usr/lib/x86_64-linux-gnu/janus")


def _q(value: str | os.PathLike[str]) -> str:
    """A libconfig string literal."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    if "\n" in text:
        raise ValueError("configuration values cannot span lines")
    return f'"{text}"'


@dataclass(frozen=True)
class JanusConfig:
    """Everything a rendered configuration depends on."""

    config_dir: Path
    recordings_dir: Path
    events_url: str
    api_secret: str
    admin_secret: str
    token_secret: str
    room_admin_key: str
    events_secret: str
    server_name: str = "janus-1"
    http_port: int = 8088
    admin_port: int = 7088
    ws_port: int = 8188
    rtp_ports: str = "20000-20999"
    #: AudioBridge plain-RTP legs (SIP callers, relays): where Janus binds them and
    #: their ports ("" = ``rtp_ports``).
    audiobridge_local_ip: str = "127.0.0.1"
    audiobridge_rtp_ports: str = ""
    interface: str = ""
    ice_enforce_list: str = ""
    nat_1_1_mapping: str = ""
    stun_server: str = ""
    debug_level: int = 4
    session_timeout: int = 60
    stats_period: int = 5
    max_retransmissions: int = 7
    retransmissions_backoff: int = 250
    protected_folders: tuple[str, ...] = DEBIAN_PROTECTED_FOLDERS
    lib_dir: Path = field(default_factory=janus_lib_dir)

    @classmethod
    def from_settings(cls, **overrides: object) -> JanusConfig:
        from django.conf import settings

        values: dict[str, object] = {
            "config_dir": Path(settings.JANUS_CONFIG_DIR),
            "recordings_dir": Path(settings.JANUS_RECORDINGS_DIR),
            "events_url": settings.JANUS_EVENTS_URL,
            "api_secret": settings.JANUS_API_SECRET,
            "admin_secret": settings.JANUS_ADMIN_SECRET,
            "token_secret": settings.JANUS_TOKEN_SECRET,
            "room_admin_key": settings.JANUS_ROOM_ADMIN_KEY,
            "events_secret": settings.JANUS_EVENTS_SECRET,
            "server_name": settings.JANUS_SERVER_NAME,
            "http_port": _port(settings.JANUS_HTTP_URL, 8088),
            "admin_port": _port(settings.JANUS_ADMIN_URL, 7088),
            "ws_port": _port(settings.JANUS_WS_URL, 8188),
            "rtp_ports": settings.JANUS_RTP_PORTS,
            "audiobridge_local_ip": getattr(
                settings, "SIP_JANUS_RTP_HOST", "127.0.0.1"
            ),
            "ice_enforce_list": settings.JANUS_ICE_ENFORCE_LIST,
            "nat_1_1_mapping": settings.JANUS_NAT_1_1_MAPPING,
            "stun_server": settings.JANUS_STUN_SERVER,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def context(self) -> dict[str, str]:
        ab_ports = self.audiobridge_rtp_ports or self.rtp_ports
        for ports in (self.rtp_ports, ab_ports):
            if not re.fullmatch(r"\d{1,5}-\d{1,5}", ports):
                raise ValueError(f"RTP port range must be like 20000-20999: {ports}")
        nat = []
        if self.ice_enforce_list:
            nat.append(f"\tice_enforce_list = {_q(self.ice_enforce_list)}")
        if self.nat_1_1_mapping:
            nat.append(f"\tnat_1_1_mapping = {_q(self.nat_1_1_mapping)}")
        if self.stun_server:
            host, _, port = self.stun_server.rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"STUN server must be host:port: {self.stun_server}")
            nat.append(f"\tstun_server = {_q(host)}")
            nat.append(f"\tstun_port = {int(port)}")
        return {
            "configs_folder": _q(self.config_dir),
            "plugins_folder": _q(self.lib_dir / "plugins"),
            "transports_folder": _q(self.lib_dir / "transports"),
            "events_folder": _q(self.lib_dir / "events"),
            "loggers_folder": _q(self.lib_dir / "loggers"),
            "debug_level": str(int(self.debug_level)),
            "interface_line": (
                f"\tinterface = {_q(self.interface)}" if self.interface else ""
            ),
            "server_name": _q(self.server_name),
            "session_timeout": str(int(self.session_timeout)),
            "api_secret": _q(self.api_secret),
            "token_secret": _q(self.token_secret),
            "admin_secret": _q(self.admin_secret),
            "protected_folders": ",\n".join(
                f"\t\t{_q(folder)}" for folder in self.protected_folders
            ),
            "rtp_port_range": _q(self.rtp_ports),
            "audiobridge_local_ip": _q(self.audiobridge_local_ip),
            "audiobridge_rtp_port_range": _q(ab_ports),
            "nat_lines": "\n".join(nat),
            "stats_period": str(int(self.stats_period)),
            "http_port": str(int(self.http_port)),
            "admin_port": str(int(self.admin_port)),
            "ws_port": str(int(self.ws_port)),
            "room_admin_key": _q(self.room_admin_key),
            "events_url": _q(self.events_url),
            "events_secret": _q(self.events_secret),
            "max_retransmissions": str(int(self.max_retransmissions)),
            "retransmissions_backoff": str(int(self.retransmissions_backoff)),
        }


def _port(url: str, default: int) -> int:
    from urllib.parse import urlsplit

    return urlsplit(url).port or default


class RecordingsDirProtectedError(ValueError):
    """The recordings folder is under a protected folder: Janus would record nothing."""


def render(config: JanusConfig, *, template_dir: Path = TEMPLATE_DIR) -> dict[str, str]:
    """The rendered files, by name (``janus.jcfg``, ``janus.plugin.videoroom.jcfg``...)."""
    if is_protected(config.recordings_dir, config.protected_folders):
        raise RecordingsDirProtectedError(
            f"{config.recordings_dir} is under a folder Janus protects "
            f"({', '.join(config.protected_folders)}): set JANUS_RECORDINGS_DIR "
            "to a folder outside them"
        )
    context = config.context()
    rendered = {}
    for template in sorted(template_dir.glob("*.jcfg.tmpl")):
        text = string.Template(template.read_text(encoding="utf-8")).substitute(context)
        rendered[template.name.removesuffix(".tmpl")] = text
    if "janus.jcfg" not in rendered:
        raise FileNotFoundError(f"no janus.jcfg.tmpl in {template_dir}")
    return rendered


def write(config: JanusConfig, *, template_dir: Path = TEMPLATE_DIR) -> list[Path]:
    """Render into ``config.config_dir`` (mode 0600) and create the recordings folder."""
    files = render(config, template_dir=template_dir)
    config.config_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(config.config_dir, 0o700)
    # Recordings are for Prachum's user only (F4); Janus runs as that user with
    # umask 077 (scripts/janus.sh), so each .mjr it writes is 0600 too.
    config.recordings_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(config.recordings_dir, 0o700)
    written = []
    for name, text in files.items():
        path = config.config_dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
        written.append(path)
    return written


_PROTECTED = re.compile(r"protected_folders\s*=\s*\[(.*?)\]", re.DOTALL)


def read_protected_folders(janus_jcfg: Path) -> tuple[str, ...] | None:
    """The ``protected_folders`` of a rendered ``janus.jcfg`` (None: no file/setting)."""
    try:
        text = janus_jcfg.read_text(encoding="utf-8")
    except OSError:
        return None
    match = _PROTECTED.search(text)
    if match is None:
        return None
    return tuple(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
