"""Reasons and the clauses they cite.

A decision of the law engine is a stable code plus the clause that produced it; the
clause strings live here so that docs/rules.md and the code cite the same words.
Labels [V]/[S]/[I] in the comments refer to docs/legal.md §0.
"""

from dataclasses import dataclass

DECREE = "Emergency Decree on Electronic Meetings B.E. 2563"
APA = "APA B.E. 2539"
RD_ALLOWANCES = "Royal Decree on Committee Meeting Allowances B.E. 2547"

APA_S79_P1 = f"{APA} s.79 para 1"
APA_S79_P2 = f"{APA} s.79 para 2"
APA_RECUSAL = f"{APA} s.79 para 1 with s.15 para 2 (ss.13-16)"
APA_S80 = f"{APA} s.80"
APA_S82 = f"{APA} s.82"  # [I]: ss.81-82 not read in the primary text
DECREE_S2_S3 = f"{DECREE} ss.2-3"
DECREE_S5_4 = f"{DECREE} s.5(4)"
DECREE_S6_P2 = f"{DECREE} s.6 para 2"
DECREE_S5 = f"{DECREE} s.5"
DECREE_S9_4 = f"{DECREE} s.9(4)"
DECREE_S9_1 = f"{DECREE} s.9(1); MOI circular 2563 item 4"
DECREE_S10 = f"{DECREE} s.10"
DECREE_S12 = f"{DECREE} s.12; MDES e-meeting security standard B.E. 2563"
DECREE_S13 = f"{DECREE} s.13 (NCPO Announcement No. 74/2557)"
NCPO74 = "NCPO Announcement No. 74/2557"  # [V] via the Decree's explanatory note
SARABAN_C25 = "Saraban Regulation B.E. 2526 clause 25; the body's own rule"
RD_CHAIR = f"{RD_ALLOWANCES} (chair +25%, as applied by MOF) [S]"
RD_PER_MEETING = f"{RD_ALLOWANCES} s.7(2)"
RD_MONTHLY = f"{RD_ALLOWANCES} s.7(1)"
RD_SECRETARIES = "MOF notification on allowance rates B.E. 2564 (secretaries) [S]"
RD_NOT_ENTITLED = f"{DECREE} s.4 with {RD_ALLOWANCES} [I]"
NO_QUORUM_NO_PAY = "Body's payment rule (e.g. NHRC regulation 2561 clause 16) [S]"


@dataclass(frozen=True)
class Reason:
    """One step of a decision: what happened (code), why (clause), and the figures."""

    code: str
    clause: str
    detail: str = ""


MDES2563 = "MDES e-meeting security standard B.E. 2563"
MDES2563_C5 = f"{MDES2563} clause 5"  # [S] clause number via thairath (legal.md A4)
# ETDA, quoted by Bangkok Biznews (legal.md A4) [S]
MDES2563_SECRET = f"{MDES2563} (secret meetings) [S]"
