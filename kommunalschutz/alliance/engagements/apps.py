from typing import Any

from django.apps import AppConfig


def _record_context(target: Any, user: Any) -> dict[str, Any]:
    from kommunalschutz.alliance.engagements.selectors import engagements_of_target

    return {"engagements": engagements_of_target(target, user)}


class EngagementsConfig(AppConfig):
    name = "kommunalschutz.alliance.engagements"
    label = "engagements"
    verbose_name = "Engagements"

    def ready(self) -> None:
        from kommunalschutz.alliance.engagements.home import home_context
        from kommunalschutz.foundation.core.home import add_home_context

        add_home_context(home_context)

        from kommunalschutz.alliance.engagements.selectors import first_contact_problem
        from kommunalschutz.alliance.programme.hooks import add_first_contact_guard, add_record_context

        add_record_context(_record_context)
        add_first_contact_guard(first_contact_problem)
