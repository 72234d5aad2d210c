from django.apps import AppConfig


class RoomConfig(AppConfig):
    name = "prachum.room"
    label = "room"

    def ready(self) -> None:
        # Media presence, drops and server failures feed the room (room.media_signals).
        from prachum.media import signals
        from prachum.room import media_signals

        signals.media_signals.connect(
            media_signals.on_media_signals, dispatch_uid="attendance.media_signals"
        )
        signals.media_server_down.connect(
            media_signals.on_media_server_down, dispatch_uid="attendance.media_down"
        )
        signals.media_server_up.connect(
            media_signals.on_media_server_up, dispatch_uid="attendance.media_up"
        )
        signals.media_recording_problems.connect(
            media_signals.on_media_recording_problem,
            dispatch_uid="attendance.media_recording",
        )
