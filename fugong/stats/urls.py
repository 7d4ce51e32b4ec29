"""The statistics pages: the dashboard (upward reporting and the reports have their own apps,
under the same /stats/ prefix)."""

from fugong.stats import views_dashboard

app_name = "stats"

urlpatterns = views_dashboard.urlpatterns
