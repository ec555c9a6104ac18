from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "kommunalschutz.foundation.monitoring"
    label = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from kommunalschutz.foundation.monitoring.middleware import forget_request

        request_finished.connect(forget_request, dispatch_uid="monitoring.forget_request")
