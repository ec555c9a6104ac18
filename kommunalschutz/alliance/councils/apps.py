from typing import Any

from django.apps import AppConfig


def _record_context(target: Any, user: Any) -> dict[str, Any]:
    from kommunalschutz.alliance.councils.selectors import councils_of_target

    return {"councils": councils_of_target(target)}


class CouncilsConfig(AppConfig):
    name = "kommunalschutz.alliance.councils"
    label = "councils"
    verbose_name = "Councils"

    def ready(self) -> None:
        from kommunalschutz.alliance.councils.home import home_context
        from kommunalschutz.foundation.core.home import add_home_context

        add_home_context(home_context)

        from kommunalschutz.alliance.programme.hooks import add_record_context

        add_record_context(_record_context)
