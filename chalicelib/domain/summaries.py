"""What a summary for elected officials is made of: masked opinions in, a few sentences out
that name the opinions they rest on and the engine that wrote them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QuotedText:
    """An opinion as a summary may read it: its id and its masked text, nothing else."""

    id: str
    text: str


@dataclass(frozen=True)
class Summary:
    """`text` rests on `quotes` (ids of the opinions it cites, in the order it cites them);
    `cost_usd` is what the engine billed for it, None for a local engine."""

    text: str
    quotes: tuple[str, ...]
    engine: str
    cost_usd: float | None = None

    @property
    def empty(self) -> bool:
        return not self.quotes
