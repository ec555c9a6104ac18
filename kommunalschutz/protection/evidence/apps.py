from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kommunalschutz.protection.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS
        from kommunalschutz.protection.evidence.services import rotate_store

        ROTATION_HOOKS["evidence files"] = rotate_store
