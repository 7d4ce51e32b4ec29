from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from fugong.accounts import views as account_views
from fugong.core import views as core_views
from fugong.core.api import api

handler400 = "fugong.core.views.error_400"
handler403 = "fugong.core.views.error_403"
handler404 = "fugong.core.views.error_404"
handler500 = "fugong.core.views.error_500"

admin.site.site_header = settings.FUGONG_SITE_NAME
admin.site.site_title = settings.FUGONG_SITE_NAME

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("enterprises/", include("fugong.enterprises.urls")),
    path("resumption/", include("fugong.resumption.urls")),
    path("v/", include("fugong.resumption.public_urls")),
    path("stats/", include("fugong.stats.urls")),
    path("", include("fugong.accounts.urls")),
    path("", include("fugong.core.urls")),
]
