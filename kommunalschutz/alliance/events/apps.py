from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kommunalschutz.alliance.events"
    label = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from kommunalschutz.foundation.core.tasks import register_operation

        # The name badges are laid out in the background with progress (decision 0024).
        register_operation("events.badges", "kommunalschutz.alliance.events.badges:badges_operation",
                           pgettext_lazy("operation", "name badges of an event"))
