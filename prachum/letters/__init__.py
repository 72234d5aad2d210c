"""Meeting letters: the invitation as a Saraban-form PDF and as an iCalendar request.

Pure functions over plain data; no Django here, so services can call them from tasks and
tests can run without a database.
"""

from prachum.letters.fonts import FontMissingError, find_laksaman
from prachum.letters.ics import render_invitation_ics
from prachum.letters.invitation import InvitationLetter, render_invitation_pdf

__all__ = [
    "FontMissingError",
    "InvitationLetter",
    "find_laksaman",
    "render_invitation_ics",
    "render_invitation_pdf",
]
