from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "kommunalschutz.protection.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from kommunalschutz.foundation.core.tasks import register_operation
        from kommunalschutz.protection.cases import hooks
        from kommunalschutz.protection.evidence.package import PACKAGE_OPERATION, delete_case_packages
        from kommunalschutz.protection.evidence.store import delete_case_files

        # Retention deletes a case's encrypted files from the store (cases imports no evidence code).
        hooks.register_before_case_deletion("evidence files", delete_case_files)
        hooks.register_before_case_deletion("evidence packages", delete_case_packages)
        # The evidence package is built in the background with progress (decision 0024).
        register_operation(PACKAGE_OPERATION, "kommunalschutz.protection.evidence.package:package_operation",
                           pgettext_lazy("operation", "evidence package of a case"))
