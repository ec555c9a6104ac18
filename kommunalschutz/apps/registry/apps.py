from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kommunalschutz.apps.registry"
    label = "registry"
    verbose_name = "Registry"
