"""Recompute ``sip_calls.json`` (issue 17: SIP callers' traffic data) from the raw
events: ``sip.call_started`` gives the call's facts, ``sip.pin_failed`` its wrong
PINs, ``sip.call_identified`` who it was and the connection it opened (which
``traffic_data.json`` and ``attendance.json`` carry like any other),
``sip.call_rejoined`` its new AudioBridge leg after Janus restarted,
``sip.call_ended`` its end."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from prachum.verify.report import Finding, Report

SIP_CALLS = "sip_calls.json"
_STARTED = (
    "call_id",
    "sip_uri",
    "asserted_identity",
    "request_uri",
    "source_ip",
    "source_port",
    "transport",
    "tls_client_verified",
    "codec",
    "user_agent",
    "server_node",
)
_TIMES = ("started_at", "identified_at", "ended_at")


def _when(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value)) if value is not None else None


def expected_calls(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for event in events:
        body = event["body"]
        kind, payload = body["kind"], body["payload"]
        if kind == "sip.call_started":
            rows[payload["call"]] = {
                "seq": body["seq"],
                "row": {
                    **{key: payload.get(key) for key in _STARTED},
                    "started_at": payload.get("started_at"),
                    "user": None,
                    "identified_by": "",
                    "identified_at": None,
                    "connection": None,
                    "media_server": "",
                    "audio_participant": None,
                    "failed_pin_tries": 0,
                    "ended_at": None,
                    "end_reason": "",
                },
            }
            continue
        if kind == "retention.traffic_data_purged":
            for purged in payload.get("sip_calls", []):
                rows.pop(purged, None)
            continue
        call = rows.get(payload.get("call", ""))
        if call is None:
            continue
        row = call["row"]
        if kind == "sip.pin_failed":
            row["failed_pin_tries"] = payload["tries"]
        elif kind == "sip.call_identified":
            row.update(
                user=payload["user"],
                identified_by=payload["identified_by"],
                identified_at=payload["at"],
                connection=payload["connection"],
                media_server=payload["media_server"],
                audio_participant=payload["audio_participant"],
            )
        elif kind == "sip.call_rejoined":  # a new AudioBridge leg after Janus restarted
            row.update(
                media_server=payload["media_server"],
                audio_participant=payload["audio_participant"],
            )
        elif kind == "sip.call_ended":
            row.update(
                ended_at=payload["at"],
                end_reason=payload["reason"],
                failed_pin_tries=payload["failed_pin_tries"],
            )
    return rows


def _differs(stored: dict[str, Any], want: dict[str, Any]) -> str | None:
    for key, value in want.items():
        if key in _TIMES:
            if _when(stored.get(key)) != _when(value):
                return key
        elif stored.get(key) != value:
            return key
    return None


def sip_calls(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    expected = expected_calls(events)
    if SIP_CALLS not in files:
        if expected:
            report.add(Finding("RECOMPUTED_MISMATCH", SIP_CALLS, detail="missing"))
        return
    try:
        stored = json.loads(files[SIP_CALLS])
    except ValueError as exc:
        report.add(
            Finding("RECOMPUTED_MISMATCH", SIP_CALLS, detail=f"unreadable: {exc}")
        )
        return
    seen = set()
    for row in stored if isinstance(stored, list) else [None]:
        call = row.get("call") if isinstance(row, dict) else None
        want = expected.get(str(call))
        if want is None or not isinstance(row, dict):
            report.add(
                Finding("RECOMPUTED_MISMATCH", SIP_CALLS, detail=f"no event for {call}")
            )
            continue
        seen.add(call)
        if (key := _differs(row, want["row"])) is not None:
            report.add(
                Finding(
                    "RECOMPUTED_MISMATCH",
                    SIP_CALLS,
                    event=want["seq"],
                    detail=f"{call} {key}",
                )
            )
    for call in sorted(set(expected) - seen):
        report.add(
            Finding(
                "RECOMPUTED_MISMATCH",
                SIP_CALLS,
                event=expected[call]["seq"],
                detail=f"missing {call}",
            )
        )
    report.checked.append(f"SIP calls recomputed ({len(expected)} calls)")
