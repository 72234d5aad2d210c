"""The fixed wording of the Saraban minutes form (ระเบียบงานสารบรรณ ข้อ 25, แบบที่ 11).

Like the month names in ``prachum.domain.thai_dates``, these are the words of an
official document form, not UI text: they are printed in Thai whatever the reader's
language, so they live here and not in the translation catalogue.
"""

from __future__ import annotations

from typing import Final

MINUTES_OF: Final = "รายงานการประชุม"
NUMBER: Final = "ครั้งที่"
DATE: Final = "เมื่อวันที่"
PLACE: Final = "ณ"
PRESENT: Final = "ผู้มาประชุม"
ABSENT: Final = "ผู้ไม่มาประชุม"
ATTENDING: Final = "ผู้เข้าร่วมประชุม"
OPENED: Final = "เริ่มประชุมเวลา"
CLOSED: Final = "เลิกประชุมเวลา"
RECORDER: Final = "ผู้จดรายงานการประชุม"
AGENDA_ITEM: Final = "ระเบียบวาระที่"
RESOLUTION: Final = "มติที่ประชุม"
DISSENT: Final = "ความเห็นแย้ง"
RECUSAL: Final = "ผู้ไม่ร่วมพิจารณา (มีส่วนได้เสีย)"
INCIDENTS: Final = "เหตุขัดข้องระหว่างการประชุม"
NO_REASON: Final = "(ยังไม่ได้ระบุเหตุผล)"
NO_DISCUSSION: Final = ""
SECRET_ITEM_GAP: Final = "วาระลับ: ไม่มีการบันทึกภาพและเสียง"
RECORDING_GAP: Final = "ไม่มีไฟล์บันทึกภาพและเสียงของ"
PRESIDING: Final = "ทำหน้าที่ประธานในที่ประชุม"
ELECTRONIC: Final = "ผ่านสื่ออิเล็กทรอนิกส์"
IN_ROOM: Final = "ในห้องประชุม"
AND: Final = "และ"
SIGNED: Final = "ลงชื่อ"
NOT_HELD: Final = "-"

ROLE_TITLES: Final = {
    "chair": "ประธานกรรมการ",
    "vice_chair": "รองประธานกรรมการ",
    "member": "กรรมการ",
    "secretary": "เลขานุการ",
    "assistant_secretary": "ผู้ช่วยเลขานุการ",
    "member_secretary": "กรรมการและเลขานุการ",
    "member_assistant_secretary": "กรรมการและผู้ช่วยเลขานุการ",
    "invitee": "ผู้เข้าร่วมประชุม",
}

IDENTITY_METHODS: Final = {
    "second_factor": "ยืนยันตัวตนด้วยรหัสผ่านและรหัสใช้ครั้งเดียว",
    "vouched": "ประธานหรือเลขานุการรับรองตัวตน",
    "room_sign_in": "ลงชื่อ ณ ห้องประชุม",
}

MOTION_CHOICES: Final = {"yes": "เห็นด้วย", "no": "ไม่เห็นด้วย", "abstain": "งดออกเสียง"}
OPEN_VOTE: Final = "ผลการลงคะแนนโดยเปิดเผย"
SECRET_VOTE: Final = "ผลการลงคะแนนลับ"
VOTES: Final = "เสียง"
BALLOTS_CAST: Final = "ผู้ลงคะแนน"
ELIGIBLE: Final = "ผู้มีสิทธิออกเสียง"
BLANK: Final = "ไม่เลือกผู้ใด"
CARRIED: Final = "ผลการลงมติ: ผ่าน"
NOT_CARRIED: Final = "ผลการลงมติ: ไม่ผ่าน"
VOIDED: Final = "การลงคะแนนถูกยกเลิก"
CASTING_VOTE: Final = "ประธานออกเสียงชี้ขาด"

# The approval block (R54, R55) and the technical annex (R42).
APPROVAL: Final = "การรับรองรายงานการประชุม"
DRAFT_MARK: Final = "ร่าง ยังไม่ได้รับรองรายงานการประชุม"
APPROVED_AT_MEETING: Final = "รับรองรายงานการประชุมในการประชุมครั้งที่"
APPROVED_BY_CIRCULATION: Final = "รับรองรายงานการประชุมโดยการเวียน"
APPROVED_ON: Final = "เมื่อวันที่"
APPROVER: Final = "ผู้รับรองรายงานการประชุม"
CIRCULATION_APPROVERS: Final = "กรรมการผู้รับรองโดยการเวียน"
APPROVED_WHEN: Final = "รับรองเมื่อ"
TECHNICAL_ANNEX: Final = "ภาคผนวก รายละเอียดทางเทคนิค"
TECHNICAL_NOTE: Final = (
    "บันทึกเหตุขัดข้องตามที่ระบบบันทึกไว้ (เวลา ประเภท และรายละเอียด) ประกอบรายงานการประชุม"
)
