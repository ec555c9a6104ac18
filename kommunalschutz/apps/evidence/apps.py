from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kommunalschutz.apps.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        from kommunalschutz.apps.evidence.services import rotate_store
        from kommunalschutz.core.encryption import ROTATION_HOOKS

        ROTATION_HOOKS["evidence files"] = rotate_store
