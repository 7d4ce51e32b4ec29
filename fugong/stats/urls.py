"""The statistics pages: each part keeps its routes in its own views module."""

from fugong.stats import views_dashboard, views_reporting, views_reports

app_name = "stats"

urlpatterns = [
    *views_dashboard.urlpatterns,
    *views_reporting.urlpatterns,
    *views_reports.urlpatterns,
]
