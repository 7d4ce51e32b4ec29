"""Cells of counts that add up (a place's row plus its children's is the total)."""

from __future__ import annotations

from typing import ClassVar, Self


class Counts:
    """Mixed into a dataclass of numbers; ``NAMES`` lists them, in the order the API and the
    reports list them."""

    NAMES: ClassVar[tuple[str, ...]] = ()

    def add(self, other: Self) -> Self:
        for name in self.NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def empty(self) -> bool:
        return not any(getattr(self, name) for name in self.NAMES)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.NAMES}
