from django.urls import path

from fugong.core.imports import views as imports
from fugong.enterprises import views
from fugong.enterprises.io import KIND

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprises, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("export/", views.enterprise_export, name="export"),
    path("bulk/", views.enterprise_bulk, name="bulk"),
    path("tabs/", views.ledger_tabs, name="tabs"),
    # The import engine's pages, for the enterprise ledger (fugong.enterprises.importer).
    path("import/", imports.upload, {"kind": KIND}, name="import_upload"),
    path("import/<int:pk>/", imports.batch, {"kind": KIND}, name="import"),
    path("import/<int:pk>/errors/", imports.errors, {"kind": KIND}, name="import_errors"),
    path("view/<slug:preset>/", views.enterprises, name="preset"),
    path("<int:pk>/", views.enterprise_detail, name="detail"),
    path("<int:pk>/edit/", views.enterprise_edit, name="edit"),
    path("<int:pk>/assignments/", views.enterprise_assignments_tab, name="assignments"),
    path(
        "<int:pk>/assignments/<int:assignment_id>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
    path("<int:pk>/override/<slug:what>/", views.enterprise_override, name="override"),
]
