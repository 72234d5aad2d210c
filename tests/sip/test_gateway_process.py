"""The gateway as the process production runs (issue 17 point 5; R42): ``manage.py
sipgw`` started inside the test namespace with the test database and the
namespace's Janus, then killed with ``kill -9``.

A member calls in by PIN and is in the room; the gateway dies. The web process's
watch (:func:`check_gateways`, every second) raises the incident
(``MEDIA_SERVER_DOWN: sipgw:<node>``) and ``sip.gateway_down`` within five seconds
of the kill and ends the call as ``gateway_down``: its connection closes, so the
quorum no longer counts the caller. The gateway starts again and the member dials
back in: a new call, identified, in the room again. A gateway whose SIP port is
taken refuses to start, saying why.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import close_old_connections, connection

from prachum.attendance.models import Connection, Incident
from prachum.attendance.sip_access import dial_code_for, pin_for
from prachum.evidence.models import EvidenceEvent
from prachum.meetings.models import Meeting
from prachum.room.facts import room_facts
from prachum.room.media import MEDIA_SERVER_DOWN
from prachum.room.quorum import room_quorum
from prachum.telephony.events import TelephonyEvent
from prachum.telephony.gateways import GATEWAY_DOWN, check_gateways
from prachum.telephony.models import SipCall
from tests.e2e.media_helpers import database_reachable_inside
from tests.e2e.test_media_room import _use_janus
from tests.media.netns_fixtures import NetnsJanus, netns_janus_fixture  # noqa: F401
from tests.netns import NetNamespace
from tests.sip import audio, sipp
from tests.sip.callers import Callers
from tests.sip.calls import CallPlan

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
NODE = "sipgw-process"
RTP_PORTS = "41400-41599"


def _database_url() -> str:
    """The test database, as a process inside the namespace reaches it."""
    conf = connection.settings_dict
    if conf["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{conf['NAME']}"  # the test database is a file
    assert conf["ENGINE"] == "django.db.backends.postgresql", conf["ENGINE"]
    user = conf.get("USER") or "postgres"
    # The host's 127.0.0.1 is not the namespace's: PostgreSQL's Unix socket.
    return f"postgres://{user}@/{conf['NAME']}?host=/var/run/postgresql"


def _gateway_env(
    tmp_path: Path, janus: NetnsJanus, ns: NetNamespace, port: int
) -> dict[str, str]:
    config = janus.config
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_ALLOW"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONPATH": str(ROOT),
            "PRACHUM_VAR_DIR": str(tmp_path / "gateway-var"),
            "DATABASE_URL": _database_url(),
            "SECRET_KEY": str(django_settings.SECRET_KEY),
            "SIGNING_KEY_FILE": str(django_settings.SIGNING_KEY_FILE),
            "FIELD_ENCRYPTION_KEYS_FILE": str(
                django_settings.FIELD_ENCRYPTION_KEYS_FILE
            ),
            "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
            "HOSTING_COUNTRY": "TH",
            "SERVICE_COUNTRY": "TH",
            "DEMO_MODE": "true",
            "EMAIL_URL": "",
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "JANUS_ENABLED": "true",
            "JANUS_SERVER_NAME": config.server_name,
            "JANUS_HTTP_URL": janus.http_url,
            "JANUS_ADMIN_URL": janus.admin_url,
            "JANUS_API_SECRET": config.api_secret,
            "JANUS_ADMIN_SECRET": config.admin_secret,
            "JANUS_TOKEN_SECRET": config.token_secret,
            "JANUS_ROOM_ADMIN_KEY": config.room_admin_key,
            "JANUS_EVENTS_SECRET": config.events_secret,
            "JANUS_RECORDINGS_DIR": str(config.recordings_dir),
            "MEDIA_PRESENCE_ENFORCED": "false",
            "SIP_ENABLED": "true",
            "SIP_HOST": ns.address,
            "SIP_PORT": str(port),
            "SIP_MEDIA_HOST": ns.address,
            "SIP_RTP_PORTS": RTP_PORTS,
            "SIP_JANUS_RTP_HOST": "127.0.0.1",
            "SIP_PIN_TRIES": "3",
            "SIP_GATEWAY_WATCH": "false",  # the test runs the watch itself
        }
    )
    return env


class GatewayProcess:
    """``manage.py sipgw --node NODE`` inside the namespace; log in ``log``."""

    def __init__(
        self, ns: NetNamespace, env: dict[str, str], log: Path, port: int
    ) -> None:
        self.ns, self.env, self.log, self.port = ns, env, log, port
        self.process: subprocess.Popen[Any] | None = None

    @property
    def address(self) -> tuple[str, int]:
        return (self.ns.address, self.port)

    def start(self, *, ready_seconds: float = 60.0) -> None:
        with self.log.open("ab") as out:
            self.process = self.ns.popen(
                [sys.executable, "manage.py", "sipgw", "--node", NODE],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        deadline = time.monotonic() + ready_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the gateway exited: {self.text()[-3000:]}")
            if sipp.sip_options(self.ns, self.address).startswith("SIP/2.0 200"):
                return
            time.sleep(0.3)
        raise AssertionError(f"the gateway did not answer in {ready_seconds} s")

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)  # ip netns exec: the same pid
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        close_old_connections()
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


def _free_port(ns: NetNamespace) -> int:
    return sipp.free_ports(ns, base=18000) + 1


@pytest.fixture(name="gateway_process")
def gateway_process_fixture(
    netns: NetNamespace,
    netns_janus: NetnsJanus,
    notified_meeting: Meeting,
    open_room: Callable[[Meeting], Meeting],
    settings: Any,
    sipp_tools: None,
    tmp_path: Path,
) -> Iterator[tuple[Meeting, GatewayProcess]]:
    _use_janus(settings, netns_janus)
    settings.SIP_ENABLED = True
    settings.SIP_GATEWAY_DEAD_SECONDS = 3.0
    with database_reachable_inside():
        meeting = netns.run_in(open_room, notified_meeting, timeout=60)
    port = _free_port(netns)
    env = _gateway_env(tmp_path, netns_janus, netns, port)
    gateway = GatewayProcess(netns, env, tmp_path / "gateway.log", port)
    try:
        yield meeting, gateway
    finally:
        gateway.stop()


def _caller_plan(code: str, pin: str, seconds: float) -> CallPlan:
    return CallPlan(
        dial=code,
        pins=[pin + "#"],
        speech=audio.tone_pattern(1, seconds, frequency=800.0),
        after_pins=1.0,
        listen=0.0,
        ending="none",
    )


def _identified_open(meeting: Meeting, user: Any, exclude: set[Any]) -> SipCall | None:
    call = (
        SipCall.objects.filter(meeting=meeting, user=user, identified_at__isnull=False)
        .exclude(pk__in=exclude)
        .select_related("connection")
        .first()
    )
    if call is None or call.connection is None or call.connection.disconnected_at:
        return None
    return call


def _counted(meeting: Meeting) -> set[str]:
    quorum = room_quorum(meeting=meeting, facts=room_facts(meeting=meeting), audio=None)
    return set(quorum.counted_ids)


def test_the_gateway_killed_is_an_incident_within_5_s_and_callers_dial_back_in(
    netns: NetNamespace,
    gateway_process: tuple[Meeting, GatewayProcess],
    members: list[Any],
    tmp_path: Path,
) -> None:
    meeting, gateway = gateway_process
    member = members[2]
    code, pin = dial_code_for(meeting), pin_for(meeting, member)
    gateway.start()
    with contextlib.ExitStack() as stack:
        callers = stack.enter_context(
            Callers(netns, tmp_path / "callers", gateway=gateway.address)
        )
        callers.start("first", _caller_plan(code, pin, 40.0), timeout=80)
        first = _wait_for(
            lambda: _identified_open(meeting, member, set()),
            40,
            "the caller in the room",
        )
        assert first.server_node == NODE
        assert str(member.pk) in _counted(meeting)

        gateway.kill9()
        killed = time.monotonic()
        found: list[Incident] = []
        for _second in range(10):
            close_old_connections()
            check_gateways()
            found = list(
                Incident.objects.filter(
                    meeting=meeting,
                    description__startswith=f"{MEDIA_SERVER_DOWN}: sipgw:{NODE}",
                )
            )
            if found or time.monotonic() - killed > 10:
                break
            time.sleep(1.0)
        noticed = time.monotonic() - killed
        assert found, f"no incident {noticed:.1f} s after the kill"
        assert noticed <= 5.0, f"the incident came {noticed:.1f} s after the kill"
        assert len(found) == 1
        down = EvidenceEvent.objects.filter(
            chain__key=meeting.chain_key, kind=TelephonyEvent.SIP_GATEWAY_DOWN
        )
        assert [e.payload["server_node"] for e in down] == [NODE]
        assert down[0].payload["calls"] == [str(first.pk)]

        first.refresh_from_db()
        assert first.ended_at is not None
        assert first.end_reason == GATEWAY_DOWN
        gone = Connection.objects.get(pk=first.connection_id)
        assert gone.disconnected_at is not None
        assert gone.disconnect_reason == "lost", gone.disconnect_reason
        assert str(member.pk) not in _counted(meeting)
        check_gateways()  # reported once
        assert (
            Incident.objects.filter(
                meeting=meeting, description__startswith=f"{MEDIA_SERVER_DOWN}: sipgw:"
            ).count()
            == 1
        )

        # The gateway comes back; the member dials in again.
        gateway.start()
        callers.start("again", _caller_plan(code, pin, 15.0), timeout=60)
        again = _wait_for(
            lambda: _identified_open(meeting, member, {first.pk}),
            40,
            "the caller back in the room",
        )
        assert again.pk != first.pk
        assert again.call_id != first.call_id
        assert again.end_reason == ""
        assert str(member.pk) in _counted(meeting)
        assert "Traceback" not in gateway.text(), gateway.text()[-3000:]


def test_the_gateway_refuses_to_start_when_its_port_is_taken(
    netns: NetNamespace,
    netns_janus: NetnsJanus,
    sipp_tools: None,
    tmp_path: Path,
) -> None:
    port = _free_port(netns)

    def occupy() -> socket.socket:
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        taken.bind((netns.address, port))
        return taken

    taken = netns.run_in(occupy)
    try:
        env = _gateway_env(tmp_path, netns_janus, netns, port)
        result = subprocess.run(
            ["ip", "netns", "exec", netns.name, sys.executable, "manage.py", "sipgw",
             "--node", "sipgw-port-taken"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        taken.close()
    assert result.returncode != 0
    assert "the SIP gateway cannot start" in result.stderr, result.stderr[-3000:]
    assert "Address already in use" in result.stderr, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
