from django.apps import AppConfig

from fugong.core import registry


class DemoConfig(AppConfig):
    """The demo county: the top composition layer, which may import every app. Its steps come
    from the apps (``registry.add_demo_step``); this app only runs them (``seed_demo``)."""

    name = "fugong.demo"
    label = "demo"

    def ready(self) -> None:
        registry.add_demo_step("users", lambda b: b.build_users(), after=("offices", "routes"))
