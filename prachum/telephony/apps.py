from django.apps import AppConfig


class TelephonyConfig(AppConfig):
    name = "prachum.telephony"
    label = "telephony"

    def ready(self) -> None:
        # The chair's mute, unmute and removal reach SIP callers: the room calls the
        # hook (it does not import telephony).
        from prachum.room import callers
        from prachum.telephony.caller_media import ROOM_HOOK

        callers.register_caller_media(ROOM_HOOK)
