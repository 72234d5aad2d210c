"""What the gateway says to a caller, in Thai, spoken by espeak-ng (issue 17 point 2).

Each prompt is a gettext sentence rendered in the deployment's language and turned
into 8 kHz speech once (cached under ``var/sipgw/prompts`` by the SHA-256 of its
text): a change of wording or translation makes a new file by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

from prachum.sipgw.speech import synthesize

LANGUAGE = "th"


def _welcome() -> str:
    return _("Welcome to the electronic meeting system.")


def _ask_meeting() -> str:
    return _("Please key in the meeting code, then the hash key.")


def _no_meeting() -> str:
    return _("There is no meeting open to callers with this code.")


def _ask_pin() -> str:
    return _("Please key in your personal PIN, then the hash key.")


def _wrong_pin() -> str:
    return _("This PIN is not correct.")


def _too_many() -> str:
    return _("Too many wrong codes. The call ends now. The meeting has been told.")


def _joined() -> str:
    return _("Your identity is confirmed. You are now in the meeting.")


def _vote_motion() -> str:
    return _("A vote is open. Press 1 to approve, 2 to disapprove, or 3 to abstain.")


def _vote_options() -> str:
    return _("A vote is open. Press the number of your choice.")


def _voted() -> str:
    return _("Your vote is recorded.")


def _bad_key() -> str:
    return _("That key is not a choice in this vote.")


def _removed() -> str:
    return _("The chair has ended your participation in this meeting.")


def _not_for_item() -> str:
    return _(
        "You cannot take part by telephone in this part of the meeting. "
        "The call ends now."
    )


def _meeting_closed() -> str:
    return _("The meeting has ended. Thank you.")


def _refused() -> str:
    return _("You cannot enter this meeting now. The call ends.")


PROMPTS: dict[str, Callable[[], str]] = {
    "welcome": _welcome,
    "ask_meeting": _ask_meeting,
    "no_meeting": _no_meeting,
    "ask_pin": _ask_pin,
    "wrong_pin": _wrong_pin,
    "too_many": _too_many,
    "joined": _joined,
    "vote_motion": _vote_motion,
    "vote_options": _vote_options,
    "voted": _voted,
    "bad_key": _bad_key,
    "removed": _removed,
    "not_for_item": _not_for_item,
    "meeting_closed": _meeting_closed,
    "refused": _refused,
}


def prompt_text(name: str) -> str:
    with override(LANGUAGE):
        return str(PROMPTS[name]())


def prompt_dir() -> Path:
    return Path(settings.VAR_DIR) / "sipgw" / "prompts"


class Prompts:
    """The speech of each prompt, made once per process (in a thread: espeak-ng)."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir or prompt_dir()
        self._pcm: dict[str, bytes] = {}

    def load(self, name: str) -> bytes:
        if name not in self._pcm:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            self._pcm[name] = synthesize(
                prompt_text(name), lang=LANGUAGE, cache_dir=self.cache_dir
            )
        return self._pcm[name]

    def load_all(self) -> None:
        for name in PROMPTS:
            self.load(name)

    async def get(self, name: str) -> bytes:
        if name in self._pcm:
            return self._pcm[name]
        return await asyncio.to_thread(self.load, name)
