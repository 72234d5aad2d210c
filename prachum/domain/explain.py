"""Plain-language explanations of every reason and error code, in Thai and English.

A page shows ``EXPLANATIONS[code]`` next to the clause a decision cites, so members can
read their committee's rules in plain Thai. The texts are fixed regulated explanations
of the law engine's own codes (like the month names in thai_dates.py); figures for one
case are in each decision's ``detail``.
"""

from typing import Literal

EXPLANATIONS: dict[str, tuple[str, str]] = {
    # Regimes (Decree ss.2-3, 12, 13)
    "NCPO74_ICT2557": (
        "ใช้ประกาศ คสช. ฉบับที่ 74/2557 และมาตรฐานของกระทรวงเทคโนโลยีสารสนเทศ"
        "และการสื่อสาร พ.ศ. 2557",
        "NCPO Announcement 74/2557 with the ICT 2557 security standard applied.",
    ),
    "DECREE2563_ICT2557": (
        "ใช้ พ.ร.ก. การประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2563 กับมาตรฐานของกระทรวง"
        "เทคโนโลยีสารสนเทศและการสื่อสาร พ.ศ. 2557 ที่ยังใช้ได้ตามมาตรา 12",
        "The 2563 Emergency Decree applied, with the ICT 2557 standard kept by s.12.",
    ),
    "DECREE2563_MDES2563": (
        "ใช้ พ.ร.ก. การประชุมผ่านสื่ออิเล็กทรอนิกส์ พ.ศ. 2563 และมาตรฐานของกระทรวงดิจิทัลฯ"
        " พ.ศ. 2563",
        "The 2563 Emergency Decree applied, with the MDES 2563 security standard.",
    ),
    "NO_REGIME": (
        "วันนั้นยังไม่มีกฎหมายรองรับการประชุมผ่านสื่ออิเล็กทรอนิกส์",
        "No law gave electronic meetings legal effect on that date.",
    ),
    "SECRET_MEETING_ALLOWED": (
        "ประชุมลับผ่านสื่ออิเล็กทรอนิกส์ได้ โดยไม่บันทึกเสียงและภาพ",
        "A secret meeting may be held electronically, without AV recording.",
    ),
    "SECRET_MEETING_NOT_ALLOWED": (
        "ตามประกาศ คสช. ฉบับที่ 74/2557 ห้ามประชุมลับผ่านสื่ออิเล็กทรอนิกส์",
        "Under NCPO Announcement 74/2557 secret meetings could not be electronic.",
    ),
    # Secret meetings: hosting in the Kingdom (MDES 2563; R44)
    "SECRET_HOSTING_IN_KINGDOM": (
        "ระบบควบคุมการประชุมติดตั้งและให้บริการในราชอาณาจักร จึงจัดประชุมลับได้",
        "The meeting control system is installed and serviced in Thailand: secret"
        " meetings may be held.",
    ),
    "SECRET_HOSTING_NOT_DECLARED": (
        "ประชุมลับผ่านสื่ออิเล็กทรอนิกส์ได้เฉพาะเมื่อระบบควบคุมการประชุมติดตั้งและ"
        "ให้บริการในราชอาณาจักร ซึ่งระบบนี้ยังไม่ได้แจ้งไว้",
        "A secret e-meeting needs a meeting control system installed and serviced"
        " in Thailand, which this deployment has not declared.",
    ),
    # Scope (Decree ss.5-6)
    "IN_SCOPE": (
        "การประชุมนี้จัดผ่านสื่ออิเล็กทรอนิกส์ได้",
        "This meeting may be held electronically.",
    ),
    "DECREE_S5_EXCLUDED": (
        "พ.ร.ก. มาตรา 5 ไม่ใช้กับการประชุมประเภทนี้ (รัฐสภา การทำคำพิพากษา"
        " หรือการจัดซื้อจัดจ้าง) จึงประชุมผ่านสื่ออิเล็กทรอนิกส์ตาม พ.ร.ก. ไม่ได้",
        "Decree s.5 excludes this kind of meeting (parliament, court judgments or"
        " procurement), so it cannot be held electronically under the Decree.",
    ),
    "DENY_LIST_EXCLUDED": (
        "กฎกระทรวงห้ามประชุมประเภทนี้หรือเรื่องนี้ผ่านสื่ออิเล็กทรอนิกส์",
        "A ministerial regulation forbids this meeting type or subject electronically.",
    ),
    # Quorum (APA s.79; Decree ss.6, 9(1); NCPO 74)
    "QUORUM_MET": (
        "ครบองค์ประชุม: กรรมการที่แสดงตนและอยู่ในที่ประชุมหรือเชื่อมต่ออยู่มีจำนวนถึงเกณฑ์",
        "Quorum present: enough identified members are in the room or connected.",
    ),
    "QUORUM_NOT_MET": (
        "ไม่ครบองค์ประชุม: กรรมการที่แสดงตนและอยู่ในที่ประชุมมีจำนวนไม่ถึงเกณฑ์",
        "No quorum: too few identified members are present.",
    ),
    "SUBSTITUTE_COUNTED": (
        "ผู้มาประชุมแทนนับเป็นองค์ประชุมแทนกรรมการที่ไม่มา ตามข้อบังคับของคณะนี้",
        "A substitute counts in place of the absent member under this body's rule.",
    ),
    "SUBSTITUTE_NOT_COUNTED": (
        "ผู้มาประชุมแทนไม่นับเป็นองค์ประชุม ตามข้อบังคับของคณะนี้",
        "A substitute does not count toward the quorum under this body's rule.",
    ),
    "RECUSALS_REDUCE_BASE": (
        "กรรมการที่มีส่วนได้เสียหรือถูกคัดค้านไม่นับรวมเป็นฐานองค์ประชุมของวาระนี้",
        "Members recused or challenged for this item are left out of its quorum base.",
    ),
    "ADJOURNED_MATTER_QUORUM": (
        "เรื่องที่เลื่อนเพราะไม่ครบองค์ประชุมและนัดใหม่ภายใน 14 วัน โดยหนังสือนัดแจ้งไว้"
        " ใช้องค์ประชุมเพียงหนึ่งในสามของกรรมการ",
        "A matter adjourned for want of quorum and rescheduled within 14 days, with the"
        " notice saying so, needs only one third of the members.",
    ),
    "ADJOURNED_MATTER_TOO_LATE": (
        "นัดประชุมใหม่เกิน 14 วันนับแต่วันเลื่อน จึงต้องใช้องค์ประชุมตามปกติ",
        "Rescheduled more than 14 days after adjournment: the normal quorum applies.",
    ),
    "ADJOURNED_MATTER_NOTICE_SILENT": (
        "หนังสือนัดไม่ได้แจ้งว่าเป็นเรื่องที่เลื่อนมา จึงต้องใช้องค์ประชุมตามปกติ",
        "The notice did not say the matter was adjourned: the normal quorum applies.",
    ),
    "ADJOURNED_MATTER_DISPUTE_BODY": (
        "คณะกรรมการวินิจฉัยข้อพิพาทใช้องค์ประชุมหนึ่งในสามไม่ได้",
        "A dispute-ruling commission cannot use the one-third quorum.",
    ),
    "ADJOURNED_MATTER_NOT_IN_RULE": (
        "ข้อบังคับของคณะนี้ไม่มีองค์ประชุมพิเศษสำหรับเรื่องที่เลื่อนมา",
        "This body's rule has no reduced quorum for adjourned matters.",
    ),
    "LEGACY_NOT_ALL_IN_KINGDOM": (
        "ตามประกาศ คสช. ฉบับที่ 74/2557 ผู้ร่วมประชุมทุกคนต้องอยู่ในราชอาณาจักร",
        "Under NCPO Announcement 74/2557 every participant had to be in the Kingdom.",
    ),
    "LEGACY_CO_LOCATION_SHORT": (
        "ตามประกาศ คสช. ฉบับที่ 74/2557 ต้องมีองค์ประชุมอย่างน้อยหนึ่งในสามอยู่ในที่เดียวกัน",
        "Under NCPO Announcement 74/2557 at least one third of the quorum had to be in"
        " one place.",
    ),
    # Majority (APA s.82)
    "CARRIED": ("ที่ประชุมมีมติเห็นชอบ", "The motion carried."),
    "NOT_CARRIED": ("ที่ประชุมมีมติไม่เห็นชอบ", "The motion did not carry."),
    "NO_VOTES_CAST": ("ไม่มีผู้ออกเสียง", "No votes were cast."),
    "TIE_NEEDS_CASTING_VOTE": (
        "คะแนนเสียงเท่ากัน ประธานต้องออกเสียงชี้ขาด",
        "The votes are tied: the chair must give a casting vote.",
    ),
    "TIE_CASTING_VOTE": (
        "คะแนนเสียงเท่ากัน ประธานออกเสียงเพิ่มอีกเสียงหนึ่งเป็นเสียงชี้ขาด",
        "The votes were tied and the chair's casting vote decided.",
    ),
    "SEATS_INVALID": (
        "จำนวนตำแหน่งที่จะเลือกต้องมีอย่างน้อยหนึ่งตำแหน่งและไม่เกินจำนวนตัวเลือก",
        "The number of seats must be at least one and no more than the options.",
    ),
    "CASTING_VOTE_INVALID": (
        "เสียงชี้ขาดของประธานต้องเลือกจากผู้ที่ได้คะแนนเท่ากันเท่านั้น และครบตามจำนวนตำแหน่งที่ว่าง",
        "The chair's casting vote must pick among the tied options only, filling the open seats.",
    ),
    "TIE_NO_CASTING_VOTE": (
        "คะแนนเสียงเท่ากัน และข้อบังคับไม่ให้ประธานชี้ขาด มติจึงไม่ผ่าน",
        "The votes were tied and this body has no casting vote, so the motion failed.",
    ),
    # Notice (APA s.80)
    "NOTICE_OK": (
        "ส่งหนังสือนัดประชุมล่วงหน้าไม่น้อยกว่าที่กำหนด",
        "The notice was sent at least the required number of days ahead.",
    ),
    "NOTICE_TOO_SHORT": (
        "ส่งหนังสือนัดประชุมล่วงหน้าน้อยกว่าที่กำหนด",
        "The notice was sent too late.",
    ),
    "NOTICE_URGENT": (
        "กรณีจำเป็นเร่งด่วน ประธานนัดประชุมโดยไม่ต้องส่งหนังสือล่วงหน้าตามปกติ",
        "An urgent case: the chair convened without the usual notice period.",
    ),
    "NOTICE_INFORMED_AT_PREVIOUS_MEETING": (
        "กรรมการได้รับทราบการนัดในที่ประชุมครั้งก่อนแล้ว",
        "The member was told of the meeting at the previous meeting.",
    ),
    # Allowances (RD 2547; Decree s.10)
    "NOT_ATTENDED": ("ไม่ได้เข้าประชุม จึงไม่ได้รับเบี้ยประชุม", "Absent: no allowance."),
    "NOT_IDENTIFIED": (
        "ไม่ได้แสดงตน จึงไม่ได้รับเบี้ยประชุม",
        "Did not identify themselves: no allowance.",
    ),
    "NO_QUORUM_NO_ALLOWANCE": (
        "การประชุมไม่ครบองค์ประชุม จึงไม่จ่ายเบี้ยประชุม",
        "The meeting had no quorum: no allowances are paid.",
    ),
    "ALLOWANCE_CHAIR": (
        "ประธานได้รับเบี้ยประชุมสูงกว่ากรรมการร้อยละ 25",
        "The chair is paid 25% more than a member.",
    ),
    "ALLOWANCE_PRESIDING": (
        "ผู้ทำหน้าที่ประธานแทนได้รับเบี้ยประชุมในอัตราของประธาน",
        "The person presiding in the chair's absence is paid the chair's rate.",
    ),
    "ALLOWANCE_VICE_CHAIR": (
        "รองประธานได้รับเบี้ยประชุมตามอัตราที่กำหนดสำหรับรองประธาน",
        "The vice-chair is paid the vice-chair's rate.",
    ),
    "ALLOWANCE_MEMBER": ("กรรมการได้รับเบี้ยประชุม", "A member's allowance."),
    # Challenges (APA ss.13-17; R75, R76)
    "CHALLENGE_GROUND_MISSING": (
        "คำคัดค้านต้องระบุเหตุตามกฎหมาย (มาตรา 13 หรือมาตรา 16)",
        "A challenge must state a legal ground (s.13 or s.16).",
    ),
    "CHALLENGE_FACTS_MISSING": (
        "คำคัดค้านต้องระบุข้อเท็จจริงที่เป็นเหตุคัดค้าน",
        "A challenge must state the facts it rests on.",
    ),
    "CHALLENGE_GROUND_UNKNOWN": (
        "เหตุคัดค้านไม่ตรงกับเหตุตามมาตรา 13 หรือมาตรา 16",
        "The ground is not one of those in s.13 or s.16.",
    ),
    "CHALLENGE_FRACTION_OUT_OF_RANGE": (
        "สัดส่วนมติให้กรรมการผู้ถูกคัดค้านปฏิบัติหน้าที่ต่อไปไม่ถูกต้อง",
        "The share needed for the member to continue is not valid.",
    ),
    "CHALLENGE_TALLY_NEGATIVE": (
        "จำนวนคะแนนเสียงติดลบไม่ได้",
        "Vote counts cannot be negative.",
    ),
    "CHALLENGE_TALLY_EXCEEDS_MEMBERS": (
        "คะแนนเสียงรวมเกินจำนวนกรรมการที่ไม่ถูกคัดค้าน",
        "More votes than unchallenged members.",
    ),
    "CHALLENGE_UPHELD": (
        "ที่ประชุมไม่มีมติไม่น้อยกว่าสองในสามให้ปฏิบัติหน้าที่ต่อไป กรรมการผู้ถูกคัดค้านจึงต้องออกจากการพิจารณาเรื่องนี้",
        "Fewer than two thirds voted to let the member continue: they leave the item.",
    ),
    "CHALLENGE_REJECTED": (
        "ที่ประชุมมีมติไม่น้อยกว่าสองในสามของกรรมการที่ไม่ถูกคัดค้านให้ปฏิบัติหน้าที่ต่อไป",
        "At least two thirds of the unchallenged members let the member continue.",
    ),
    "ALLOWANCE_MEMBER_SECRETARY": (
        "กรรมการและเลขานุการได้รับเบี้ยประชุมครั้งเดียวในอัตรากรรมการ",
        "A member who is also the secretary is paid once, at the member rate.",
    ),
    "ALLOWANCE_SECRETARY": (
        "เลขานุการได้รับเบี้ยประชุมในอัตรากรรมการ",
        "The secretary is paid at the member rate.",
    ),
    "ALLOWANCE_ASSISTANT_SECRETARY": (
        "ผู้ช่วยเลขานุการได้รับเบี้ยประชุมในอัตรากรรมการ",
        "An assistant secretary is paid at the member rate.",
    ),
    "SECRETARY_NOT_PAID": (
        "ข้อบังคับของคณะนี้ไม่จ่ายเบี้ยประชุมแก่เลขานุการและผู้ช่วยเลขานุการ",
        "This body does not pay secretaries or assistant secretaries.",
    ),
    "ASSISTANT_SECRETARY_OVER_CAP": (
        "ผู้ช่วยเลขานุการเกินจำนวนที่จ่ายเบี้ยประชุมได้",
        "More assistant secretaries than may be paid: this one is not paid.",
    ),
    "ASSISTANT_SECRETARY_CAP_EXCEEDED": (
        "มีผู้ช่วยเลขานุการเข้าประชุมเกินจำนวนที่จ่ายเบี้ยประชุมได้",
        "More assistant secretaries attended than may be paid.",
    ),
    "INVITEE_NOT_PAID": (
        "ผู้ได้รับเชิญมาชี้แจงไม่ใช่กรรมการ จึงไม่ได้รับเบี้ยประชุม",
        "An invited explainer is not a member and is not paid.",
    ),
    "ALLOWANCE_INVITEE": (
        "ผู้ได้รับเชิญได้รับเบี้ยประชุมตามข้อบังคับของคณะนี้",
        "An invitee is paid under this body's rule.",
    ),
    "ALLOWANCE_MONTHLY": (
        "เบี้ยประชุมรายเดือน จ่ายเดือนละครั้งเมื่อได้เข้าประชุมในเดือนนั้น",
        "Monthly allowance: paid once for a month with a meeting attended.",
    ),
    "PRESIDING_NOT_RECORDED": (
        "ไม่ได้บันทึกว่าผู้ใดทำหน้าที่ประธาน จึงไม่มีผู้ได้รับอัตราประธาน",
        "Nobody is recorded as presiding, so nobody gets the chair's rate.",
    ),
    # Evidence chain (ETA ss.10-12)
    "CHAIN_SEQ_GAP": (
        "ลำดับเหตุการณ์ขาดหายหรือสลับที่",
        "An event is missing or out of order.",
    ),
    "CHAIN_PREV_MISMATCH": (
        "เหตุการณ์ไม่ต่อกับเหตุการณ์ก่อนหน้า",
        "An event does not link to the one before it.",
    ),
    "CHAIN_HASH_MISMATCH": (
        "ข้อมูลเหตุการณ์ถูกแก้ไขหลังบันทึก",
        "An event was changed after it was recorded.",
    ),
    # Errors (raised as DomainError subclasses)
    "DOMAIN_ERROR": ("กฎไม่สามารถตัดสินได้", "The rule could not decide."),
    "INVALID_INPUT": ("ข้อมูลไม่ถูกต้อง", "Invalid input."),
    "INVALID_RULE": ("การตั้งค่ากฎไม่ถูกต้อง", "Invalid rule settings."),
    "INVALID_BALLOT": ("บัตรลงคะแนนไม่ถูกต้อง", "Invalid ballot."),
    "NAIVE_DATETIME": ("เวลาไม่ระบุเขตเวลา", "A time without a time zone."),
    "INVALID_MEETING_NUMBER": ("ครั้งที่ประชุมไม่ถูกต้อง", "Invalid meeting number."),
    "NOT_BUDDHIST_YEAR": ("ปีไม่ใช่ปีพุทธศักราช", "The year is not a Buddhist-era year."),
    "INVALID_LETTER_NUMBER": ("เลขที่หนังสือไม่ถูกต้อง", "Invalid letter number."),
    "INVALID_AMOUNT": ("จำนวนเงินไม่ถูกต้อง", "Invalid amount."),
    "QUORUM_FIXED_COUNT_MISSING": (
        "องค์ประชุมแบบจำนวนคงที่ต้องระบุจำนวน",
        "A fixed quorum needs a number.",
    ),
    "QUORUM_FRACTION_OUT_OF_RANGE": (
        "สัดส่วนองค์ประชุมต้องมากกว่าศูนย์และไม่เกินหนึ่ง",
        "A quorum fraction must be above 0 and at most 1.",
    ),
    "ADJOURNED_DATES_INVALID": (
        "เรื่องที่เลื่อนต้องมีวันที่เลื่อนและวันนัดใหม่ที่ถูกต้อง",
        "An adjourned matter needs valid adjournment and new dates.",
    ),
    "DUPLICATE_ROSTER_ENTRY": ("มีรายชื่อกรรมการซ้ำ", "A person is listed twice."),
    "SUBSTITUTE_FOR_UNKNOWN": (
        "ผู้มาประชุมแทนระบุกรรมการที่ไม่มีในรายชื่อ",
        "A substitute names a member who is not on the roster.",
    ),
    "MAJORITY_FRACTION_MISMATCH": (
        "ต้องระบุสัดส่วนเฉพาะเสียงข้างมากพิเศษ",
        "A fraction is given for qualified majorities only.",
    ),
    "MAJORITY_FRACTION_OUT_OF_RANGE": (
        "สัดส่วนเสียงข้างมากต้องมากกว่าศูนย์และไม่เกินหนึ่ง",
        "A majority fraction must be above 0 and at most 1.",
    ),
    "NEGATIVE_COUNT": ("จำนวนคะแนนติดลบ", "A vote count is negative."),
    "TALLY_EXCEEDS_MEMBERS": (
        "จำนวนผู้ออกเสียงเกินจำนวนกรรมการ",
        "More votes than members.",
    ),
    "CASTING_VOTE_NOT_ALLOWED": (
        "ประธานออกเสียงชี้ขาดได้เฉพาะเมื่อคะแนนเสียงเท่ากัน",
        "A casting vote is only possible on a decisive tie.",
    ),
    "BALLOT_UNKNOWN_OPTION": ("บัตรเลือกตัวเลือกที่ไม่มีอยู่", "Unknown option chosen."),
    "BALLOT_TOO_MANY_CHOICES": ("บัตรเลือกเกินจำนวนที่กำหนด", "Too many choices."),
    "BALLOT_DUPLICATE_CHOICE": ("บัตรเลือกตัวเลือกซ้ำ", "The same option chosen twice."),
    "POLL_INVALID": (
        "ตัวเลือกซ้ำหรือจำนวนที่เลือกได้ไม่ถูกต้อง",
        "Duplicate options or an invalid number of choices.",
    ),
    "NOTICE_MIN_DAYS_NEGATIVE": (
        "ระยะเวลานัดประชุมต้องไม่ติดลบ",
        "The notice period cannot be negative.",
    ),
    "NOTICE_AFTER_MEETING": (
        "ส่งหนังสือนัดหลังเวลาประชุม",
        "The notice was sent after the meeting.",
    ),
    "OPENING_MARGIN_NEGATIVE": (
        "เวลาที่เปิดประชุมได้ก่อนกำหนดต้องไม่ติดลบ",
        "The margin for opening early cannot be negative.",
    ),
    "RATE_INVALID": ("อัตราเบี้ยประชุมไม่ถูกต้อง", "Invalid allowance rate."),
    "NO_RATE_IN_FORCE": (
        "ไม่มีอัตราเบี้ยประชุมที่ใช้ในวันประชุม",
        "No allowance rate was in force on the meeting date.",
    ),
    "RATES_OVERLAP": (
        "มีอัตราเบี้ยประชุมซ้อนกันในวันเดียวกัน",
        "Two allowance rates overlap on one date.",
    ),
    "DUPLICATE_ATTENDEE": (
        "มีรายชื่อผู้เข้าประชุมซ้ำ",
        "An attendee is listed twice.",
    ),
    # Automatic incident codes (R42; MDES 2563 cl.5(7); see domain/incidents.py)
    "MEDIA_SERVER_DOWN": (
        "ระบบภาพและเสียงขัดข้อง: เครื่องแม่ข่ายภาพและเสียงไม่ตอบสนอง",
        "The audio and video server stopped responding.",
    ),
    "MEDIA_ROOM_FAILED": (
        "ระบบไม่สามารถจัดเตรียมห้องประชุมภาพและเสียงได้",
        "The system could not prepare the audio and video meeting room.",
    ),
    "MEDIA_NOT_RECORDING": (
        "ระบบไม่สามารถบันทึกภาพและเสียงของผู้เข้าร่วมประชุมบางรายได้",
        "The system could not record some participants' audio and video.",
    ),
    "MEDIA_LOST": (
        "ผู้เข้าร่วมประชุมขาดการเชื่อมต่อภาพและเสียง",
        "A participant's audio and video connection was lost.",
    ),
}


def explain(code: str, *, language: Literal["th", "en"] = "th") -> str:
    """The plain-language explanation of ``code`` in Thai (default) or English."""
    thai, english = EXPLANATIONS[code]
    return thai if language == "th" else english
