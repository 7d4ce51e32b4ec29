from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from fugong.core import registry
from fugong.core import views as core_views
from fugong.core.api import api

handler400 = "fugong.core.views.error_400"
handler403 = "fugong.core.views.error_403"
handler404 = "fugong.core.views.error_404"
handler500 = "fugong.core.views.error_500"

admin.site.site_header = settings.FUGONG_SITE_NAME
admin.site.site_title = settings.FUGONG_SITE_NAME

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    # Each app's pages, declared by the app (registry.add_urls), in their order.
    *(path(entry.prefix, include(entry.target)) for entry in registry.urls()),
]
