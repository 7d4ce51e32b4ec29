"""Upward reporting's pages, under /stats/ like the dashboard."""

from fugong.reporting.views import urlpatterns as urlpatterns

app_name = "reporting"
