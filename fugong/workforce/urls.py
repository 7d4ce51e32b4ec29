from django.urls import path

from fugong.workforce import views

app_name = "workforce"

urlpatterns = [
    path("", views.roster, name="roster"),
    path("new/", views.employee_new, name="employee_new"),
    path("<int:pk>/", views.employee_edit, name="employee_edit"),
]
