from django.conf import settings
from django.http import HttpRequest

from fugong.core import registry
from fugong.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"platform_name": settings.FUGONG_SITE_NAME, "menu": []}
    roles = registry.hook("user_roles")(user)
    return {
        "platform_name": settings.FUGONG_SITE_NAME,
        "menu": menu_for(roles),
        "top_bar": registry.top_bar(),
        "user_roles": roles,
        "user_primary_role": registry.hook("primary_role")(user),
    }
