"""Indonesian text analysis for news, as a Whoosh tokenizer/filter chain.

Whoosh pickles analyzers into the index schema, so every component here is a
module-level class and the PyStemmer object (which cannot be pickled) is reached
through a module-level cached function instead of being held by a filter.

The two chains::

    stemmed = IndonesianTokenizer() | FoldFilter() | ReduplicationFilter()
              | StopFilter(TALA_STOPWORDS) | IndonesianStemFilter()
    exact   = IndonesianTokenizer() | FoldFilter() | ReduplicationFilter()

are used both when indexing and when parsing queries, so a query word meets
the terms its article was indexed under.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Iterator

from whoosh.analysis import Filter, StopFilter, Token, Tokenizer

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


def _load_protection() -> tuple[frozenset[str], dict[str, str]]:
    roots: set[str] = set()
    repairs: dict[str, str] = {}
    for line in _data_lines("stem-protect.txt"):
        if ">" in line:
            mangled, fixed = (part.strip() for part in line.split(">", 1))
            repairs[mangled] = fixed
        else:
            roots.add(line)
    return frozenset(roots), repairs


PROTECTED_ROOTS, STEM_REPAIRS = _load_protection()

# meN-/peN- with their nasal: menusuk, meminta, mengambil, penyapu, pemakan.
NASAL_PREFIX = re.compile(r"^(?:me|pe)(ny|ng|n|m)")


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


def _load_recode() -> dict[tuple[str, str], str]:
    """(nasal, Snowball stem) -> root, from index/data/stem-recode.txt."""
    table: dict[tuple[str, str], str] = {}
    for line in _data_lines("stem-recode.txt"):
        left, root = (part.strip() for part in line.split("#", 1)[0].split(">", 1))
        nasal, mangled = left.split()
        table[(nasal, mangled)] = root
    return table


PREFIX_RECODE = _load_recode()


def _rules_fingerprint() -> str:
    """A digest of the word lists the stemmed analysis depends on. Indexes
    record it, because a query stemmed under other rules than its index
    silently misses (masalah was indexed as "masa" before it was protected)."""
    digest = hashlib.sha256()
    for name in ("stem-protect.txt", "stopwords-id.txt", "stem-recode.txt"):
        digest.update(resources.files("index").joinpath("data", name).read_bytes())
    return digest.hexdigest()[:12]


STEM_RULES = _rules_fingerprint()


@lru_cache(maxsize=1)
def _snowball():
    import Stemmer  # PyStemmer; imported lazily so unpickling a schema stays cheap

    return Stemmer.Stemmer("indonesian")


@lru_cache(maxsize=200_000)
def snowball_stem(word: str) -> str:
    """The plain Snowball (Tala) stem, without our repairs: for comparisons."""
    return _snowball().stemWord(word)


def stem_without_clitic(word: str) -> str:
    """The repaired Snowball stem read as if ``word`` ended in no particle
    (-lah/-kah/-pun) or possessive (-ku/-mu/-nya): a possessive -nya is added
    for Snowball to take off instead, so bersekolah -> sekolah, berlaku -> laku
    and bertanya -> tanya where Snowball alone gives seko, berla and berta."""
    stemmed = _snowball().stemWord(word + "nya")
    return STEM_REPAIRS.get(stemmed, stemmed)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Stem one folded word: protected roots stay, Snowball output is repaired.

    Snowball strips -lah/-kah/-pun and -ku/-mu/-nya first, which cuts roots
    that merely end in those letters (sekolah -> seko, masalah -> masa,
    menikah -> meni, berlaku -> berla). Where the reading without them gives a
    protected root, that reading wins."""
    if word in PROTECTED_ROOTS:
        return word
    for particle in PARTICLES:
        if word.endswith(particle) and word[: -len(particle)] in PROTECTED_ROOTS:
            return word[: -len(particle)]
    if word.endswith(SNOWBALL_CLITICS):
        root = stem_without_clitic(word)
        if root in PROTECTED_ROOTS:
            return root
    stemmed = _snowball().stemWord(word)
    stemmed = STEM_REPAIRS.get(stemmed, stemmed)
    prefix = NASAL_PREFIX.match(word)
    if prefix:
        return PREFIX_RECODE.get((prefix.group(1), stemmed), stemmed)
    return stemmed


def fold(text: str) -> str:
    """Lower-case and strip accents (é -> e); ASCII takes the fast path.
    Lower-cased again after the compatibility decomposition, which can yield
    capitals (mathematical and circled letters: 𝕊 -> S -> s)."""
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text).lower()
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
    """Keeps a hyphenated word whole and, when indexing, also its parts at the
    same position: "anak-anak" is found by "anak" and "anak-anak" alike, while a
    query for "anak-anak" asks only for the whole form."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if "-" not in t.text or t.mode == "query":
                yield t
                continue
            whole, start = t.text, getattr(t, "startchar", None)
            yield t
            offset = 0
            seen = set()
            for part in whole.split("-"):
                if part and part not in seen:
                    seen.add(part)
                    t.text = part
                    t.stopped = False
                    if start is not None:
                        t.startchar = start + offset
                        t.endchar = t.startchar + len(part)
                    yield t
                offset += len(part) + 1


class IndonesianStemFilter(Filter):
    """Snowball's Indonesian stemmer with our protected roots and repairs.
    Compounds and numbers are left as they are. ``rules`` is pickled with the
    schema: it says which version of the word lists an index was built with."""

    def __init__(self, rules: str = STEM_RULES):
        self.rules = rules

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = t.text
            if text.isalpha():
                t.text = stem(text)
            yield t


class PlainStemFilter(IndonesianStemFilter):
    """Snowball's Indonesian stemmer without repairs: a baseline for evaluation."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if t.text.isalpha():
                t.text = snowball_stem(t.text)
            yield t


def exact_analyzer():
    """Unstemmed: for exact names and phrases. Stopwords are dropped but leave
    their position free, so a phrase with a stopword inside still lines up."""
    return (
        IndonesianTokenizer()
        | FoldFilter()
        | ReduplicationFilter()
        | StopFilter(stoplist=TALA_STOPWORDS, minsize=1, renumber=False)
    )


def stemmed_analyzer(stemming: str = "protected"):
    """Stemmed for recall. ``stemming`` is "protected" (shipped), "snowball"
    (plain Snowball) or "none", so evaluations can compare the three."""
    chain = exact_analyzer()
    if stemming == "protected":
        return chain | IndonesianStemFilter()
    if stemming == "snowball":
        return chain | PlainStemFilter()
    if stemming == "none":
        return chain
    raise ValueError(f"unknown stemming mode {stemming!r}")


def analyze(text: str, analyzer=None, mode: str = "query") -> list[str]:
    """The terms ``text`` yields (query mode by default): handy in tests and tools."""
    analyzer = analyzer or stemmed_analyzer()
    return [t.text for t in analyzer(text, mode=mode)]
