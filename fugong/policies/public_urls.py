"""The published policies, without login (/open/policies/)."""

app_name = "policies_public"
urlpatterns: list = []
