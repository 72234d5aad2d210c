"""Attendance's part of the evidence package: identity checks, traffic data and
attendance intervals (Decree s.9(1), s.9(5); R37-R41), leave of absence with its
reasons (``absences.json``). Incidents: ``room.exports``."""

from __future__ import annotations

from collections.abc import Iterator

from prachum.attendance.models import Absence, Connection, IdentityCheck
from prachum.attendance.selectors import attendance_intervals
from prachum.evidence.package import File, json_bytes
from prachum.meetings.models import Meeting


def attendance_files(meeting: Meeting) -> Iterator[File]:
    yield (
        "identity_checks.json",
        json_bytes(
            [
                {
                    "id": str(c.id),
                    "user": str(c.user_id),
                    "method": c.method,
                    "factor": c.factor,
                    "factors": c.factors,
                    "second_factor_at": c.second_factor_at,
                    "location": c.location,
                    "room": c.room,
                    "in_kingdom": c.in_kingdom,
                    "device_ok": c.device_ok,
                    "alone_declared": c.alone_declared,
                    "performed_by": str(c.performed_by_id),
                    "at": c.at,
                    "ip": c.ip_address,
                    "user_agent": c.user_agent,
                    "revoked_at": c.revoked_at,
                }
                for c in IdentityCheck.objects.filter(meeting=meeting).order_by("at")
            ]
        ),
    )
    yield (
        "traffic_data.json",
        json_bytes(
            [
                {
                    "connection": str(c.id),
                    "user": str(c.user_id),
                    "identity_check": str(c.identity_check_id),
                    "auth_method": c.auth_method,
                    "ip": c.ip_address,
                    "port": c.port,
                    "user_agent": c.user_agent,
                    "session": c.session_hash,
                    "server_node": c.server_node,
                    "mode": c.mode,
                    "connected_at": c.connected_at,
                    "disconnected_at": c.disconnected_at,
                    "reason": c.disconnect_reason,
                }
                for c in Connection.objects.filter(meeting=meeting).order_by(
                    "connected_at"
                )
            ]
        ),
    )
    yield "attendance.json", json_bytes(attendance_intervals(meeting=meeting))
    yield (
        "absences.json",
        json_bytes(
            [
                {
                    "id": str(a.id),
                    "member": str(a.member_id),
                    "reason": a.reason,
                    "recorded_by": str(a.recorded_by_id),
                    "at": a.at,
                    "withdrawn_at": a.withdrawn_at,
                    "withdrawn_by": str(a.withdrawn_by_id)
                    if a.withdrawn_by_id
                    else None,
                }
                for a in Absence.objects.filter(meeting=meeting).order_by("at", "id")
            ]
        ),
    )
