from typing import Any

from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class FindingsConfig(AppConfig):
    name = "kommunalschutz.surveys.findings"
    label = "findings"
    verbose_name = "Findings"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.audit_display import register_item_labels
        from kommunalschutz.foundation.core.tasks import register_operation

        # The audit trail names a weighting run's calibration variables ("Altersgruppe", not "age_group").
        register_item_labels("findings.weightingrun", "variables", _variable_label)

        # Long work of the findings runs in the background with progress (decision 0024).
        register_operation("findings.results", "kommunalschutz.surveys.findings.precompute:compute_results_operation",
                           pgettext_lazy("operation", "computation of the survey results"))
        register_operation("findings.report_pdf", "kommunalschutz.surveys.findings.report:render_report_operation",
                           pgettext_lazy("operation", "report PDF of the survey"))


def _variable_label(item: Any) -> str | None:
    from kommunalschutz.surveys.findings import calibration

    return calibration.variable_label(str(item)) if item in calibration.VARIABLES else None
