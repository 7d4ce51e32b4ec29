from django.urls import path

from fugong.core import views

app_name = "core"

urlpatterns = [
    path("work/", views.my_work, name="my_work"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path(
        "history/<str:app_label>/<str:model_name>/<int:pk>/", views.object_history, name="history"
    ),
]
