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
        from .second_factor import on_sign_in, second_factor_section

        user_logged_in.connect(mark_session_fresh, dispatch_uid="zhurnal_session_fresh")
        user_logged_in.connect(on_sign_in, dispatch_uid="zhurnal_second_factor")
        sections.register(sections.STAFF_CARD, roles_section)
        sections.register(sections.STAFF_CARD, second_factor_section)
