"""Kinds of the evidence events of SIP calls (issue 17; R37 traffic data in the chain)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from prachum.core.events import EventKind


class TelephonyEvent(EventKind):
    SIP_CALL_STARTED = "sip.call_started", _("Call by telephone or room system")
    SIP_PIN_FAILED = "sip.pin_failed", _("Wrong PIN by telephone")
    SIP_CALL_IDENTIFIED = "sip.call_identified", _("Caller identified")
    SIP_CALL_ENDED = "sip.call_ended", _("Call ended")
    SIP_GATEWAY_DOWN = "sip.gateway_down", _("Telephone gateway stopped")
