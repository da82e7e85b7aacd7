from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .backends import is_underage_student_only


class LoginForm(AuthenticationForm):
    """The standard form with a clear message for students below the school's login age."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "underage": _(
            "Students get their own access from the age set by the school. "
            "Your parents can see your diary."
        ),
    }

    def get_invalid_login_error(self):
        from django.contrib.auth import get_user_model

        username = self.cleaned_data.get("username")
        user = get_user_model().objects.filter(username=username).first()
        if (
            user is not None
            and user.check_password(self.cleaned_data.get("password") or "")
            and is_underage_student_only(user)
        ):
            return forms.ValidationError(self.error_messages["underage"], code="underage")
        return super().get_invalid_login_error()
