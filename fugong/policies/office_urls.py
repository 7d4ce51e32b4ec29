"""Filled in by the pages of issue 16."""

urlpatterns: list = []
