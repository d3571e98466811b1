import mimetypes

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "vermilion.media"
    label = "media"

    def ready(self) -> None:
        # The serving view and S3 uploads both take content types from ``mimetypes``, whose
        # tables name .ts a Qt translation file: HLS segments are MPEG transport streams.
        mimetypes.add_type("video/mp2t", ".ts")
        mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
