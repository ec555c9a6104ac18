from django.urls import path

from kommunalschutz.protection.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.report, name="report"),
    path("bestaetigung/<int:pk>/", views.report_done, name="report_done"),
    path("<int:pk>/ergaenzen/<slug:step>/", views.report_step, name="report_step"),
    path("anonym/", views.anonymous_report, name="anonymous_report"),
    path("anonym/eingangsbestaetigung/", views.anonymous_receipt, name="anonymous_receipt"),
    path("anonym/nachverfolgen/", views.follow_up, name="follow_up"),
]
