from django.urls import path

from kommunalschutz.apps.measures import views

app_name = "measures"

urlpatterns = [
    path("fall/<int:pk>/", views.case_measures, name="case_measures"),
    path("partner/", views.partner_list, name="partner_list"),
]
