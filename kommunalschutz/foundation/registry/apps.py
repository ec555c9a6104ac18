from typing import Any

from django.apps import AppConfig
from django.http import HttpRequest
from django.utils.translation import pgettext_lazy


def _overview(request: HttpRequest) -> dict[str, Any]:
    from kommunalschutz.foundation.registry.selectors import overview_counts

    return {"counts": overview_counts()}


class RegistryConfig(AppConfig):
    name = "kommunalschutz.foundation.registry"
    label = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.home import add_home_context
        from kommunalschutz.foundation.core.tasks import register_operation

        add_home_context(_overview)
        register_operation("registry.import", "kommunalschutz.foundation.registry.services:import_registry_operation",
                           pgettext_lazy("operation", "import of the municipality register"))
