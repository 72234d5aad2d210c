from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "prachum.attendance"
    label = "attendance"

    def ready(self) -> None:
        # Media presence, drops and server failures feed the room (media_hooks).
        from prachum.attendance import media_hooks
        from prachum.media import signals

        signals.media_signals.connect(
            media_hooks.on_media_signals, dispatch_uid="attendance.media_signals"
        )
        signals.media_server_down.connect(
            media_hooks.on_media_server_down, dispatch_uid="attendance.media_down"
        )
        signals.media_server_up.connect(
            media_hooks.on_media_server_up, dispatch_uid="attendance.media_up"
        )
        signals.media_recording_problems.connect(
            media_hooks.on_media_recording_problem,
            dispatch_uid="attendance.media_recording",
        )
