from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kommunalschutz.apps.events"
    label = "events"
    verbose_name = "Events"
