"""The live meeting: room state and versioned patches, lifecycle, floor, participants,
incidents, snapshot and quorum, the room's media service and one command table.

See ``docs/architecture.md`` for how a room command travels from a socket to the
evidence chain and back to every browser.
"""
