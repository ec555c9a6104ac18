from django.urls import path

from kommunalschutz.apps.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("meine-meldungen/", views.my_reports, name="my_reports"),
    path("eingang/", views.dashboard, name="dashboard"),
    path("benachrichtigungen/", views.notifications, name="notifications"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
]
