from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kommunalschutz.protection.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.encryption import ROTATION_HOOKS
        from kommunalschutz.protection.cases import hooks
        from kommunalschutz.protection.evidence.store import delete_case_files, rotate_store

        ROTATION_HOOKS["evidence files"] = rotate_store
        # Retention deletes a case's encrypted files from the store (cases imports no evidence code).
        hooks.register_before_case_deletion("evidence files", delete_case_files)
