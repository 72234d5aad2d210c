"""The law engine's citations and codes in the reader's language (issue 14 point 8).

The domain cites clauses in one fixed English form (``prachum.domain.reasons``:
"APA B.E. 2539 s.82") and answers with stable codes ("NOT_ATTENDED"); people read them
here, at the edge: "พ.ร.บ.วิธีปฏิบัติราชการทางปกครอง พ.ศ. 2539 มาตรา 82" and the plain
explanation of the code. Every name and word goes through gettext, so English readers
get the citation back as the domain wrote it.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from prachum.domain.explain import EXPLANATIONS, explain

# Law and instrument names as the domain writes them, longest first (a name inside a
# longer one is replaced after it).
LAW_NAMES = (
    (
        "Emergency Decree on Electronic Meetings B.E. 2563",
        gettext_lazy("Emergency Decree on Electronic Meetings B.E. 2563"),
    ),
    (
        "Royal Decree on Committee Meeting Allowances B.E. 2547",
        gettext_lazy("Royal Decree on Committee Meeting Allowances B.E. 2547"),
    ),
    (
        "MOF notification on allowance rates B.E. 2564",
        gettext_lazy("MOF notification on allowance rates B.E. 2564"),
    ),
    (
        "MDES e-meeting security standard B.E. 2563",
        gettext_lazy("MDES e-meeting security standard B.E. 2563"),
    ),
    (
        "MDES notification: e-meeting security standard B.E. 2563",
        gettext_lazy("MDES notification: e-meeting security standard B.E. 2563"),
    ),
    (
        "ICT notification: e-meeting security standard B.E. 2557",
        gettext_lazy("ICT notification: e-meeting security standard B.E. 2557"),
    ),
    (
        "ICT e-meeting security standard B.E. 2557",
        gettext_lazy("ICT e-meeting security standard B.E. 2557"),
    ),
    (
        "Saraban Regulation B.E. 2526",
        gettext_lazy("Saraban Regulation B.E. 2526"),
    ),
    (
        "Computer-Related Crime Act B.E. 2550",
        gettext_lazy("Computer-Related Crime Act B.E. 2550"),
    ),
    (
        "National Archives Act B.E. 2556",
        gettext_lazy("National Archives Act B.E. 2556"),
    ),
    (
        "Ministerial Regulation No. 7 (B.E. 2542)",
        gettext_lazy("Ministerial Regulation No. 7 (B.E. 2542)"),
    ),
    ("NCPO Announcement No. 74/2557", gettext_lazy("NCPO Announcement No. 74/2557")),
    ("MOI circular 2563", gettext_lazy("MOI circular 2563")),
    ("APA B.E. 2539", gettext_lazy("APA B.E. 2539")),
    (
        "Decree B.E. 2563",
        gettext_lazy("Emergency Decree on Electronic Meetings B.E. 2563"),
    ),
    ("ETA B.E. 2544", gettext_lazy("ETA B.E. 2544")),
    ("APA", gettext_lazy("APA B.E. 2539")),
    ("Decree", gettext_lazy("Emergency Decree on Electronic Meetings B.E. 2563")),
)
# Phrases the domain adds to a citation.
PHRASES = (
    (
        "(chair +25%, as applied by MOF)",
        gettext_lazy("(chair +25%, as applied by MOF)"),
    ),
    ("(secretaries)", gettext_lazy("(secretaries)")),
    ("(secret meetings)", gettext_lazy("(secret meetings)")),
    ("the body's own rule", gettext_lazy("the body's own rule")),
    (
        "Body's payment rule (e.g. NHRC regulation 2561 clause 16)",
        gettext_lazy("Body's payment rule (e.g. NHRC regulation 2561 clause 16)"),
    ),
)
PARAGRAPHS = {
    "1": gettext_lazy("para 1"),
    "2": gettext_lazy("para 2"),
    "3": gettext_lazy("para 3"),
    "4": gettext_lazy("para 4"),
}
# How sure the legal reading is (docs/legal.md §0): for the docs, not for the page.
CONFIDENCE = re.compile(r"\s*\[[VSI]\]")
# One pass over every name (a replaced name is not replaced again).
NAMES = re.compile(
    "|".join(
        rf"(?<![\w.]){re.escape(english)}(?![\w])"
        for english, _label in sorted(PHRASES + LAW_NAMES, key=lambda p: -len(p[0]))
    )
)


def _sections(match: re.Match[str]) -> str:
    first, sep, last = match.group(1), match.group(2), match.group(3)
    if sep.strip() == "-":
        return _("ss.%(first)s-%(last)s") % {"first": first, "last": last}
    return _("ss.%(first)s, %(last)s") % {"first": first, "last": last}


RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\bss\.(\d+)(\s*-\s*|,\s*)(\d+)"), _sections),
    (
        re.compile(r"\bs\.(\d+)(\(\d+\))?"),
        lambda m: _("s.%(number)s") % {"number": m.group(1) + (m.group(2) or "")},
    ),
    (
        re.compile(r"\bparas (\d)-(\d)\b"),
        lambda m: (
            _("%(first)s to %(last)s")
            % {
                "first": PARAGRAPHS.get(m.group(1), m.group(1)),
                "last": PARAGRAPHS.get(m.group(2), m.group(2)),
            }
        ),
    ),
    (re.compile(r"\bpara (\d)\b"), lambda m: str(PARAGRAPHS.get(m.group(1), m[0]))),
    (
        re.compile(r"\bclause (\d+)"),
        lambda m: _("clause %(number)s") % {"number": m.group(1)},
    ),
    (re.compile(r"\bitem (\d+)"), lambda m: _("item %(number)s") % {"number": m[1]}),
    (re.compile(r" with "), lambda m: " " + _("with") + " "),
)


def cite(clause: str) -> str:
    """``clause`` (as ``prachum.domain.reasons`` writes it) in the active language."""
    if not clause:
        return ""
    if not _thai():
        return str(clause)
    text = CONFIDENCE.sub("", str(clause))
    names = dict(PHRASES + LAW_NAMES)
    text = NAMES.sub(lambda m: str(names[m.group(0)]), text)
    for pattern, replace in RULES:
        text = pattern.sub(replace, text)
    return text


def explain_code(code: str) -> str:
    """The plain explanation of a law-engine code in the active language (the code
    itself if the engine has none)."""
    if code not in EXPLANATIONS:
        return str(code)
    return explain(code, language="th" if _thai() else "en")


def _thai() -> bool:
    return (translation.get_language() or "th").startswith("th")


def known_clauses() -> dict[str, str]:
    """Every clause the law engine cites, in the active language, for the pages whose
    script shows citations it receives over the socket (the room's poll results)."""
    found: dict[str, str] = {}
    for module in DOMAIN_MODULES:
        for name, value in vars(importlib.import_module(module)).items():
            if name.isupper() and isinstance(value, str) and CITES_A_LAW.search(value):
                found[value] = cite(value)
    return found


def code_labels() -> dict[str, str]:
    """Every law-engine code explained in the active language (for page scripts)."""
    return {code: explain_code(code) for code in EXPLANATIONS}


DOMAIN_MODULES = ("prachum.domain.reasons", "prachum.domain.challenges")
CITES_A_LAW = re.compile(r"B\.E\.|\bs\.\d|\bss\.\d|\bAPA\b|\bDecree\b")
