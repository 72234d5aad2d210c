"""The gateway's heartbeat and what happens when it stops (issue 17 point 5; R42).

A running gateway calls :func:`gateway_alive` every second. :func:`check_gateways`
(every second in the web process: :func:`start_gateway_watch_thread`) finds a gateway
whose heartbeat is older than ``SIP_GATEWAY_DEAD_SECONDS`` while it has calls open:
in each meeting with such a call an incident is raised (``MEDIA_SERVER_DOWN: sipgw:
<node>``) and the calls end as lost (their connections too, so quorum follows), all
within five seconds of the last beat. Callers dial back in to a gateway that answers.
A starting gateway ends what its node left open (:func:`gateway_started`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from prachum.attendance.models import IncidentKind
from prachum.evidence.services import append_event
from prachum.meetings.models import Meeting
from prachum.room.incidents import create_incident
from prachum.room.media import MEDIA_SERVER_DOWN
from prachum.telephony.events import TelephonyEvent
from prachum.telephony.models import SipCall, SipGateway
from prachum.telephony.services import caller_left

logger = logging.getLogger(__name__)

GATEWAY_DOWN = "gateway_down"
GATEWAY_RESTARTED = "gateway_restarted"


def gateway_alive(server_node: str, *, now: dt.datetime | None = None) -> None:
    """The gateway's heartbeat (every second)."""
    now = now or timezone.now()
    updated = SipGateway.objects.filter(server_node=server_node).update(
        last_seen_at=now, down_since=None
    )
    if not updated:
        SipGateway.objects.get_or_create(
            server_node=server_node, defaults={"started_at": now, "last_seen_at": now}
        )


def _end_calls(calls: list[SipCall], reason: str) -> int:
    for call in calls:
        caller_left(call, reason)
    return len(calls)


def gateway_started(server_node: str) -> int:
    """A starting gateway ends the calls its node left open (as lost); how many."""
    now = timezone.now()
    SipGateway.objects.update_or_create(
        server_node=server_node,
        defaults={"started_at": now, "last_seen_at": now, "down_since": None},
    )
    left = list(SipCall.objects.filter(server_node=server_node, ended_at__isnull=True))
    return _end_calls(left, GATEWAY_RESTARTED)


def check_gateways(*, now: dt.datetime | None = None) -> list[str]:
    """Report the gateways that stopped with calls open (once each); their nodes."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(seconds=settings.SIP_GATEWAY_DEAD_SECONDS)
    dead = []
    for node in SipGateway.objects.filter(
        last_seen_at__lt=stale_before, down_since__isnull=True
    ).values_list("server_node", flat=True):
        calls = list(SipCall.objects.filter(server_node=node, ended_at__isnull=True))
        with transaction.atomic():
            gateway = SipGateway.objects.select_for_update().get(server_node=node)
            if gateway.down_since is not None or gateway.last_seen_at >= stale_before:
                continue  # another process reported it, or it beat again
            gateway.down_since = now
            gateway.save(update_fields=["down_since"])
            if not calls:
                continue
            meeting_ids = sorted({c.meeting_id for c in calls if c.meeting_id}, key=str)
            for meeting in Meeting.objects.filter(pk__in=meeting_ids):
                create_incident(
                    meeting,
                    kind=IncidentKind.OTHER,
                    reported_by=None,
                    subject=None,
                    description=(
                        f"{MEDIA_SERVER_DOWN}: sipgw:{node}: no heartbeat since "
                        f"{gateway.last_seen_at.isoformat()}"
                    ),
                )
                append_event(
                    chain_key=meeting.chain_key,
                    kind=TelephonyEvent.SIP_GATEWAY_DOWN,
                    actor=None,
                    payload={
                        "server_node": node,
                        "last_seen_at": gateway.last_seen_at.isoformat(),
                        "calls": sorted(
                            str(c.id) for c in calls if c.meeting_id == meeting.pk
                        ),
                        "at": now.isoformat(),
                    },
                )
            _end_calls(calls, GATEWAY_DOWN)
        dead.append(node)
    return dead


def run_watch(stop: threading.Event, *, interval: float = 1.0) -> None:
    while not stop.is_set():
        started = time.monotonic()
        close_old_connections()
        try:
            check_gateways()
        except Exception:  # the loop must survive
            logger.exception("sip gateway watch: check failed")
        finally:
            close_old_connections()
        stop.wait(max(0.0, interval - (time.monotonic() - started)))


_thread_lock = threading.Lock()
_thread: threading.Thread | None = None
_stop = threading.Event()


def start_gateway_watch_thread() -> threading.Thread | None:
    """Check the gateways every second in a daemon thread, once; None when off."""
    global _thread
    if not settings.SIP_GATEWAY_WATCH:
        return None
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _stop.clear()
            _thread = threading.Thread(
                target=run_watch, args=(_stop,), name="sip-gateway-watch", daemon=True
            )
            _thread.start()
        return _thread


def stop_gateway_watch_thread(timeout: float = 5.0) -> None:
    global _thread
    with _thread_lock:
        _stop.set()
        if _thread is not None:
            _thread.join(timeout)
        _thread = None
