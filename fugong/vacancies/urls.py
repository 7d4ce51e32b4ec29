"""The vacancy pages (``office_urls`` and ``mine_urls``) in one namespace."""

from fugong.vacancies import mine_urls, office_urls

app_name = "vacancies"
urlpatterns = [*office_urls.urlpatterns, *mine_urls.urlpatterns]
