"""The report pages, under /stats/ like the dashboard."""

from fugong.reports.views import urlpatterns as urlpatterns

app_name = "reports"
