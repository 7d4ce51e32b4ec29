from django.urls import path

from fugong.buses import views

app_name = "buses"

urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/edit/", views.batch_edit, name="batch_edit"),
    path("batches/<int:pk>/passengers/", views.passengers_add, name="passengers_add"),
    path("batches/<int:pk>/step/", views.batch_step, name="batch_step"),
    path("batches/<int:pk>/passengers.xlsx", views.passengers_export, name="passengers_export"),
    path("passengers/<int:pk>/remove/", views.passenger_remove, name="passenger_remove"),
    path("commuter/", views.bus_list, name="buses"),
    path("commuter/new/", views.bus_new, name="bus_new"),
    path("commuter/<int:pk>/", views.bus_detail, name="bus"),
    path("commuter/<int:pk>/edit/", views.bus_edit, name="bus_edit"),
    path("commuter/<int:pk>/riders/", views.rider_add, name="rider_add"),
    path("riders/<int:pk>/remove/", views.rider_remove, name="rider_remove"),
    path("commuter/<int:pk>/disinfections/", views.disinfection_add, name="disinfection_add"),
    path("commuter/<int:pk>/ledger/", views.ledger, name="ledger"),
    path("commuter/<int:pk>/ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("commuter/<int:pk>/letters/new/", views.letter_new, name="letter_new"),
    path("letters/", views.letter_list, name="letters"),
    path("letters/rule/", views.letter_rule, name="letter_rule"),
    path("letters/<int:pk>/", views.letter_detail, name="letter"),
    path("letters/<int:pk>/step/", views.letter_step, name="letter_step"),
    path("letters/<int:pk>/letter.pdf", views.letter_download, name="letter_pdf"),
]
