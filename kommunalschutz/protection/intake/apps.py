from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "kommunalschutz.protection.intake"
    label = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from kommunalschutz.protection.cases import hooks
        from kommunalschutz.protection.intake.receipts import tombstone_receipt

        # Before retention deletes a case, its receipt becomes a tombstone (cases imports no intake code).
        hooks.register_before_case_deletion("anonymous receipt", tombstone_receipt)
