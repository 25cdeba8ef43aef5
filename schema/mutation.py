"""Mutation root: identity overrides. Results are unions with typed errors."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.errors import ConfigError
from schema.ids import from_global_id
from schema.types import Customer, SourceSystem

__all__ = ["Mutation"]


@strawberry.type
class CustomerLinked:
    customer: Customer


@strawberry.type
class UserError:
    code: str
    message: str


LinkResult = Annotated[CustomerLinked | UserError, strawberry.union("LinkResult")]


async def _linked(info: Info, entity_id: str) -> CustomerLinked | UserError:
    view = await info.context.loaders.customer.load(entity_id)
    if view is None:
        return UserError(code="NOT_FOUND", message=f"no customer {entity_id!r}")
    return CustomerLinked(customer=Customer.of(view))


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Override identity: this source record belongs to that customer.")
    async def link_customer_source(
        self, info: Info, customer_id: strawberry.ID, system: SourceSystem, external_id: str
    ) -> LinkResult:
        try:
            type_name, entity_id = from_global_id(customer_id)
        except ValueError as exc:
            return UserError(code="BAD_USER_INPUT", message=str(exc))
        if type_name != "Customer":
            return UserError(code="BAD_USER_INPUT", message=f"{customer_id} is not a Customer id")
        try:
            new_id = await info.context.hub.directory.link(entity_id, system.value, external_id)
        except ConfigError as exc:
            return UserError(code="NOT_FOUND", message=str(exc))
        return await _linked(info, new_id)

    @strawberry.mutation(description="Override identity: this source record is a customer of its own.")
    async def unlink_customer_source(self, info: Info, system: SourceSystem, external_id: str) -> LinkResult:
        try:
            new_id = await info.context.hub.directory.unlink(system.value, external_id)
        except ConfigError as exc:
            return UserError(code="BAD_USER_INPUT", message=str(exc))
        return await _linked(info, new_id)
