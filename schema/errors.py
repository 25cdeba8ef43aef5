"""How hub errors reach GraphQL clients: ``errors[].extensions {code, source, retryAfter}``.

Upstream failures become field errors next to partial data; anything unexpected is masked so no
secret, upstream URL or raw upstream body can leak into a response.
"""

from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions import MaskErrors, SchemaExtension

from hub.errors import HubError, UpstreamError, UpstreamRateLimited

__all__ = ["PartialErrors", "hub_error", "mask_unexpected"]


def hub_error(exc: HubError, *, path: list[str | int] | None = None) -> GraphQLError:
    extensions: dict[str, object] = {"code": exc.code}
    if isinstance(exc, UpstreamError):
        extensions["source"] = exc.source
    if isinstance(exc, UpstreamRateLimited) and exc.retry_after is not None:
        extensions["retryAfter"] = exc.retry_after
    return GraphQLError(str(exc), path=path, extensions=extensions)


def _should_mask(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, (HubError, GraphQLError))


def mask_unexpected() -> MaskErrors:
    return MaskErrors(should_mask_error=_should_mask, error_message="Internal error; see the hub's log.")


class PartialErrors(SchemaExtension):
    """Adds errors that resolvers recorded while still returning data (a source that failed to
    refresh the list) to the response's ``errors``."""

    def on_execute(self):  # type: ignore[no-untyped-def]
        yield
        result = self.execution_context.result
        context = self.execution_context.context
        extra = getattr(context, "partial_errors", None)
        if result is not None and extra:
            result.errors = [*(result.errors or []), *extra]
