"""`{% guide_section_url %}`: the guide section of the page being rendered (help_link.html)."""

from __future__ import annotations

from django import template

from zhurnal.core import guides

register = template.Library()


@register.simple_tag(takes_context=True)
def guide_section_url(context) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return guides.section_url(match.view_name if match else None) or ""
