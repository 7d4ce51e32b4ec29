"""The enterprise's own pages (and the human resources bureau's for an enterprise of its
place): new, edit, publish or close, filled so far, the job board setting."""

from django.urls import path

from fugong.vacancies import mine_views

urlpatterns = [
    path("new/", mine_views.vacancy_new, name="new"),
    path("<int:pk>/edit/", mine_views.vacancy_edit, name="edit"),
    path("<int:pk>/status/", mine_views.vacancy_status, name="status"),
    path("<int:pk>/filled/", mine_views.vacancy_fill, name="fill"),
    path("board/", mine_views.board_setting, name="setting"),
]
