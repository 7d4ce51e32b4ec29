from django.urls import path

from fugong.enterprises import views

app_name = "enterprises"

urlpatterns = [
    path("", views.enterprises, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("export/", views.enterprise_export, name="export"),
    path("bulk/", views.enterprise_bulk, name="bulk"),
    path("tabs/", views.ledger_tabs, name="tabs"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_batch, name="import"),
    path("import/<int:pk>/errors/", views.import_errors, name="import_errors"),
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
