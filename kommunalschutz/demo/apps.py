from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of every wing; nothing in the platform imports it (only `kommunalschutz demo` and tests)."""

    name = "kommunalschutz.demo"
    label = "demo"
    verbose_name = "Demo"
