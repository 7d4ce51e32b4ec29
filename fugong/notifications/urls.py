from django.urls import path

from fugong.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.message_open, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("badge/", views.badge, name="badge"),
    path("preferences/", views.preferences, name="preferences"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("setup/", views.setup_page, name="setup"),
    path(
        "setup/subscriptions/<int:pk>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path("setup/robots/new/", views.robot_edit, name="robot_new"),
    path("setup/robots/<int:pk>/", views.robot_edit, name="robot"),
    path("setup/robots/<int:pk>/test/", views.robot_test, name="robot_test"),
    path("setup/robots/<int:pk>/log/", views.robot_log, name="robot_log"),
    path("setup/robots/<int:pk>/delete/", views.robot_delete, name="robot_delete"),
    path("setup/groups/new/", views.group_edit, name="group_new"),
    path("setup/groups/<int:pk>/", views.group_edit, name="group"),
    path("setup/groups/<int:pk>/delete/", views.group_delete, name="group_delete"),
]
