"""The OpenAPI schema's answers to what every operation may meet, in one place.

drf-spectacular documents what a view says it returns; the refusals that come from the
framework around the view (no or bad credentials, a role that may not, an id that does not
exist, a page past the end, a rate limit) it leaves out. `PortalAutoSchema`
(REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds them to each operation where they can happen, in
the shape api_errors.py and DRF answer them, unless the view documents its own. It also marks
operations open to anonymous callers as such: credentials are then optional.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")


# A 400's body names each field that was refused with its messages (`non_field_errors` for the
# request as a whole); nested fields nest the same way.
INVALID_REQUEST = {
    "type": "object",
    "additionalProperties": True,
    "description": "Field name → list of messages, in the request's language.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before calling again.",
    }
}


def anonymous_may(view, method: str) -> bool:
    """Whether every permission of the view lets an anonymous caller make this call: AllowAny,
    IsAuthenticatedOrReadOnly for reads, or a permission that says so with
    `anonymous_methods` (a collection of HTTP methods)."""
    for permission in view.get_permissions():
        if isinstance(permission, permissions.AllowAny):
            continue
        if isinstance(permission, permissions.IsAuthenticatedOrReadOnly):
            allowed = permissions.SAFE_METHODS
        else:
            allowed = getattr(permission, "anonymous_methods", ())
        if method not in allowed:
            return False
    return True


class PortalAutoSchema(AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        if {} not in auths and anonymous_may(self.view, self.method):
            auths.append({})  # credentials optional: the call works without them
        return auths

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, response in self._framework_responses(operation):
            responses.setdefault(code, response)
        return dict(operation, responses=dict(sorted(responses.items())))

    def _framework_responses(self, operation: dict):
        public = {} in operation.get("security", [])
        parameters = operation.get("parameters", [])
        in_path = any(p["in"] == "path" for p in parameters)
        paged = any(p["in"] == "query" and p["name"] in ("page", "cursor") for p in parameters)
        queried = any(p["in"] == "query" for p in parameters)

        if operation.get("requestBody") or queried:
            yield "400", self._refusal("400", "The request is not valid.", INVALID_REQUEST)
        if operation.get("requestBody"):
            yield "415", self._refusal("415", "The body is not in a media type listed here.")
        yield (
            "401",
            self._refusal(
                "401",
                "Credentials were sent but do not work (unknown, revoked or expired)."
                if public
                else "No credentials, or credentials that do not work.",
            ),
        )
        if not public:
            yield (
                "403",
                self._refusal(
                    "403",
                    "Your role or scope does not allow this (or a session call lacks its "
                    "CSRF token).",
                ),
            )
        if in_path or paged:
            yield (
                "404",
                self._refusal(
                    "404",
                    "Nothing you can see has this address (no such id, or not yours)."
                    if in_path
                    else "The page (or cursor) does not exist.",
                ),
            )
        yield (
            "429",
            self._refusal(
                "429", "Too many calls: wait as long as Retry-After says.", headers=RETRY_AFTER
            ),
        )

    def _refusal(self, code: str, description: str, schema=None, headers=None) -> dict:
        response = self._get_response_for_code(
            OpenApiResponse(schema or RefusalSerializer, description=description), code
        )
        if headers:
            response["headers"] = headers
        return response
