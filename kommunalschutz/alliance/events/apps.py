from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "kommunalschutz.alliance.events"
    label = "events"
    verbose_name = "Events"
