from django.urls import path

from kommunalschutz.situation import views

app_name = "situation"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/fortschritt/", views.progress, name="progress"),
    path("<int:pk>/pressetext/", views.press, name="press"),
    path("<int:pk>/berechnen/", views.generate, name="generate"),
    path("<int:pk>/freigeben/", views.release, name="release"),
    path("<int:pk>/<str:edition_slug>/", views.detail, name="edition"),
    path("<int:pk>/<str:edition_slug>/lagebericht.pdf", views.pdf, name="pdf"),
    path("<int:pk>/<str:edition_slug>/tabelle/<slug:key>.<str:fmt>", views.table_export, name="table"),
]
