from django.urls import path

from kommunalschutz.apps.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.report, name="report"),
    path("anonym/", views.anonymous_report, name="anonymous_report"),
    path("anonym/nachverfolgen/", views.follow_up, name="follow_up"),
]
