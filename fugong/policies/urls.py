"""The policies pages: the office's (``office_urls``: catalog, articles, eligible lists,
claims, ledger) and the enterprise's (``mine_urls``: its benefits and why, its facts, its
claims), in one namespace."""

from fugong.policies import mine_urls, office_urls

app_name = "policies"
urlpatterns = [*office_urls.urlpatterns, *mine_urls.urlpatterns]
