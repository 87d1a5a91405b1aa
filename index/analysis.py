"""Indonesian text analysis for news, as a Whoosh tokenizer/filter chain.

Whoosh pickles analyzers into the index schema, so every component here is a
module-level class that holds its own settings: the stem filters carry their
word lists and make their PyStemmer object (which cannot be pickled) again
after unpickling, as Whoosh's own ``StemFilter`` does.

The two chains, built by :class:`Analysis`::

    exact   = IndonesianTokenizer() | FoldFilter() | ReduplicationFilter()
              | StopFilter(TALA_STOPWORDS)
    stemmed = exact | IndonesianStemFilter()

are used both when indexing and when parsing queries, so a query word meets
the terms its article was indexed under.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from whoosh.analysis import CompositeAnalyzer, Filter, StopFilter, Token, Tokenizer

# An acronym written with dots (K.P.K.), a word possibly joined by hyphens
# (anak-anak, tarik-menarik, covid-19), or a number with Indonesian separators
# (1.000.000, 3,5).  Letters are tried before digits so "covid-19" stays whole.
TOKEN_PATTERN = re.compile(
    r"(?:[^\W\d_]\.){2,}(?![^\W\d_])"
    r"|[^\W\d_][^\W_]*(?:-[^\W_]+)*"
    r"|\d+(?:[.,]\d+)*(?:-[^\W_]+)*",
    re.UNICODE,
)
THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
PARTICLES = ("nya", "lah", "kah", "pun", "tah", "ku", "mu")
# What Snowball strips before anything else: a particle, then a possessive.
# News rarely writes -ku/-mu ("my", "your"), yet roots end in them (laku), and
# in -nya (tanya, punya) or -lah/-kah (sekolah, nikah).
SNOWBALL_CLITICS = ("lah", "kah", "pun", "ku", "mu", "nya")


def _data_lines(name: str) -> list[str]:
    text = resources.files("index").joinpath("data", name).read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


TALA_STOPWORDS: frozenset[str] = frozenset(_data_lines("stopwords-id.txt"))
# The stopwords in more than a tenth of the articles (bench/analysis_audit.py):
# the only ones a query drops, and only beside other words (see search.query).
FREQUENT_STOPWORDS: frozenset[str] = frozenset(_data_lines("stopwords-frequent.txt"))

# meN-/peN- with their nasal: menusuk, meminta, mengambil, penyapu, pemakan.
NASAL_PREFIX = re.compile(r"^(?:me|pe)(ny|ng|n|m)")
# Words a stem filter remembers (Whoosh's StemFilter bounds its cache the same way).
STEM_CACHE = 200_000


# What a word's prefix is, for repairs keyed by it: meN-/peN- by their nasal
# (as the recoding table is), else the plain prefixes, longest first.
PLAIN_PREFIXES = ("ter", "per", "ber", "me", "pe", "be", "di", "ke", "se")


def word_prefix(word: str) -> str:
    """The prefix a repair is keyed by: "ng", "n", "m", "ny" for meN-/peN-
    (mengatakan, menata), "ter", "per", "di", ... or "" for none."""
    nasal = NASAL_PREFIX.match(word)
    if nasal:
        return nasal.group(1)
    for prefix in PLAIN_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 2:
            return prefix
    return ""


def recodings(nasal: str, stem_text: str) -> list[str]:
    """Roots a meN-/peN- word with this nasal may come from, given its Snowball
    stem. Snowball already restores p after mem- and s after meny-; it drops
    the t after men- (menusuk -> usuk) and the k after meng- (mengirim -> irim),
    and cannot know an m- or n-initial root (meminta -> pinta, menanti -> anti)."""
    if nasal == "n":
        return ["t" + stem_text, "n" + stem_text]
    if nasal == "ng":
        return ["k" + stem_text]
    if nasal == "m" and stem_text.startswith("p"):
        return ["m" + stem_text[1:]]
    return []


# Bumped when the chain itself changes (issue 27: stopwords indexed, names left
# whole, prefix-keyed repairs, hyphenated parts at consecutive positions).
ANALYSIS_VERSION = "issue-27"


def _rules_fingerprint() -> str:
    """A digest of the word lists the stemmed analysis depends on. Indexes
    record it, because a query stemmed under other rules than its index
    silently misses (masalah was indexed as "masa" before it was protected)."""
    digest = hashlib.sha256()
    for name in (
        "stem-protect.txt",
        "stopwords-id.txt",
        "stem-recode.txt",
        "spelling-variants.txt",
        "names.txt",
        "stopwords-frequent.txt",
    ):
        digest.update(resources.files("index").joinpath("data", name).read_bytes())
    digest.update(ANALYSIS_VERSION.encode())
    return digest.hexdigest()[:12]


STEM_RULES = _rules_fingerprint()


class StemLists(NamedTuple):
    """The word lists of the protected stemmer: roots Snowball must not cut,
    repairs of its output (mangled stem -> root), the meN-/peN- recoding
    ((nasal, Snowball stem) -> root), spelling variants (non-standard word
    -> standard word), repairs keyed by the word's prefix ((prefix, Snowball
    stem) -> root: ter- asa -> rasa while asa stays) and names left whole."""

    protected: frozenset[str]
    repairs: dict[str, str]
    recode: dict[tuple[str, str], str]
    spellings: dict[str, str]
    prefixed: dict[tuple[str, str], str] = {}
    names: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def shipped_stem_lists() -> StemLists:
    """The lists in index/data, read once (every default filter shares them)."""
    roots: set[str] = set()
    repairs: dict[str, str] = {}
    prefixed: dict[tuple[str, str], str] = {}
    for line in _data_lines("stem-protect.txt"):
        if ">" in line:
            mangled, fixed = (part.strip() for part in line.split(">", 1))
            if ":" in mangled:
                prefix, mangled = (part.strip() for part in mangled.split(":", 1))
                prefixed[(prefix, mangled)] = fixed
            else:
                repairs[mangled] = fixed
        else:
            roots.add(line)
    recode: dict[tuple[str, str], str] = {}
    for line in _data_lines("stem-recode.txt"):
        left, root = (part.strip() for part in line.split("#", 1)[0].split(">", 1))
        nasal, mangled = left.split()
        recode[(nasal, mangled)] = root
    spellings: dict[str, str] = {}
    for line in _data_lines("spelling-variants.txt"):
        variant, standard = (part.strip() for part in line.split("#", 1)[0].split(">", 1))
        spellings[variant] = standard
    names = frozenset(_data_lines("names.txt"))
    return StemLists(frozenset(roots), repairs, recode, spellings, prefixed, names)


def fold(text: str) -> str:
    """Lower-case and strip accents (é -> e); ASCII takes the fast path.
    Lower-cased again after the compatibility decomposition, which can yield
    capitals (mathematical and circled letters: 𝕊 -> S -> s)."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text).lower()
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def is_vocabulary_word(term: str) -> bool:
    """Whether an indexed term is a word of its field's vocabulary, the one
    autocomplete and did-you-mean read: alphabetic, two letters or more."""
    return term.isalpha() and len(term) > 1


def fold_token(text: str) -> str:
    """One token as the index holds it before stemming: folded, a dotted
    acronym without dots (K.P.K. -> kpk), thousands separators gone
    (1.000.000 -> 1000000)."""
    text = fold(text)
    if "." in text:
        if text[0].isdigit():
            if THOUSANDS.fullmatch(text):
                text = text.replace(".", "")
        else:
            text = text.replace(".", "")
    return text


class IndonesianTokenizer(Tokenizer):
    """Splits news text into words, hyphenated compounds, acronyms and numbers."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            t.pos, t.startchar, t.endchar = start_pos, start_char, start_char + len(value)
            yield t
            return
        for pos, match in enumerate(TOKEN_PATTERN.finditer(value), start_pos):
            t.text = match.group(0)
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            t.pos = pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            yield t


class FoldFilter(Filter):
    """Case and accent folding; dotted acronyms lose their dots (K.P.K. -> kpk)
    and Indonesian thousands separators go (1.000.000 -> 1000000)."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            t.text = fold_token(t.text)
            yield t


class ReduplicationFilter(Filter):
    """Keeps a hyphenated word whole and, when indexing, also its parts: "anak-anak"
    is found by "anak" and "anak-anak" alike, while a query for "anak-anak" asks
    only for the whole form. With ``consecutive`` the distinct parts stand at
    consecutive positions (the whole at the first), so "pro-kontra" stands
    where "pro kontra" would and a phrase or proximity over the parts fires;
    the words after it move on by as many positions, in queries too."""

    def __init__(self, consecutive: bool = False):
        self.consecutive = consecutive

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__ and getattr(other, "consecutive", False) == self.consecutive

    def __setstate__(self, state: dict) -> None:
        state.setdefault("consecutive", False)  # pickled before issue 27: parts at one position
        self.__dict__.update(state)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        shift = 0
        consecutive = getattr(self, "consecutive", False)
        for t in tokens:
            if shift and getattr(t, "positions", False):
                t.pos += shift
            if "-" not in t.text:
                yield t
                continue
            whole, start = t.text, getattr(t, "startchar", None)
            parts = list(dict.fromkeys(part for part in whole.split("-") if part))
            if consecutive and len(parts) > 1:
                shift += len(parts) - 1
            if t.mode == "query":
                yield t
                continue
            pos = t.pos if getattr(t, "positions", False) else None
            yield t
            offset = 0
            seen: set[str] = set()
            for part in whole.split("-"):
                if part and part not in seen:
                    if consecutive and pos is not None:
                        t.pos = pos + len(seen)
                    seen.add(part)
                    t.text = part
                    t.stopped = False
                    if start is not None:
                        t.startchar = start + offset
                        t.endchar = t.startchar + len(part)
                    yield t
                offset += len(part) + 1


class PlainStemFilter(Filter):
    """Snowball's Indonesian stemmer without repairs: a baseline for evaluation,
    and the machinery the protected stemmer shares. Compounds and numbers are
    left as they are.

    Like Whoosh's ``StemFilter`` it keeps its settings on itself and pickles
    only those (the public attributes): the PyStemmer object (which cannot be
    pickled) is made on first use, and the bounded per-word memo is made again
    after unpickling."""

    def __init__(self, cachesize: int = STEM_CACHE):
        self.cachesize = cachesize
        self._attach()

    def _attach(self) -> None:
        self._snowball = None
        self._memo = lru_cache(maxsize=self.cachesize)(self._stem)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict) -> None:
        state.setdefault("cachesize", STEM_CACHE)  # pickled before the filter held it
        self.__dict__.update(state)
        self._attach()

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__ and self.__getstate__() == other.__getstate__()

    def snowball(self, word: str) -> str:
        """The plain Snowball (Tala) stem, not remembered."""
        stemmer = self._snowball
        if stemmer is None:
            import Stemmer  # PyStemmer

            stemmer = self._snowball = Stemmer.Stemmer("indonesian")
        return stemmer.stemWord(word)

    def _stem(self, word: str) -> str:
        return self.snowball(word)

    def stem(self, word: str) -> str:
        """One folded word's stem, remembered."""
        return self._memo(word)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        memo = self._memo
        for t in tokens:
            text = t.text
            if text.isalpha():
                t.text = memo(text)
            yield t


class IndonesianStemFilter(PlainStemFilter):
    """Snowball's Indonesian stemmer with protected roots, repairs, the
    meN-/peN- recoding and spelling variants, all held by the filter (the shipped lists of
    index/data unless others are given), so a pickled schema stems with the
    lists it was built with. ``rules`` names those lists: it is pickled with
    the schema and says which version of them an index was built with."""

    def __init__(
        self,
        protected: Iterable[str] | None = None,
        repairs: Mapping[str, str] | None = None,
        recode: Mapping[tuple[str, str], str] | None = None,
        cachesize: int = STEM_CACHE,
        spellings: Mapping[str, str] | None = None,
        prefixed: Mapping[tuple[str, str], str] | None = None,
        names: Iterable[str] | None = None,
        stopword_roots: bool = True,
    ):
        shipped = shipped_stem_lists()
        self.protected = shipped.protected if protected is None else frozenset(protected)
        self.repairs = shipped.repairs if repairs is None else dict(repairs)
        self.recode = shipped.recode if recode is None else dict(recode)
        self.spellings = shipped.spellings if spellings is None else dict(spellings)
        self.prefixed = shipped.prefixed if prefixed is None else dict(prefixed)
        self.names = shipped.names if names is None else frozenset(names)
        # A derived form whose root is a stopword keeps its own form
        # (pengadaan, diadakan: not the near-weightless "ada").
        self.stopword_roots = stopword_roots
        own = StemLists(self.protected, self.repairs, self.recode, self.spellings, self.prefixed, self.names)
        self.rules = STEM_RULES if own == shipped and stopword_roots else _lists_fingerprint(own, stopword_roots)
        super().__init__(cachesize)

    def __setstate__(self, state: dict) -> None:
        if "protected" not in state:
            # Pickled when the lists were module globals: such a filter stemmed
            # with the installed lists, and still does. ``rules`` keeps saying
            # which lists the index was built with (index.schema checks it).
            state.update(shipped_stem_lists()._asdict())
        state.setdefault("spellings", {})  # built before spelling variants: stems as it was built
        state.setdefault("prefixed", {})  # built before issue 27: stems as it was built
        state.setdefault("names", frozenset())
        state.setdefault("stopword_roots", False)
        super().__setstate__(state)

    def _attach(self) -> None:
        super()._attach()
        self._respellings: tuple[dict[str, str], dict[str, list[str]]] | None = None

    def _respelled_and_repaired_from(self) -> tuple[dict[str, str], dict[str, list[str]]]:
        """(a variant's root -> the standard root, a root -> the stems repaired
        or respelled to it): made at first use, not when the schema is
        unpickled (every commit and every reopen unpickles it, and most of
        those filters never stem a word)."""
        found = self._respellings
        if found is None:
            repaired_from: dict[str, list[str]] = {}
            for mangled, root in self.repairs.items():
                repaired_from.setdefault(root, []).append(mangled)
            # Each side of a spelling pair read with the rules above, so the
            # variant's affixed forms meet the standard ones: praktek -> praktik.
            respelled: dict[str, str] = {}
            for variant, standard in self.spellings.items():
                wrong, right = self._root(variant), self._root(standard)
                if wrong != right:
                    respelled[wrong] = right
                    repaired_from.setdefault(right, []).append(wrong)
            found = self._respellings = (respelled, repaired_from)
        return found

    def repaired_from(self, root: str) -> list[str]:
        """The Snowball stems repaired or respelled to ``root`` (menga -> aku,
        praktek -> praktik): a word that stems to ``root`` contains ``root`` (but
        for a first letter that meN-/peN- replace) or one of these, which a
        highlighter looks for."""
        return self._respelled_and_repaired_from()[1].get(root, [])

    def without_clitic(self, word: str) -> str:
        """The repaired Snowball stem read as if ``word`` ended in no particle
        (-lah/-kah/-pun) or possessive (-ku/-mu/-nya): a possessive -nya is added
        for Snowball to take off instead, so bersekolah -> sekolah, berlaku -> laku
        and bertanya -> tanya where Snowball alone gives seko, berla and berta."""
        stemmed = self.snowball(word + "nya")
        return self.repairs.get(stemmed, stemmed)

    def _stem(self, word: str) -> str:
        """The root, in its standard spelling."""
        root = self._root(word)
        return self._respelled_and_repaired_from()[0].get(root, root)

    def _root(self, word: str) -> str:
        """:meth:`_affixed_root`, but a name stays whole, and a derived form whose
        root is a stopword keeps its own form (a clitic alone still goes)."""
        names = self.names
        if names:
            if word in names:
                return word
            for particle in PARTICLES:
                if word.endswith(particle) and word[: -len(particle)] in names:
                    return word[: -len(particle)]
        root = self._affixed_root(word)
        if self.stopword_roots and root != word and root in TALA_STOPWORDS:
            if any(word == root + particle for particle in PARTICLES):
                return root
            return word
        return root

    def _affixed_root(self, word: str) -> str:
        """Protected roots stay, Snowball output is repaired.

        Snowball strips -lah/-kah/-pun and -ku/-mu/-nya first, which cuts roots
        that merely end in those letters (sekolah -> seko, masalah -> masa,
        menikah -> meni, berlaku -> berla). Where the reading without them gives a
        protected root, that reading wins."""
        protected = self.protected
        if word in protected:
            return word
        for particle in PARTICLES:
            if word.endswith(particle) and word[: -len(particle)] in protected:
                return word[: -len(particle)]
        if word.endswith(SNOWBALL_CLITICS):
            root = self.without_clitic(word)
            if root in protected:
                return root
        stemmed = self.snowball(word)
        if self.prefixed:
            keyed = self.prefixed.get((word_prefix(word), stemmed))
            if keyed is not None:
                return keyed
        stemmed = self.repairs.get(stemmed, stemmed)
        prefix = NASAL_PREFIX.match(word)
        if prefix:
            return self.recode.get((prefix.group(1), stemmed), stemmed)
        return stemmed


def _lists_fingerprint(lists: StemLists, stopword_roots: bool = True) -> str:
    """A name for word lists other than the shipped ones (tests, evaluations)."""
    text = repr(
        (
            sorted(lists.protected),
            sorted(lists.repairs.items()),
            sorted(lists.recode.items()),
            sorted(lists.spellings.items()),
        )
    )
    if lists.prefixed or lists.names or stopword_roots:
        text += repr((sorted(lists.prefixed.items()), sorted(lists.names), stopword_roots))
    return "custom-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Analysis:
    """How text becomes terms, as one object: the schema, the writer and the
    query compiler are given the same one, so they cannot disagree.

    ``stemming`` is "protected" (shipped), "snowball" (plain Snowball) or
    "none", so evaluations can compare the three. Issue 27's mechanisms each
    have a switch, so an evaluation can build an index without one:
    ``stopwords`` (Tala's stopwords indexed like any word; a query drops the
    frequent ones itself), ``names`` (names left unstemmed),
    ``prefix_repairs`` (stemmer repairs keyed by the word's prefix, and
    stopword roots kept in their derived form) and ``hyphen_parts`` (a
    hyphenated word's parts at consecutive positions). :meth:`before` is the
    analysis as it was before them (the baselines' indexes)."""

    stemming: str = "protected"
    stopwords: bool = True
    names: bool = True
    prefix_repairs: bool = True
    hyphen_parts: bool = True

    def __post_init__(self) -> None:
        if self.stemming not in ("protected", "snowball", "none"):
            raise ValueError(f"unknown stemming mode {self.stemming!r}")

    @classmethod
    def before(cls, stemming: str = "protected") -> Analysis:
        """The analysis before issue 27's switches (for baselines)."""
        return cls(stemming, stopwords=False, names=False, prefix_repairs=False, hyphen_parts=False)

    @property
    def label(self) -> str:
        """A short name for directories: the stemming and any switch turned off."""
        off = [n for n in ("stopwords", "names", "prefix_repairs", "hyphen_parts") if not getattr(self, n)]
        if self.stemming != "protected" and len(off) == 4:
            return self.stemming
        return "-".join([self.stemming, *("no_" + n for n in off)])

    def exact(self) -> CompositeAnalyzer:
        """Unstemmed: for exact names and phrases. Without ``stopwords``, stopwords
        are dropped but leave their position free, so a phrase with a stopword
        inside still lines up."""
        chain = IndonesianTokenizer() | FoldFilter() | ReduplicationFilter(consecutive=self.hyphen_parts)
        if self.stopwords:
            return chain
        return chain | StopFilter(stoplist=TALA_STOPWORDS, minsize=1, renumber=False)

    def stemmed(self) -> CompositeAnalyzer:
        """Stemmed for recall (the exact chain when ``stemming`` is "none")."""
        chain = self.exact()
        if self.stemming == "protected":
            if self.names and self.prefix_repairs:
                return chain | IndonesianStemFilter()
            return chain | IndonesianStemFilter(
                names=None if self.names else (),
                prefixed=None if self.prefix_repairs else {},
                stopword_roots=self.prefix_repairs,
            )
        if self.stemming == "snowball":
            return chain | PlainStemFilter()
        return chain


SHIPPED = Analysis()
# The filters behind the module-level conveniences (tools and tests).
_PROTECTED = IndonesianStemFilter()
_PLAIN = PlainStemFilter()


def stem(word: str) -> str:
    """One folded word's stem under the shipped lists."""
    return _PROTECTED.stem(word)


def snowball_stem(word: str) -> str:
    """The plain Snowball (Tala) stem, without our repairs: for comparisons."""
    return _PLAIN.stem(word)


def stem_without_clitic(word: str) -> str:
    """:meth:`IndonesianStemFilter.without_clitic` under the shipped lists."""
    return _PROTECTED.without_clitic(word)


def analyze(text: str, analyzer: CompositeAnalyzer | None = None, mode: str = "query") -> list[str]:
    """The terms ``text`` yields (query mode by default): handy in tests and tools."""
    analyzer = analyzer or SHIPPED.stemmed()
    return [t.text for t in analyzer(text, mode=mode)]
