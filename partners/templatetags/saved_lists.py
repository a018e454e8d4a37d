"""{% save_to_list product %}: the form that puts a product into one of the member's saved lists
(filled in by the saved-lists part of the partner portal)."""

from django import template

register = template.Library()


@register.inclusion_tag("partners/_save_to_list.html", takes_context=True)
def save_to_list(context, product):
    return {"product": product, "request": context.get("request")}
