from django.urls import path

from kommunalschutz.protection.measures import views

app_name = "measures"

urlpatterns = [
    path("fall/<int:pk>/", views.case_measures, name="case_measures"),
    path("fall/<int:pk>/neu/", views.measure_add, name="measure_add"),
    path("<int:pk>/bearbeiten/", views.measure_edit, name="measure_edit"),
    path("<int:pk>/entscheidung/", views.measure_decide, name="measure_decide"),
    path("partner/", views.partner_list, name="partner_list"),
    path("partner/neu/", views.partner_create, name="partner_create"),
    path("partner/<int:pk>/bearbeiten/", views.partner_edit, name="partner_edit"),
    path("partner/<int:pk>/aktiv/", views.partner_active, name="partner_active"),
]
