from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "kommunalschutz.apps.responses"
    label = "responses"
    verbose_name = "Responses"
