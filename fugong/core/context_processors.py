from django.conf import settings
from django.http import HttpRequest

from fugong.core.navigation import menu_for


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"platform_name": settings.FUGONG_SITE_NAME, "menu": []}
    from fugong.accounts.selectors import primary_role, user_roles

    roles = user_roles(user)
    return {
        "platform_name": settings.FUGONG_SITE_NAME,
        "menu": menu_for(roles),
        "user_roles": roles,
        "user_primary_role": primary_role(user),
    }
