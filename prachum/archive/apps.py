from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    """Building a meeting's whole record: its package and its recordings (no models).

    It reads every app's records, so it sits above them; the evidence app, below,
    asks it for work through a signal (ADR 0012).
    """

    name = "prachum.archive"
    label = "archive"

    def ready(self) -> None:
        # Closing a meeting asks for its recordings to be processed (close_meeting);
        # imported here because services load models, not ready before this call.
        from prachum.archive import services
        from prachum.evidence import recordings

        recordings.processing_requested.connect(
            services.queue_recordings, dispatch_uid="archive.process_recordings"
        )
        # Each seal asks for its trusted time-stamp (ADR 0021).
        from prachum.archive import timestamp_tasks
        from prachum.evidence import timestamps

        timestamps.stamp_requested.connect(
            timestamp_tasks.queue_stamp, dispatch_uid="archive.stamp_seal"
        )
