from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "kommunalschutz.surveys.sampling"
    label = "sampling"
    verbose_name = "Sampling"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS
        from kommunalschutz.surveys.sampling.services import rotate_chunks

        ROTATION_HOOKS["register extracts"] = rotate_chunks
