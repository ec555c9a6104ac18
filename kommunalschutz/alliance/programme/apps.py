from django.apps import AppConfig


class AllianceConfig(AppConfig):
    name = "kommunalschutz.alliance.programme"
    label = "alliance"
    verbose_name = "Alliance"

    def ready(self) -> None:
        from kommunalschutz.alliance.programme.home import home_context
        from kommunalschutz.foundation.core.home import add_home_context

        add_home_context(home_context)
