from django.urls import path

from fugong.core.imports import views as imports
from fugong.workforce import views
from fugong.workforce.importer import KIND

app_name = "workforce"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("new/", views.employee_new, name="employee_new"),
    path("<int:pk>/", views.employee_edit, name="employee_edit"),
    path("export/", views.roster_export, name="export"),
    path("rules/", views.origin_rules, name="rules"),
    path("risks/", views.risks, name="risks"),
    path("<int:pk>/pass/", views.employee_pass, name="employee_pass"),
    path("passes/approvals/", views.pass_approvals, name="pass_approvals"),
    path("gate/", views.gate, name="gate"),
    path("me/", views.me, name="me"),
    path("today/", views.today, name="today"),
    path("health/", views.health, name="health"),
    path("figures/", views.place_figures, name="figures"),
    path("c/<str:code>/", views.phone_entry, name="phone_entry"),
    # The import engine's pages, for the roster (fugong.workforce.importer).
    path("import/", imports.upload, {"kind": KIND}, name="import_upload"),
    path("import/<int:pk>/", imports.batch, {"kind": KIND}, name="import"),
    path("import/<int:pk>/errors/", imports.errors, {"kind": KIND}, name="import_errors"),
]
