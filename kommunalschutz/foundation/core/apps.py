from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kommunalschutz.foundation.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from kommunalschutz.foundation.core import checks  # noqa: F401  (registers the deploy checks)
