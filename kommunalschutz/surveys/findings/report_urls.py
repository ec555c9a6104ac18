"""URLs of the discrepancy view and the final report (included by findings/urls.py)."""

from django.urls import URLPattern, path

from kommunalschutz.surveys.findings import report_views

urlpatterns: list[URLPattern] = [
    path("<int:project_pk>/diskrepanz/", report_views.discrepancy, name="discrepancy"),
    path("<int:project_pk>/bericht/", report_views.report_page, name="report"),
    path("<int:project_pk>/bericht/pdf/", report_views.report_pdf, name="report_pdf"),
    path("<int:project_pk>/bericht/empfehlungen/", report_views.recommendations, name="recommendations"),
    path("<int:project_pk>/bericht/freigeben/", report_views.release, name="release"),
]
