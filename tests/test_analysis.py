import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.analysis import SHIPPED, Analysis, IndonesianStemFilter, analyze, snowball_stem, stem
from index.schema import build_schema


def index_terms(text, analyzer=None):
    return analyze(text, analyzer or SHIPPED.stemmed(), mode="index")


def test_reduplication_is_kept_whole_and_split_when_indexing():
    assert index_terms("anak-anak") == ["anak-anak", "anak"]
    terms = index_terms("tarik-menarik")
    assert terms[0] == "tarik-menarik" and "tarik" in terms


def test_query_for_a_reduplicated_word_asks_for_the_whole_form():
    assert analyze("anak-anak", SHIPPED.stemmed()) == ["anak-anak"]


def test_numbers_keep_indonesian_separators():
    assert index_terms("naik 3,5 persen") == ["naik", "3,5", "persen"]
    assert index_terms("Rp 1.000.000") == ["rp", "1000000"]
    assert index_terms("1.000.000") == analyze("1000000", SHIPPED.stemmed())


def test_acronyms_and_case_and_accents_fold():
    assert index_terms("KPK") == ["kpk"]
    assert index_terms("K.P.K.") == ["kpk"]
    assert index_terms("BPJS") == index_terms("bpjs")
    assert index_terms("Café") == ["cafe"]


def test_stopwords_indexed_at_their_positions():
    tokens = [(t.text, t.pos) for t in SHIPPED.exact()("menteri dalam negeri", positions=True)]
    assert tokens == [("menteri", 0), ("dalam", 1), ("negeri", 2)]
    assert index_terms("usaha kecil") == ["usaha", "kecil"]  # Tala's list holds content words


def test_before_issue_27_stopwords_removed_but_positions_kept():
    tokens = [(t.text, t.pos) for t in Analysis.before().exact()("menteri dalam negeri", positions=True)]
    assert tokens == [("menteri", 0), ("negeri", 2)]


def test_hyphenated_parts_stand_at_consecutive_positions():
    tokens = [(t.text, t.pos) for t in SHIPPED.exact()("soal pro-kontra itu", positions=True, mode="index")]
    assert tokens == [("soal", 0), ("pro-kontra", 1), ("pro", 1), ("kontra", 2), ("itu", 3)]
    query = [(t.text, t.pos) for t in SHIPPED.exact()("soal pro-kontra itu", positions=True, mode="query")]
    assert query == [("soal", 0), ("pro-kontra", 1), ("itu", 3)]  # the same gaps as the index
    before = [(t.text, t.pos) for t in Analysis.before().exact()("pro-kontra soal", positions=True, mode="index")]
    assert before == [("pro-kontra", 0), ("pro", 0), ("kontra", 0), ("soal", 1)]


def test_repairs_keyed_by_prefix():
    assert stem("mengatakan") == stem("dikatakan") == "kata"
    assert stem("menata") == stem("penataan") == stem("penata") == stem("ditata") == "tata"
    assert stem("terasa") == stem("perasaan") == stem("merasa") == stem("dirasakan") == "rasa"
    assert stem("asa") == "asa"
    assert stem("pertama") == "pertama" and stem("tama") == "tama"
    assert stem("terapan") == stem("menerapkan") == "terap"
    assert stem("balai") == "balai"


def test_derived_form_of_a_stopword_root_keeps_its_form():
    assert stem("pengadaan") == "pengadaan"
    assert stem("diadakan") == "diadakan"
    assert stem("adanya") == "ada"  # a clitic alone still goes
    off = IndonesianStemFilter(stopword_roots=False)
    assert off.stem("pengadaan") == "ada"


def test_names_left_unstemmed():
    assert stem("persebaya") == "persebaya" and stem("ketapang") == "ketapang"
    assert IndonesianStemFilter(names=()).stem("ketapang") != "ketapang"
    assert stem("kementerian") == stem("menteri")  # relatives as common: stemmed


def test_no_marked_wrong_pair_joins():
    """bench/stem-wrong-pairs.txt: pairs a reader marked in bench/analysis_audit.py."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "bench" / "stem-wrong-pairs.txt"
    pairs = [ln.split("#", 1)[0].split() for ln in path.read_text("utf-8").splitlines()]
    pairs = [p for p in pairs if p]
    assert pairs
    joined = [(a, b) for a, b in pairs if stem(a) == stem(b)]
    assert joined == []


def test_protected_words_where_snowball_mangles_news_vocabulary():
    assert snowball_stem("berita") == "ita"  # the defect we repair
    assert stem("berita") == stem("beritanya") == "berita"
    assert snowball_stem("pasukannya") == "pasu"
    assert stem("pasukannya") == stem("pasukan") == "pasukan"
    assert snowball_stem("menteri") != snowball_stem("kementerian")
    assert stem("menteri") == stem("kementerian")
    assert stem("mengatakan") == stem("kata") == stem("dikatakan")


def test_roots_ending_in_clitic_letters_keep_them():
    # Snowball reads -lah/-kah/-ku/-nya as particles and possessives first.
    assert snowball_stem("masalah") == snowball_stem("masa")  # "problem" merged with "time"
    assert stem("masalah") == stem("bermasalah") == stem("permasalahan") != stem("masa")
    assert stem("sekolah") == stem("bersekolah") == stem("sekolahnya") == "sekolah"
    assert stem("menikah") == stem("pernikahan") == stem("dinikahi") == stem("menikahi")
    assert stem("berlaku") == stem("laku")
    assert stem("bertanya") == stem("pertanyaan") == stem("menanyakan")
    # a real particle on an unprotected word is still taken off
    assert stem("rumahlah") == stem("rumah")


def test_roots_meet_their_own_derivations():
    assert snowball_stem("cerai") != snowball_stem("perceraian")  # the defect
    assert stem("cerai") == stem("perceraian") == stem("bercerai") == stem("menceraikan")
    assert stem("partai") == stem("kepartaian")
    assert stem("capai") == stem("mencapai") == stem("pencapaian")
    assert stem("ketua") == stem("diketuai") != stem("tua")
    assert stem("empati") != stem("empat")


def test_ordinary_derivations_still_meet():
    assert stem("pemindahan") == stem("memindahkan") == stem("dipindahkan")
    assert stem("kenaikan") == stem("naik")


def test_analyzers_survive_pickling_into_the_schema():
    schema = build_schema()
    clone = pickle.loads(pickle.dumps(schema))
    assert list(clone["body"].process_text("Beritanya anak-anak")) == list(
        schema["body"].process_text("Beritanya anak-anak")
    )


def test_a_stem_filter_carries_its_word_lists_through_pickling():
    """The filter keeps its lists on itself (as Whoosh's StemFilter keeps its
    settings) and makes its PyStemmer object again after unpickling."""
    shipped = IndonesianStemFilter()
    assert shipped.stem("meminta") == stem("meminta") != "meminta"
    custom = IndonesianStemFilter(protected=shipped.protected | {"meminta"})
    assert custom.stem("meminta") == "meminta" and custom.rules != shipped.rules
    clone = pickle.loads(pickle.dumps(custom))
    assert clone == custom and clone.rules == custom.rules
    words = ["meminta", "masalah", "bersekolah", "menusuk", "beritanya", "pemindahan"]
    assert [clone.stem(w) for w in words] == [custom.stem(w) for w in words]
    assert [shipped.stem(w) for w in words] == [stem(w) for w in words]
    assert pickle.loads(pickle.dumps(shipped)).stem("meminta") != "meminta"


def test_a_stem_filter_pickled_before_it_held_its_lists_stems_with_the_shipped_ones():
    old = IndonesianStemFilter.__new__(IndonesianStemFilter)
    old.__setstate__({"rules": "older-rules"})  # all such a filter pickled
    assert old.rules == "older-rules" and old.protected == IndonesianStemFilter().protected
    assert old.stem("masalah") == stem("masalah")


def test_spelling_variants_meet_in_every_affixed_form():
    """News writes praktek and praktik, himbau and imbau: both spellings, bare
    or affixed, stem to the standard root; a filter pickled before the
    variants existed stems as it was built (its index holds the old stems)."""
    pairs = [
        ("praktek", "praktik"),
        ("mempraktekkan", "mempraktikkan"),
        ("menghimbau", "mengimbau"),
        ("himbauan", "imbauan"),
        ("resikonya", "risikonya"),
        ("merespon", "merespons"),
        ("amandemen", "amendemen"),
        ("milyar", "miliar"),
    ]
    for variant, standard in pairs:
        assert stem(variant) == stem(standard), (variant, standard)
    assert stem("praktek") == "praktik" and stem("sekolah") == "sekolah"
    state = IndonesianStemFilter().__getstate__()
    del state["spellings"]
    old = IndonesianStemFilter.__new__(IndonesianStemFilter)
    old.__setstate__(state)
    assert old.stem("praktek") == "praktek" and old.stem("praktik") == "praktik"
    custom = IndonesianStemFilter(spellings={})
    assert custom.rules != IndonesianStemFilter().rules and custom.stem("ijin") == "ijin"


def test_the_analysis_modes():
    assert analyze("Beritanya", Analysis("none").stemmed()) == ["beritanya"]
    assert analyze("Beritanya", Analysis("snowball").stemmed()) == [snowball_stem("beritanya")]
    assert analyze("Beritanya", Analysis().stemmed()) == ["berita"]
    with pytest.raises(ValueError):
        Analysis("porter")


@given(st.text(max_size=200))
def test_analysis_never_fails_and_index_terms_cover_query_terms(text):
    query_terms = analyze(text, SHIPPED.stemmed())
    indexed = index_terms(text)
    assert set(query_terms) <= set(indexed)


def test_men_and_mem_forms_meet_their_roots_through_the_corpus_recoding():
    """Snowball drops the t after men- (menusuk -> usuk) and reads meminta as
    pinta; the generated table (index/data/stem-recode.txt) restores the root
    the corpus attests, and only after the nasal that implies it."""
    from index.analysis import stem

    assert stem("menusuk") == stem("penusukan") == stem("ditusuk") == "tusuk"
    assert stem("meminta") == stem("minta") == stem("diminta")
    assert stem("menanti") == "menanti"  # nanti is a stopword: the derived form keeps its own (issue 27)
    assert stem("pengantin") != "kantin"  # a root of its own, not peng- + kantin
    assert stem("menyangkal") != stem("menangkal")


def test_fold_lower_cases_what_decomposition_capitalises():
    from index.analysis import fold

    assert fold("𝕊𝕆ℝ𝔸") == "sora" and fold("Ⓐceh") == "aceh" and fold("Café") == "cafe"
