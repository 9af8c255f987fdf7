"""The API's errors: every one is JSON, `{"error": {"code", "message", "details"}}`,
with a `code` a storefront can branch on (it never changes; the message may).

Domain errors from the apps below are mapped here: a NotFound (another store's
object is the same as none) is a 404 with its own code, a Django
ValidationError is a 422, a body over the size limit a 413.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from catalog.errors import CategoryNotFound, NotFound, ProductNotFound

logger = logging.getLogger(__name__)


class ErrorBody(Schema):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorOut(Schema):
    error: ErrorBody


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


# What each status means across the API (for the OpenAPI document).
ERROR_DESCRIPTIONS = {
    400: "The body is not JSON (`malformed_body`).",
    401: "No API key, or an unknown or revoked one (`unauthorized`).",
    403: "The key lacks the scope this endpoint needs (`insufficient_scope`).",
    404: "Not in this store (`shopper_not_found`, `product_not_found`, `category_not_found`, "
         "`question_not_found`): another store's objects are never shown.",
    413: "More than 1,000 events, or a body over the size limit (`batch_too_large`, `payload_too_large`).",
    422: "The request does not match the schema (`invalid_request`; `details` says where).",
    429: "Too many requests for this key (`rate_limited`); wait the seconds of `Retry-After`.",
}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """Response declarations of the error statuses an endpoint can answer."""
    return {status: ErrorOut for status in (401, 429, 422, *statuses)}


def not_found_code(exc: NotFound) -> str:
    for kind, code in ((ProductNotFound, "product_not_found"), (CategoryNotFound, "category_not_found")):
        if isinstance(exc, kind):
            return code
    # ShopperNotFound, QuestionNotFound...: from the class name, so a new domain error needs no entry here.
    name = type(exc).__name__
    if name.endswith("NotFound") and name != "NotFound":
        stem = name[: -len("NotFound")]
        return "".join(f"_{c.lower()}" if c.isupper() else c for c in stem).lstrip("_") + "_not_found"
    return "not_found"


def error_response(api: NinjaAPI, request: HttpRequest, *, status: int, code: str, message: str,
                   details: list[dict] | None = None) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return api.create_response(request, body, status=status)


def _validation_details(errors_list: list[dict]) -> list[dict]:
    """Location, message and type of each problem: JSON-safe (pydantic's own
    error dicts can carry exception objects)."""
    return [{"loc": [str(part) for part in error.get("loc", ())], "msg": str(error.get("msg", "")),
             "type": str(error.get("type", ""))} for error in errors_list]


def install_handlers(api: NinjaAPI) -> None:
    def handle_api_error(request, exc: ApiError):
        return error_response(api, request, status=exc.status, code=exc.code, message=exc.message,
                              details=exc.details)

    def handle_auth(request, exc: AuthenticationError):
        response = error_response(api, request, status=401, code="unauthorized",
                                  message="Send a store API key: Authorization: Bearer <key>.")
        response["WWW-Authenticate"] = "Bearer"
        return response

    def handle_throttled(request, exc: Throttled):
        return error_response(api, request, status=429, code="rate_limited",
                              message="Too many requests for this API key; retry after the Retry-After seconds.")

    def handle_http_error(request, exc: HttpError):
        # ninja's own: 400 for a body that is not JSON.
        code = "malformed_body" if exc.status_code == 400 else "http_error"
        return error_response(api, request, status=exc.status_code, code=code, message=str(exc))

    def handle_validation(request, exc: ValidationError):
        return error_response(api, request, status=422, code="invalid_request",
                              message="The request does not match the API's schema.",
                              details=_validation_details(exc.errors))

    def handle_domain_validation(request, exc: DjangoValidationError):
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        details = [{"loc": [field] if field else [], "msg": message, "type": "invalid"}
                   for field, field_messages in messages.items() for message in field_messages]
        return error_response(api, request, status=422, code="invalid_request",
                              message=details[0]["msg"] if details else "Invalid request.", details=details)

    def handle_not_found(request, exc: NotFound):
        return error_response(api, request, status=404, code=not_found_code(exc), message=str(exc) or "Not found.")

    def handle_http404(request, exc: Http404):
        return error_response(api, request, status=404, code="not_found", message="Not found.")

    def handle_too_big(request, exc: RequestDataTooBig):
        return error_response(api, request, status=413, code="payload_too_large",
                              message="The request body is larger than the API accepts.")

    def handle_denied(request, exc: PermissionDenied):
        return error_response(api, request, status=403, code="forbidden", message=str(exc) or "Forbidden.")

    for kind, handler in (
        (ApiError, handle_api_error), (AuthenticationError, handle_auth), (Throttled, handle_throttled),
        (HttpError, handle_http_error), (ValidationError, handle_validation),
        (DjangoValidationError, handle_domain_validation), (NotFound, handle_not_found),
        (Http404, handle_http404), (RequestDataTooBig, handle_too_big), (PermissionDenied, handle_denied),
    ):
        api.add_exception_handler(kind, handler)
