from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CasesConfig(AppConfig):
    name = "kommunalschutz.protection.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.audit_display import choice_labels, register_item_labels
        from kommunalschutz.foundation.core.home import add_home_context
        from kommunalschutz.protection.cases.home import home_context
        from kommunalschutz.protection.cases.models import IncidentType

        add_home_context(home_context)
        from kommunalschutz.protection.cases import rollups

        rollups.connect_receivers()
        # A database migrated to the roll-ups with records in it: count them once (decision 0031).
        post_migrate.connect(rollups.fill_if_empty, sender=self)
        # The audit trail names the incident types of a change ("Bedrohung", not "threat").
        register_item_labels("cases.case", "incident_types", choice_labels(IncidentType))
        # Monitoring: how many acknowledgements are overdue right now (a count, nothing about the cases).
        from kommunalschutz.foundation.monitoring.metrics import register_gauge
        from kommunalschutz.protection.cases.selectors import overdue_acknowledgement_count

        register_gauge("kommunalschutz_cases_acknowledgement_overdue",
                       "Cases whose acknowledgement is overdue (not demo cases).", overdue_acknowledgement_count)
