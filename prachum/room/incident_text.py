"""An incident in words for the people in the room (issue 14 point 8).

The stored description is the record (R42): automatic incidents start with a code
(``MEDIA_SERVER_DOWN: janus-1: ...``, see ``prachum.room.media``) or hold figures
(``6/5`` for the quorum). People read a sentence in their language instead; the
technical description stays in the record, the API and the evidence package.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from prachum.attendance.models import IncidentKind
from prachum.domain.incidents import IncidentCode, classify

QUORUM_FIGURES = re.compile(r"^(\d+)/(\d+)$")
#: The start of the description of a SIP caller's last wrong PIN (issue 17).
SIP_PIN_TRIES_EXHAUSTED = "SIP_PIN_TRIES_EXHAUSTED"


def _coded(code: IncidentCode) -> str | None:
    # The law engine reads the code an automatic description starts with (one reader).
    return {
        IncidentCode.MEDIA_SERVER_DOWN: _(
            "The audio and video server stopped working."
        ),
        IncidentCode.MEDIA_ROOM_FAILED: _(
            "The audio and video room could not be set up or changed."
        ),
        IncidentCode.MEDIA_NOT_RECORDING: _("The meeting was not being recorded."),
    }.get(code)


def incident_summary(*, kind: str, description: str, subject_name: str = "") -> str:
    """What happened, in the active language; a participant's own words unchanged."""
    if (description or "").startswith(SIP_PIN_TRIES_EXHAUSTED):
        return _("A caller entered a wrong PIN too many times; the call was ended.")
    code = classify(kind, description or "")
    if code == IncidentCode.CONNECTION_LOST and kind != IncidentKind.CONNECTION_LOST:
        return _("The audio and video connection was lost.")  # MEDIA_LOST: ...
    if (sentence := _coded(code)) is not None:
        return sentence
    figures = QUORUM_FIGURES.match(description or "")
    if figures and kind in {IncidentKind.QUORUM_LOST, IncidentKind.QUORUM_REGAINED}:
        return _("%(counted)s members counted, %(required)s required.") % {
            "counted": figures.group(1),
            "required": figures.group(2),
        }
    if kind == IncidentKind.CLOCK_UNSYNCED:
        return _("The server clock was not synchronised with the time standard.")
    if kind == IncidentKind.CONNECTION_LOST and description == subject_name:
        return ""  # the page names the person already
    return description
