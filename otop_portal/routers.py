"""The router of every app's API: ids are whole numbers in the address itself.

Routes are Django path routes. A viewset addressed by its primary key gets the `int` converter,
so `/products/0.5/` or `/referrals/abc/` matches no route and answers the JSON 404 of
otop_portal.api_errors, and the schema types its `id` as an integer. Viewsets addressed by a
code keep the `str` converter (or their own `lookup_value_converter`).
"""

from rest_framework.routers import SimpleRouter


class ApiRouter(SimpleRouter):
    def __init__(self, **kwargs):
        super().__init__(use_regex_path=False, **kwargs)

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        by_id = getattr(viewset, "lookup_field", "pk") == "pk"
        if by_id and not hasattr(viewset, "lookup_value_converter"):
            name = getattr(viewset, "lookup_url_kwarg", None) or "pk"
            return f"<int:{lookup_prefix}{name}>"
        return super().get_lookup_regex(viewset, lookup_prefix)
