from django.urls import include, path

from fugong.inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("plan/", views.plan, name="plan"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/fill/", views.fill, name="fill"),
    path("<int:pk>/draft/", views.save_draft, name="draft"),
    path("<int:pk>/step/<str:action>/", views.step, name="step"),
    path("<int:pk>/stop/", views.stop_new, name="stop_new"),
    path("answers/<int:pk>/photo/", views.answer_photo, name="answer_photo"),
    path("orders/", views.order_list, name="orders"),
    path("orders/<int:pk>/", views.order_detail, name="order"),
    path("stops/<int:pk>/", views.stop_detail, name="stop"),
    path("draws/", include("fugong.inspections.draw_urls")),
]
