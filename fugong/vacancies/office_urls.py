"""The vacancy database's list and a vacancy (government and enterprise users alike; each sees
what its scope allows), and the import pages."""

from django.urls import path

from fugong.core.imports import views as imports
from fugong.vacancies import views
from fugong.vacancies.importer import KIND

urlpatterns = [
    path("", views.vacancy_list, name="list"),
    path("<int:pk>/", views.vacancy_detail, name="detail"),
    path("import/", imports.upload, {"kind": KIND}, name="import_upload"),
    path("import/<int:pk>/", imports.batch, {"kind": KIND}, name="import"),
    path("import/<int:pk>/errors/", imports.errors, {"kind": KIND}, name="import_errors"),
]
