"""Statistical disclosure control for the public figures: complementary suppression.

Hiding a small group's own number is not enough when the site also shows totals and the other groups:
the home page's 7人 minus 阳光社区's 6人 gives 邰东社区's 1人, and its hours the same way. Every published
figure is a sum of *atoms* (the finest parts nobody sees: members per community and star level; hours per
community and team pair; claimed places per post), so a hidden figure can be worked out exactly from the
shown ones precisely when its atoms are a linear combination of theirs (sums, differences, any multiple).
protect() hides more figures (complementary suppression) until no hidden figure with a value is such a
combination of the shown ones.

- Atoms an outsider knows to be empty are left out by the caller (activities of content still to come,
  communities nobody can register with), so "it must be zero" cannot be used against a cell.
- A hidden figure whose true value is 0 needs no protection: it describes nobody. (Nobody can tell it
  from the others by subtraction unless every other hidden figure of its relation is zero too.)
- Figures to hide in addition are chosen so as to lose little: a group's figure before a whole-table
  total, a figure with a value before a zero one (a zero complement protects nothing), a count of people
  at or above `floor` (twice the minimum, so a hidden small group's number cannot be bounded by what
  the complement must at least be) before a smaller one, then the smallest value, then by name.

The check is exact linear algebra over the rationals (fractions, no floating point), on vectors of at
most a few hundred atoms: a public build computes it once per ledger change.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Hashable, Iterable

SHOWN, SMALL, WITHHELD = "shown", "small", "withheld"


@dataclass(frozen=True)
class Cell:
    """One published figure: what it sums (atoms), its true value, and whether it must be hidden itself."""

    key: Hashable
    atoms: frozenset
    value: float
    sensitive: bool  # hidden on its own account (a group below the minimum)
    total: bool = False  # a whole-table total: hidden in addition only when nothing else will do


class Basis:
    """Row-echelon basis of the span of some 0/1 vectors over the rationals (sparse rows)."""

    def __init__(self, vectors: Iterable[frozenset]):
        self.rows: dict[Hashable, dict[Hashable, Fraction]] = {}  # pivot atom -> row with 1 at the pivot
        self.order: dict[Hashable, int] = {}
        for vector in vectors:
            self.add(vector)

    def _rank_of(self, atom: Hashable) -> int:
        if atom not in self.order:
            self.order[atom] = len(self.order)
        return self.order[atom]

    def reduce(self, vector: Iterable) -> dict[Hashable, Fraction]:
        row = {atom: Fraction(1) for atom in vector}
        while True:
            pivots = [atom for atom in row if atom in self.rows]
            if not pivots:
                return row
            pivot = min(pivots, key=self._rank_of)
            factor = row[pivot]
            for atom, value in self.rows[pivot].items():
                updated = row.get(atom, Fraction(0)) - factor * value
                if updated:
                    row[atom] = updated
                else:
                    row.pop(atom, None)

    def add(self, vector: Iterable) -> None:
        row = self.reduce(vector)
        if not row:
            return
        pivot = min(row, key=self._rank_of)
        scale = row[pivot]
        normalised = {atom: value / scale for atom, value in row.items()}
        for other in self.rows.values():  # keep rows reduced at every pivot, so reduce() ends
            if pivot in other:
                factor = other[pivot]
                for atom, value in normalised.items():
                    updated = other.get(atom, Fraction(0)) - factor * value
                    if updated:
                        other[atom] = updated
                    else:
                        other.pop(atom, None)
        self.rows[pivot] = normalised

    def spans(self, vector: Iterable) -> bool:
        return not self.reduce(vector)


def derivable(target: frozenset, shown: Iterable[frozenset]) -> bool:
    """Whether the sum over `target` is a linear combination of the sums over the `shown` vectors."""
    return bool(target) and Basis(shown).spans(target)


def protect(cells: list[Cell], floor: float = 0) -> dict[Hashable, str]:
    """key -> SHOWN, SMALL (hidden on its own account) or WITHHELD (hidden so SMALL ones cannot be worked out)."""
    status = {cell.key: SMALL if cell.sensitive else SHOWN for cell in cells}
    guarded = [cell for cell in cells if cell.sensitive and cell.value and cell.atoms]
    while True:
        shown = [cell for cell in cells if status[cell.key] == SHOWN]
        basis = Basis(cell.atoms for cell in shown)
        exposed = next((cell for cell in guarded if basis.spans(cell.atoms)), None)
        if exposed is None:
            return status
        candidates = sorted(shown, key=lambda c: _preference(c, floor))
        choice = next((c for c in candidates
                       if not derivable(exposed.atoms, (o.atoms for o in shown if o.key != c.key))), candidates[0])
        status[choice.key] = WITHHELD


def _preference(cell: Cell, floor: float) -> tuple:
    return (cell.total, not cell.atoms, cell.value == 0, cell.value < floor, cell.value, repr(cell.key))
