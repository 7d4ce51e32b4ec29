from django.conf import settings
from django.http import HttpRequest

from fugong.core import registry
from fugong.core.navigation import menu_active, menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"platform_name": settings.FUGONG_SITE_NAME, "menu": []}
    roles = registry.hook("user_roles")(user)
    menu = menu_for(roles)
    return {
        "platform_name": settings.FUGONG_SITE_NAME,
        "menu": menu,
        "menu_active": menu_active(menu, request.path),
        "top_bar": registry.top_bar(),
        "user_roles": roles,
        "user_primary_role": registry.hook("primary_role")(user),
    }
