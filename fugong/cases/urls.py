from django.urls import path

from fugong.cases import tip_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("queue/", views.queue, name="queue"),
    path("inbox/", views.inbox, name="inbox"),
    path("overdue/", views.overdue, name="overdue"),
    path("new/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/step/", views.case_step, name="step"),
    path("<int:pk>/extensions/", views.extension_ask, name="extension_ask"),
    path("<int:pk>/extensions/<int:ext>/", views.extension_decide, name="extension_decide"),
    path("<int:pk>/callbacks/", views.callback_log, name="callback"),
    path("<int:pk>/notes/", views.note_add, name="note"),
    path("<int:pk>/files/<int:file_id>/", views.attachment, name="attachment"),
    path("urges/<int:pk>/", views.urge, name="urge"),
    path("common/", views.common_problems, name="common"),
    path("green/", views.green_channels, name="green"),
    path("visits/", views.visit_list, name="visits"),
    path("visits/coverage/", views.visit_coverage, name="coverage"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("visits/<int:pk>/photos/<int:photo>/", views.visit_photo, name="visit_photo"),
    path("common/<int:pk>/", views.common_decide, name="common_decide"),
    path("tips/", tip_views.tip_list, name="tips"),
    path("tips/<int:pk>/", tip_views.tip_detail, name="tip"),
    path("tips/<int:pk>/step/", tip_views.tip_step, name="tip_step"),
    path("tips/<int:pk>/contact/", tip_views.tip_contact, name="tip_contact"),
    path("tips/<int:pk>/photo/", tip_views.tip_photo, name="tip_photo"),
]
