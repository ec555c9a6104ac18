from django.apps import AppConfig


class ResponsesConfig(AppConfig):
    name = "kommunalschutz.surveys.responses"
    label = "responses"
    verbose_name = "Responses"
