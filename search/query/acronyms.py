"""The learned acronym table (:mod:`index.acronyms`) as the compiler reads it:
each acronym's long form in the index's exact words, and back.

A query word that is a learned acronym (*KPK*) also matches its long form
written out (*Komisi Pemberantasan Korupsi*), and a long form typed in full
also matches the acronym: one token either way, scored as one word, as
spelling variants are.

A pair defined consistently in a few articles may still not be what the
acronym means in the corpus: a name's initials (*Firli Bahuri (FB)*, while
*FB* elsewhere is Facebook and the name is written without them), or an
acronym that is also a word (*TIM*, *API*, *LIMA*: the index folds case).
So each pair must also go together where the corpus writes either side:
the articles writing both, over the geometric mean of those writing the
acronym and those writing the long form (Ochiai's coefficient, the cosine of
the two sides' article sets), at least ``MIN_ASSOCIATION``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from index.acronyms import Acronym

MIN_LONG_WORDS = 2
# Ochiai's coefficient of the two sides' articles that a pair needs. On the
# 2019 corpus: TNI (634 articles, the long form in 24, both in 23) 0.19; UU
# (1,774, 72, 34) 0.095; Firli Bahuri's FB (13, 197, 3) 0.06; PT for Pengadilan
# Tinggi (1,719, 46, 9; PT is mostly Perseroan Terbatas) 0.03; TIM, the word
# "team" (3,358, 13, 6) 0.03. 12 of 715 pairs fall below it.
MIN_ASSOCIATION = 0.09


@dataclass(frozen=True)
class Usage:
    """How many articles write the acronym, its long form, and both."""

    acronym: int
    long_form: int
    both: int

    @property
    def association(self) -> float:
        """Ochiai's coefficient: 1 when the two always go together, 0 when never."""
        return self.both / math.sqrt(self.acronym * self.long_form) if self.acronym and self.long_form else 0.0


# (the acronym's exact term, the long form's exact terms with "_" for a stopword) -> its usage
UsageOf = Callable[[str, tuple[str, ...]], Usage]


@dataclass(frozen=True)
class AcronymMap:
    """``long_forms``: acronym (its exact term) -> the long form's exact terms,
    ``_`` where a stopword stands; ``acronyms``: those terms -> the acronym."""

    long_forms: dict[str, tuple[str, ...]] = field(default_factory=dict)
    acronyms: dict[tuple[str, ...], str] = field(default_factory=dict)
    version: int = 0  # what compiled plans are remembered under (the index generation)

    @classmethod
    def of(
        cls,
        table: Iterable[Acronym],
        exact_positions: Callable[[str], list[tuple[str, int]]],
        version: int = 0,
        usage: UsageOf | None = None,
    ) -> AcronymMap:
        """From the table, reading each side with the index's exact analysis
        (``exact_positions(text)``: its terms with their positions); with
        ``usage`` (the index's counts), only the pairs whose sides go together
        (``MIN_ASSOCIATION``)."""
        long_forms: dict[str, tuple[str, ...]] = {}
        for entry in table:
            short = [t for t, _ in exact_positions(entry.acronym)]
            words = exact_positions(entry.long_form)
            if len(short) != 1 or len(words) < MIN_LONG_WORDS or short[0] in long_forms:
                continue
            spaced: list[str] = []
            for (term, pos), following in zip(words, [*words[1:], None]):
                spaced.append(term)
                if following is not None:
                    spaced += ["_"] * (following[1] - pos - 1)
            if usage is not None and usage(short[0], tuple(spaced)).association < MIN_ASSOCIATION:
                continue
            long_forms[short[0]] = tuple(spaced)
        acronyms = {tuple(w for w in words if w != "_"): short for short, words in long_forms.items()}
        return cls(long_forms, acronyms, version)

    def __hash__(self) -> int:
        return hash(self.version)

    def longest_at(self, words: list[str | None], start: int) -> tuple[int, str] | None:
        """The longest run of ``words`` from ``start`` that is a long form:
        (its length, the acronym). Each word is its exact term, "" for a
        stopword, None for what is not a plain word."""
        best = None
        if not words[start]:
            return None
        for end in range(start + MIN_LONG_WORDS, len(words) + 1):
            run = words[start:end]
            if None in run:
                break
            acronym = self.acronyms.get(tuple(w for w in run if w))
            if acronym:
                best = (end - start, acronym)
        return best


NO_ACRONYMS = AcronymMap()
