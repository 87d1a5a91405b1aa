"""Highlighting marks a word exactly when the index's analysis matched it;
title fingerprints are made by that analysis too."""

import re

from conftest import record
from hypothesis import given, settings
from hypothesis import strategies as st

from index.analysis import SHIPPED, IndonesianStemFilter, analyze
from index.readers import article_from_record
from index.writer import Indexer
from search.engine import SearchEngine, SearchRequest
from search.features.highlight import Highlighter
from search.rank.rerank import title_fingerprint

STEMMED = SHIPPED.stemmed()


def marked(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


def highlight(query: str, text: str) -> list[str]:
    return marked(Highlighter(set(analyze(query)), STEMMED).title(text))


def test_dotted_acronyms_and_thousands_separated_numbers_are_marked_where_they_match():
    assert highlight("kpk", "K.P.K. dan KPK, bukan K.P.") == ["K.P.K.", "KPK"]
    assert highlight("K.P.K.", "Penyidik KPK") == ["KPK"]
    assert highlight("1.000.000", "Rp 1.000.000 atau 1000000, bukan 1.000") == ["1.000.000", "1000000"]
    assert highlight("B.J. Habibie", "Presiden B.J. Habibie") == ["B.J.", "Habibie"]


def test_either_spelling_of_a_word_is_marked_for_the_other():
    assert highlight("praktek", "Praktik dokter dan praktek bidan") == ["Praktik", "praktek"]
    assert highlight("imbauan", "Pemerintah menghimbau warga; imbauan itu") == ["menghimbau", "imbauan"]


def test_accents_and_compatibility_letters_are_marked_as_folded():
    assert highlight("cafe", "Café baru, kafe lama") == ["Café"]
    assert highlight("sora", "Tim 𝕊𝕆ℝ𝔸 menang") == ["𝕊𝕆ℝ𝔸"]


def test_a_reduplicated_word_is_marked_whole_and_only_where_the_index_matches():
    assert highlight("anak", "Anak-anak dan anaknya") == ["Anak-anak", "anaknya"]
    # A query for the whole form asks for it only (its parts are not enough).
    assert highlight("anak-anak", "Anak-anak dan anaknya") == ["Anak-anak"]
    assert highlight("menarik", "tarik-menarik tali") == ["tarik-menarik"]


def test_recoded_prefixes_and_repaired_stems_are_marked():
    assert highlight("tusuk", "Ia menusuk dan ditusuk") == ["menusuk", "ditusuk"]
    assert highlight("pemindahan", "Presiden memindahkan ibu kota") == ["memindahkan"]
    # mengatakan -> "ata", repaired to "kata" (after meng- only): marked for kata,
    # while menata (-> tata) is not; the repair keyed by prefix marks it for tata.
    assert highlight("kata", "Ia mengatakan dan berkata, lalu menata") == ["mengatakan", "berkata"]
    assert highlight("tata", "Ia menata dan mengatakan penataan") == ["menata", "penataan"]
    # "aku" is a stopword: its derived forms keep their own (issue 27), so
    # mengaku and mengalah (both Snowball's "menga") no longer meet.
    assert analyze("mengalah") == ["mengalah"] and analyze("mengaku") == ["mengaku"]
    assert highlight("mengaku", "Ia mengaku lalu mengalah") == ["mengaku"]


def test_the_stem_lists_are_those_of_the_given_analyzer():
    protected = IndonesianStemFilter(protected=IndonesianStemFilter().protected | {"meminta"})
    analyzer = SHIPPED.exact() | protected
    assert marked(Highlighter({"minta"}, STEMMED).title("Ia meminta")) == ["meminta"]
    assert marked(Highlighter({"minta"}, analyzer).title("Ia meminta")) == []


def index_marks(text: str, terms: set[str]) -> list[tuple[int, int, str]]:
    """What the highlighter must find: the whole text run through the
    analyzer, each word (a hyphenated one with its parts) marked once."""
    out: list = []
    word = (-1, -1)
    for t in STEMMED(text, chars=True, mode="index"):
        if t.startchar < word[0] or t.endchar > word[1]:
            word = (t.startchar, t.endchar)
        if t.text in terms and (not out or out[-1][0] != word[0]):
            out.append((*word, t.text))
    return out


WORDS = [
    "K.P.K.",
    "KPK",
    "kpk,",
    "1.000.000",
    "1000000",
    "1.000",
    "Café",
    "cafe",
    "anak-anak",
    "Anak",
    "anaknya",
    "tarik-menarik",
    "menusuk",
    "ditusuk",
    "pemindahan",
    "memindahkan",
    "mengalah",
    "aku",
    "masalah",
    "masa",
    "covid-19",
    "(Jokowi),",
    "Jokowi",
    "3,5",
    "İstanbul",
    "—",
    "“sekolah”",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=12), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
def test_the_highlighter_marks_what_the_index_analysis_of_the_whole_text_matches(words, query):
    text = " ".join(words)
    terms = set(analyze(" ".join(query)))
    memo: dict = {}
    for _ in range(2):  # analysed, then from the memo
        assert Highlighter(terms, STEMMED, memo).spans(text) == index_marks(text, terms)


def test_search_results_highlight_with_the_index_analysis(tmp_path):
    Indexer(tmp_path / "ix").ingest(
        [
            article_from_record(
                record(id="a", title="K.P.K. periksa pejabat", body="Penyidik K.P.K. menyita uang Rp 1.000.000.")
            )
        ]
    )
    engine = SearchEngine.open(tmp_path / "ix", background=False)
    try:
        hit = engine.search(SearchRequest(q="kpk 1000000")).hits[0]
        assert marked(hit.title_html) == ["K.P.K."]
        assert marked(hit.snippet) == ["K.P.K.", "1.000.000"]
    finally:
        engine.close()


def test_title_fingerprints_are_the_exact_analysis_of_the_title():
    exact = SHIPPED.exact()
    words = {"kpk", "periksa", "anak-anak", "jakarta"}  # stopwords left out, though indexed
    assert title_fingerprint("K.P.K. Periksa Anak-anak di Jakarta", exact) == words
    assert title_fingerprint("KPK periksa anak-anak, Jakarta", exact) == words


def test_a_snippet_reads_as_one_line_whatever_white_space_the_body_has():
    """Paragraph breaks, tabs and non-breaking spaces are read as spaces and
    collapsed in the passage shown; the ellipses say only where text was cut."""
    body = "  Pembuka.\n\n\tBanjir\u00a0melanda   Jakarta.\r\nWarga mengungsi.  "
    snippet = Highlighter(set(analyze("banjir")), STEMMED).snippet(body)
    assert snippet == "Pembuka. <mark>Banjir</mark> melanda Jakarta. Warga mengungsi."
    long_body = "Awal cerita. " * 30 + "\n\nBanjir besar melanda.\n\n" + "Akhir cerita. " * 30
    cut = Highlighter(set(analyze("banjir")), STEMMED).snippet(long_body)
    assert cut.startswith("…") and cut.endswith("…") and "<mark>Banjir</mark> besar melanda." in cut
    assert "  " not in cut and "\n" not in cut
    plain = Highlighter(set(analyze("gempa")), STEMMED).snippet("\n\n" + "Kata biasa " * 40)
    assert plain.startswith("Kata biasa") and plain.endswith("…") and "  " not in plain
