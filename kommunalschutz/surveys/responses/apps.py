from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ResponsesConfig(AppConfig):
    name = "kommunalschutz.surveys.responses"
    label = "responses"
    verbose_name = "Responses"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.tasks import register_operation

        # A practice project's simulated answers take many seconds: a background operation (decision 0024).
        register_operation("responses.simulate", "kommunalschutz.surveys.responses.simulation:simulate_operation",
                           pgettext_lazy("operation", "simulation of answers (demo)"))
