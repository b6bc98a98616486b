"""A name -> function table for the worker's algorithms (advantages, policy losses, KL, ...).

Stages pick an algorithm by the name written in their spec; an unknown name is an error that
lists the valid ones, so a typo in a manifest fails at start-up, not mid-run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

F = TypeVar("F", bound=Callable)


class Registry(Generic[F]):
    """Name -> function table, filled by the `register` decorator; `get` raises on unknown names."""

    def __init__(self, kind: str):
        self.kind = kind  # what the names name, for error messages ("advantage estimator")
        self._table: dict[str, F] = {}

    def register(self, name: str) -> Callable[[F], F]:
        def decorator(fn: F) -> F:
            if name in self._table and self._table[name] is not fn:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._table[name] = fn
            return fn

        return decorator

    def get(self, name: str) -> F:
        try:
            return self._table[name]
        except KeyError:
            valid = ", ".join(sorted(self._table))
            raise ValueError(f"unknown {self.kind} {name!r}; valid names: {valid}") from None

    def __getitem__(self, name: str) -> F:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._table

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {sorted(self._table)})"
