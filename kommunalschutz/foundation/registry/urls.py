from django.urls import path

from kommunalschutz.foundation.registry import views

app_name = "registry"

urlpatterns = [
    path("gemeinden/", views.municipality_list, name="municipality_list"),
    path("gemeinden/<str:ags>/", views.municipality_detail, name="municipality_detail"),
    path("kreise/", views.district_list, name="district_list"),
    path("kreise/<str:ags>/", views.district_detail, name="district_detail"),
    path("karte/", views.overview_map, name="overview_map"),
    path("polizeidirektionen/", views.police_directorate_list, name="police_directorate_list"),
    path("import/", views.import_start, name="import_start"),
]
