from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "kommunalschutz.surveys.findings"
    label = "findings"
    verbose_name = "Findings"

    def ready(self) -> None:
        from kommunalschutz.foundation.core.tasks import register_operation

        # Long work of the findings runs in the background with progress (decision 0024).
        register_operation("findings.results", "kommunalschutz.surveys.findings.precompute:compute_results_operation")
        register_operation("findings.report_pdf", "kommunalschutz.surveys.findings.report:render_report_operation")
