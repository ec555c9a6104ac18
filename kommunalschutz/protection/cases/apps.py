from django.apps import AppConfig


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
        # The audit trail names the incident types of a change ("Bedrohung", not "threat").
        register_item_labels("cases.case", "incident_types", choice_labels(IncidentType))
