"""Findings of a verification, each naming the file and, where it applies, the event."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    "MANIFEST_MISSING": ("ไม่พบไฟล์ manifest.json", "manifest.json is missing"),
    "MANIFEST_INVALID": ("manifest.json อ่านไม่ได้", "manifest.json cannot be read"),
    "NOT_A_PACKAGE": ("ไม่ใช่ไฟล์ชุดหลักฐาน (zip)", "not an evidence package (zip)"),
    "FILE_MISSING": (
        "ไม่พบไฟล์ที่ระบุใน manifest",
        "a file listed in the manifest is missing",
    ),
    "FILE_HASH_MISMATCH": (
        "ค่าแฮชของไฟล์ไม่ตรงกับ manifest",
        "the file's hash differs from the manifest",
    ),
    "FILE_NOT_IN_MANIFEST": (
        "มีไฟล์ที่ไม่อยู่ใน manifest",
        "a file is not listed in the manifest",
    ),
    "SIGNATURE_INVALID": (
        "ลายมือชื่อดิจิทัลของ manifest ไม่ถูกต้อง",
        "the manifest's signature is invalid",
    ),
    "KEY_MISMATCH": (
        "กุญแจสาธารณะไม่ตรงกับลายนิ้วมือใน manifest",
        "the public key does not match the manifest's fingerprint",
    ),
    "KEY_EMBEDDED_ONLY": (
        "ตรวจด้วยกุญแจที่แนบมาในชุดหลักฐาน (ควรระบุ --key ของหน่วยงาน)",
        "checked with the key inside the package (give the agency's key with --key)",
    ),
    "EVENTS_INVALID": ("ไฟล์เหตุการณ์อ่านไม่ได้", "the events file cannot be read"),
    "CHAIN_HASH_MISMATCH": (
        "ค่าแฮชของเหตุการณ์ไม่ตรง (ถูกแก้ไข)",
        "an event's hash does not match (changed)",
    ),
    "CHAIN_PREV_MISMATCH": (
        "ห่วงโซ่ขาด: แฮชก่อนหน้าไม่ตรง",
        "the chain is broken: previous hash differs",
    ),
    "CHAIN_SEQ_GAP": (
        "ลำดับเหตุการณ์ขาดหาย (มีการลบ)",
        "an event is missing (sequence gap)",
    ),
    "CHAIN_HEAD_MISMATCH": (
        "ปลายห่วงโซ่ไม่ตรงกับ manifest",
        "the chain head differs from the manifest",
    ),
    "SEAL_INVALID": ("การปิดผนึกไม่ถูกต้อง", "a seal is invalid"),
    "RECORDING_MISSING": (
        "ไม่พบไฟล์บันทึกที่ระบุไว้ในห่วงโซ่หลักฐาน",
        "a recording named in the evidence chain is missing",
    ),
    "RECORDING_HASH_MISMATCH": (
        "ค่าแฮชของไฟล์บันทึกไม่ตรงกับที่บันทึกในห่วงโซ่หลักฐาน",
        "the recording's hash differs from the one in the evidence chain",
    ),
    "RECORDING_NOT_IN_CHAIN": (
        "มีไฟล์บันทึกที่ไม่อยู่ในห่วงโซ่หลักฐาน",
        "a recording is not in the evidence chain",
    ),
    "FILE_UNKNOWN": (
        "มีไฟล์ชนิดที่ผู้ตรวจสอบไม่รู้จัก (ตรวจสอบไม่ได้)",
        "a file of a kind the verifier does not know (cannot be checked)",
    ),
    "RECOMPUTED_MISMATCH": (
        "ค่าที่คำนวณใหม่จากเหตุการณ์ไม่ตรงกับที่บันทึกไว้",
        "a value recomputed from the events differs from the stored one",
    ),
    "TIMESTAMP_MISMATCH": (
        "ตราประทับเวลา (TSA) ไม่ตรงกับการปิดผนึก: ห่วงโซ่ถูกเขียนใหม่หลังประทับเวลา",
        "the time-stamp does not cover this seal: the chain was rewritten after it",
    ),
    "TIMESTAMP_MISSING": (
        "การปิดผนึกไม่มีตราประทับเวลาจากผู้ให้บริการประทับเวลา (TSA)",
        "a seal has no time-stamp from the Time-Stamping Authority",
    ),
    "TIMESTAMP_UNTRUSTED": (
        "ตราประทับเวลาไม่ได้ลงนามโดยผู้ให้บริการประทับเวลาที่ระบุ (--tsa-cert)",
        "the time-stamp is not signed by the given TSA (--tsa-cert)",
    ),
    "TIMESTAMP_INVALID": ("ตราประทับเวลาอ่านไม่ได้", "a time-stamp cannot be read"),
    "TIMESTAMP_FILE_MISMATCH": (
        "ไฟล์ตราประทับเวลาไม่ตรงกับที่บันทึกในห่วงโซ่หลักฐาน",
        "the time-stamp file differs from the one in the evidence chain",
    ),
    "TIMESTAMP_LATE": (
        "ประทับเวลาช้ากว่าเวลาปิดผนึกเกิน 24 ชั่วโมง",
        "the time-stamp is more than 24 hours after the seal",
    ),
    "TSA_NOT_CHECKED": (
        "ไม่ได้ตรวจผู้ลงนามตราประทับเวลา (ควรระบุ --tsa-cert ของผู้ให้บริการประทับเวลา)",
        "the time-stamps' signer was not checked (give the TSA's certificate with --tsa-cert)",
    ),
    "TSA_CERT_INVALID": (
        "อ่านใบรับรองของผู้ให้บริการประทับเวลาไม่ได้",
        "the TSA certificate cannot be read",
    ),
}


#: How each file was checked (:mod:`prachum.verify.files`), in Thai.
STATUS_TH = {
    "recomputed": "คำนวณใหม่จากเหตุการณ์แล้ว",
    "matches the chain": "ตรงกับห่วงโซ่หลักฐาน",
    "not verifiable": "ตรวจสอบไม่ได้",
    "unknown": "ไม่รู้จักชนิดไฟล์",
}


@dataclass(frozen=True)
class Finding:
    code: str
    file: str
    event: int | None = None
    detail: str = ""
    warning: bool = False

    def text(self, language: str) -> str:
        th, en = MESSAGES.get(self.code, (self.code, self.code))
        message = th if language == "th" else en
        where = self.file + (f" #{self.event}" if self.event is not None else "")
        label = (
            ("เหตุการณ์" if language == "th" else "event")
            if self.event is not None
            else ""
        )
        where = f"{self.file} ({label} {self.event})" if label else where
        return f"{self.code}: {message} — {where}" + (
            f" [{self.detail}]" if self.detail else ""
        )


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    #: Every file in the package and how it was checked (``prachum.verify.files``).
    files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(not f.warning for f in self.findings)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def render(self, language: str = "th") -> str:
        lines = []
        heading = (
            "รายงานการตรวจสอบชุดหลักฐาน"
            if language == "th"
            else "Evidence package verification"
        )
        lines.append(heading)
        for item in self.checked:
            lines.append(f"  ✓ {item}")
        for name, status in sorted(self.files.items()):
            if language == "th":
                kind, _, reason = status.partition(" (")
                status = STATUS_TH.get(kind, kind) + (f" ({reason}" if reason else "")
            lines.append(f"  · {name}: {status}")
        for finding in self.findings:
            mark = "!" if finding.warning else "✗"
            lines.append(f"  {mark} {finding.text(language)}")
        if self.ok:
            lines.append("ผลการตรวจสอบ: ผ่าน" if language == "th" else "Result: PASSED")
        else:
            lines.append(
                "ผลการตรวจสอบ: ไม่ผ่าน" if language == "th" else "Result: FAILED"
            )
        return "\n".join(lines)


def load_stored(files: dict[str, bytes], name: str, report: Report) -> Any:
    """The package's file ``name`` parsed as JSON, or None: not in the package (nothing
    to compare) or unreadable (then a RECOMPUTED_MISMATCH naming it)."""
    if name not in files:
        return None
    try:
        return json.loads(files[name])
    except ValueError as exc:
        report.add(
            Finding("RECOMPUTED_MISMATCH", name, detail=f"unreadable: {exc}"[:200])
        )
        return None
