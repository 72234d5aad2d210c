"""Why one person counts or not (issue 13 point 9), and that it agrees with the count.

In-room presence counts without a device and without audio (Decree ss.6, 10; R8); a
remote member counts only with audio when the body requires it (R16)."""

import itertools

import pytest

from prachum.domain.quorum import (
    ItemContext,
    Presence,
    QuorumRule,
    Role,
    RosterEntry,
    Standing,
    quorum_status,
    standing,
)

MEMBER = RosterEntry("m", Role.MEMBER)


def present(**kwargs):
    fields = {"mode": "remote", "identified": True, "connected": True} | kwargs
    return Presence("m", **fields)


@pytest.mark.parametrize(
    ("entry", "presence", "audio", "recused", "expected"),
    [
        (MEMBER, None, True, False, Standing.NOT_IDENTIFIED),
        (MEMBER, present(identified=False), True, False, Standing.NOT_IDENTIFIED),
        (MEMBER, present(connected=False), False, False, Standing.NOT_CONNECTED),
        (MEMBER, present(audio_up=False), True, False, Standing.AUDIO_DOWN),
        (MEMBER, present(audio_up=None), True, False, Standing.AUDIO_DOWN),
        (MEMBER, present(audio_up=False), False, False, Standing.COUNTED_REMOTE),
        (MEMBER, present(audio_up=True), True, False, Standing.COUNTED_REMOTE),
        (MEMBER, present(mode="in_room"), True, False, Standing.COUNTED_IN_ROOM),
        (MEMBER, present(mode="in_room"), True, True, Standing.RECUSED),
        (
            RosterEntry("m", Role.SECRETARY),
            present(mode="in_room"),
            True,
            False,
            Standing.NO_VOTE,
        ),
        (
            RosterEntry("m", Role.SECRETARY, is_voting=True),
            present(mode="in_room"),
            True,
            False,
            Standing.COUNTED_IN_ROOM,
        ),
        (
            RosterEntry("m", Role.MEMBER, is_substitute_for="x"),
            present(audio_up=True),
            True,
            False,
            Standing.NO_VOTE,
        ),
    ],
)
def test_standing_of_one_person(entry, presence, audio, recused, expected):
    got = standing(
        entry=entry,
        presence=presence,
        require_audio=audio,
        recused=frozenset({"m"}) if recused else frozenset(),
    )
    assert got == expected


def test_leave_explains_an_absence_and_never_hides_a_presence():
    assert (
        standing(entry=MEMBER, presence=None, require_audio=True, on_leave=True)
        == Standing.ON_LEAVE
    )
    came_after_all = present(mode="in_room")
    assert (
        standing(
            entry=MEMBER, presence=came_after_all, require_audio=True, on_leave=True
        )
        == Standing.COUNTED_IN_ROOM
    )


def test_in_room_presence_counts_without_audio():  # R8, Decree ss.6, 10
    roster = [RosterEntry(f"m{i}", Role.MEMBER) for i in range(4)]
    presences = [
        Presence("m0", "in_room", True, True, audio_up=False),
        Presence("m1", "in_room", True, True, audio_up=None),
        Presence("m2", "remote", True, True, audio_up=False),
    ]
    status = quorum_status(
        roster=roster, presences=presences, rule=QuorumRule(), require_audio=True
    )
    assert status.counted_ids == ("m0", "m1")
    assert status.met


ROLES = [Role.CHAIR, Role.MEMBER, Role.SECRETARY, Role.INVITEE]


@pytest.mark.parametrize("require_audio", [True, False])
def test_standing_agrees_with_the_count(require_audio):
    """Every combination of one person's facts: counted by the engine exactly when
    their standing says so."""
    states = list(
        itertools.product(
            ROLES,
            [None, "in_room", "remote"],
            [True, False],  # identified
            [True, False],  # connected
            [True, False, None],  # audio
            [True, False],  # recused
        )
    )
    for role, mode, identified, connected, audio, recused in states:
        entry = RosterEntry("p", role)
        presence = (
            None
            if mode is None
            else Presence("p", mode, identified, connected, audio_up=audio)
        )
        item = ItemContext(recused=frozenset({"p"}) if recused else frozenset())
        status = quorum_status(
            roster=[entry],
            presences=[presence] if presence else [],
            rule=QuorumRule(),
            item=item,
            require_audio=require_audio,
        )
        got = standing(
            entry=entry,
            presence=presence,
            require_audio=require_audio,
            recused=item.recused,
        )
        counted = got in {Standing.COUNTED_IN_ROOM, Standing.COUNTED_REMOTE}
        assert counted == ("p" in status.counted_ids), (role, mode, got)
