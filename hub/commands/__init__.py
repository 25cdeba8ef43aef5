"""Write commands: quote and order workflows run exactly once through the outbox.

>>> quotes = QuoteCommands(store.outbox, qbo, notion, orders_ds, pipeline_ds)  # doctest: +SKIP
>>> await quotes.accept_quote("k-7", estimate_id="204")  # doctest: +SKIP
"""

from __future__ import annotations

from hub.commands.errors import CommandFailed, CommandInProgress, CommandValidationError
from hub.commands.quote_steps import ProposalMaker
from hub.commands.quotes import KINDS, QuoteCommands
from hub.commands.runner import (
    CommandResult,
    CommandRunner,
    Step,
    StepContext,
    StepOutput,
    derive_hub_key,
    derive_request_id,
)
from hub.commands.validate import QuoteLine

__all__ = [
    "KINDS",
    "CommandFailed",
    "CommandInProgress",
    "CommandResult",
    "CommandRunner",
    "CommandValidationError",
    "ProposalMaker",
    "QuoteCommands",
    "QuoteLine",
    "Step",
    "StepContext",
    "StepOutput",
    "derive_hub_key",
    "derive_request_id",
]
