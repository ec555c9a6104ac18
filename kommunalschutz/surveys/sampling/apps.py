from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SamplingConfig(AppConfig):
    name = "kommunalschutz.surveys.sampling"
    label = "sampling"
    verbose_name = "Sampling"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS
        from kommunalschutz.foundation.core.tasks import register_operation
        from kommunalschutz.surveys.sampling.letters import LETTERS_OPERATION
        from kommunalschutz.surveys.sampling.register import rotate_chunks

        ROTATION_HOOKS["register extracts"] = rotate_chunks
        # The letters are rendered in the background; the operation lives with the letters.
        register_operation(LETTERS_OPERATION, "kommunalschutz.surveys.sampling.letters:render_letters_operation",
                           pgettext_lazy("operation", "cover letters with QR codes"))
