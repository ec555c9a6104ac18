from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class SituationConfig(AppConfig):
    name = "kommunalschutz.situation"
    label = "situation"
    verbose_name = "Situation"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.tasks import register_operation

        # The figures of a report are computed in the background with progress (decision 0041).
        register_operation("situation.generate", "kommunalschutz.situation.services:generate_operation",
                           pgettext_lazy("operation", "computation of a situation report"))
        from kommunalschutz.situation import tasks  # noqa: F401 - registers the quarterly draft with Huey
