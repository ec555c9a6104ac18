from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "kommunalschutz.foundation.registry"
    label = "registry"
    verbose_name = "Registry"
