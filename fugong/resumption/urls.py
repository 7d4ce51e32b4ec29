from django.urls import path

from fugong.resumption import views

app_name = "resumption"

urlpatterns = [
    path("", views.filing_list, name="list"),
    path("new/", views.filing_create, name="create"),
    path("group/new/", views.group_create, name="group_create"),
    path("queue/", views.review_queue, name="queue"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/policy/", views.settings_policy, name="settings_policy"),
    path("settings/rules/<slug:code>/", views.settings_rule, name="settings_rule"),
    path("<int:pk>/", views.filing_detail, name="detail"),
    path("<int:pk>/edit/", views.filing_edit, name="edit"),
    path("<int:pk>/submit/", views.filing_submit, name="submit"),
    path("<int:pk>/action/<slug:action>/", views.filing_action, name="action"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attach"),
    path("<int:pk>/schedule/", views.acceptance_schedule, name="schedule"),
    path("<int:pk>/acceptance/", views.acceptance_record, name="acceptance"),
    path("<int:pk>/resumed/", views.confirm_resumption, name="resumed"),
    path("<int:pk>/notice.pdf", views.notice_download, name="notice"),
    path("<int:pk>/notice/revoke/", views.notice_revoke, name="notice_revoke"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment_remove"),
    path("photos/<int:pk>/", views.answer_photo, name="photo"),
]
