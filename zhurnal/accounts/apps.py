from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "zhurnal.accounts"
    label = "accounts"

    def ready(self) -> None:
        # At start-up, once every app is loaded (AppConfig.ready): what this app registers.
        from django.contrib.auth.signals import user_logged_in

        from zhurnal.school import sections

        from .middleware import mark_session_fresh
        from .roles import roles_section

        user_logged_in.connect(mark_session_fresh, dispatch_uid="zhurnal_session_fresh")
        sections.register(sections.STAFF_CARD, roles_section)
