"""The live-room fixtures (identify, connect, open) for the allowance tests."""

from tests.attendance.conftest import (  # noqa: F401
    _room_settings,
    connect,
    fresh_factor,
    identified,
    invitee,
    listen,
    members,
    notified_meeting,
    notify,
    open_room,
    present,
    server_clock,
)
