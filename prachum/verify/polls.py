"""Each ``votes/<poll>/poll.json`` is the poll its ``poll.created`` event recorded: the
item, the kind, the question, secrecy, the number of choices and the options with
their labels (the recount of :func:`prachum.verify.recompute.votes` trusts none of
them from the file)."""

from __future__ import annotations

import json
import re
from typing import Any

from prachum.verify.report import Finding, Report

PATH = re.compile(r"votes/(?P<poll>[^/]+)/poll\.json")
FACTS = ("item", "kind", "question", "is_secret", "max_choices", "options")


def polls(
    events: list[dict[str, Any]], files: dict[str, bytes], report: Report
) -> None:
    created = {
        e["body"]["payload"]["poll"]: e["body"]
        for e in events
        if e["body"]["kind"] == "poll.created"
    }
    listed = set()
    for name in sorted(files):
        found = PATH.fullmatch(name)
        if found is None:
            continue
        listed.add(found["poll"])
        body = created.get(found["poll"])
        if body is None:
            report.add(Finding("RECOMPUTED_MISMATCH", name, detail="no poll.created"))
            continue
        try:
            stored = json.loads(files[name])
        except ValueError as exc:
            report.add(
                Finding("RECOMPUTED_MISMATCH", name, detail=f"unreadable: {exc}")
            )
            continue
        payload = body["payload"]
        for key in FACTS:
            if key in payload and stored.get(key) != payload[key]:
                report.add(
                    Finding("RECOMPUTED_MISMATCH", name, event=body["seq"], detail=key)
                )
                break
        if stored.get("id") != found["poll"]:
            report.add(
                Finding("RECOMPUTED_MISMATCH", name, event=body["seq"], detail="id")
            )
    for poll in sorted(set(created) - listed):
        report.add(
            Finding(
                "RECOMPUTED_MISMATCH",
                f"votes/{poll}/poll.json",
                event=created[poll]["seq"],
                detail="missing",
            )
        )
    report.checked.append(f"polls match their poll.created events ({len(created)})")
