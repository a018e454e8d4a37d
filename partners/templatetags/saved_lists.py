"""{% save_to_list product %}: the form that puts a product into one of the member's saved lists.

Shown to partner members only (nothing for anyone else). It offers every list the member may
add to: their own, and their colleagues' shared lists (shared lists are collaborative: colleagues
add products, the owner alone renames, shares or deletes). Lists that hold the product already
are named above the form and cannot be chosen again; a new list can be made on the spot. One
query, whatever the number of lists.
"""

from django import template

from partners.portal.list_views import save_form_context

register = template.Library()


@register.inclusion_tag("partners/_save_to_list.html", takes_context=True)
def save_to_list(context, product):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if product is None or not user or not getattr(user, "is_authenticated", False):
        return {"show": False}
    next_url = request.get_full_path() if request is not None else ""
    return save_form_context(user, product, next_url=next_url)
