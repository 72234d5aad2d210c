"""The MDES e-meeting security standard B.E. 2563 (legal.md A4; R44-R46, R73).

Two things live here: the list of the standard's controls the compliance report walks
through (clause 5's seven minimum processes and the two extra measures for a secret
meeting, in the order of legal.md A4 — never the summarisers' "ข้อ 1-3" numbering), and
the rule that a secret meeting needs a meeting control system installed and serviced
inside the Kingdom (R44).
"""

from dataclasses import dataclass

from prachum.domain.reasons import MDES2563_C5, MDES2563_SECRET


@dataclass(frozen=True)
class Control:
    key: str  # stable identifier (reports, tests)
    clause: str  # what the standard says, cited
    title_en: str  # English msgid; the report translates it


CONTROLS: tuple[Control, ...] = (
    Control("identity", f"{MDES2563_C5}(1)", "Identification of each participant"),
    Control("av", f"{MDES2563_C5}(2)", "Audio, or audio and video, communication"),
    Control("documents", f"{MDES2563_C5}(3)", "Access to meeting documents"),
    Control("voting", f"{MDES2563_C5}(4)", "Open and secret voting"),
    Control("evidence", f"{MDES2563_C5}(5)", "Storage of meeting data and evidence"),
    Control("traffic", f"{MDES2563_C5}(6)", "Storage of traffic data on standard time"),
    Control("failures", f"{MDES2563_C5}(7)", "Channel for reporting failures"),
    Control("secret_access", MDES2563_SECRET, "Secret meeting: access-rights control"),
    Control(
        "secret_hosting",
        MDES2563_SECRET,
        "Secret meeting: system installed and serviced in Thailand",
    ),
)


@dataclass(frozen=True)
class HostingDecision:
    allowed: bool
    code: str
    clause: str


THAILAND = "TH"  # ISO 3166-1 alpha-2


def check_secret_hosting(
    *, hosting_country: str, service_country: str
) -> HostingDecision:
    """May this deployment hold a secret meeting or item? Only when its meeting control
    system is installed (hosted) and provided (serviced) inside the Kingdom (R44).
    The countries are ISO 3166 codes the agency declares; empty means undeclared."""
    countries = {hosting_country.strip().upper(), service_country.strip().upper()}
    if countries == {THAILAND}:
        return HostingDecision(True, "SECRET_HOSTING_IN_KINGDOM", MDES2563_SECRET)
    return HostingDecision(False, "SECRET_HOSTING_NOT_DECLARED", MDES2563_SECRET)
