from django.apps import AppConfig


class SamplingConfig(AppConfig):
    name = "kommunalschutz.apps.sampling"
    label = "sampling"
    verbose_name = "Sampling"

    def ready(self) -> None:
        from kommunalschutz.apps.sampling.services import rotate_chunks
        from kommunalschutz.core.encryption import ROTATION_HOOKS

        ROTATION_HOOKS["register extracts"] = rotate_chunks
