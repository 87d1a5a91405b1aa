from hypothesis import given
from hypothesis import strategies as st
from whoosh import query as wq

from index.analysis import Analysis
from index.schema import build_schema
from search.query import plan
from search.query.compile import QueryCompiler, Weights
from search.query.syntax import Group, Not, Word, parse_user_query, without_quotes


def words(node):
    if isinstance(node, Word):
        return [(node.text, node.field, node.phrase)]
    if isinstance(node, Not):
        return [("-",) + w for w in words(node.node)]
    return [w for c in node.children for w in words(c)]


def test_syntax():
    tree = parse_user_query('iuran "ibu kota" -banjir title:bpjs (kpk OR gempa)')
    assert tree.op == "and"
    assert words(tree) == [
        ("iuran", None, False),
        ("ibu kota", None, True),
        ("-", "banjir", None, False),
        ("bpjs", "title", False),
        ("kpk", None, False),
        ("gempa", None, False),
    ]
    assert isinstance(tree.children[-1], Group) and tree.children[-1].op == "or"


def test_leniency_reads_odd_input_as_words():
    assert words(parse_user_query('"unbalanced quote')) == [("unbalanced", None, False), ("quote", None, False)]
    assert words(parse_user_query("((kpk")) == [("kpk", None, False)]
    assert words(parse_user_query("kpk))")) == [("kpk", None, False)]
    assert words(parse_user_query("OR kpk OR")) == [("kpk", None, False)]
    assert words(parse_user_query("- kpk")) == [("-", None, False), ("kpk", None, False)]
    assert words(parse_user_query("foo:bar")) == [("foo:bar", None, False)]


def test_unscoped_words_search_stems_and_exact_twins_in_title_and_body():
    q = QueryCompiler().compile("pemindahan").query
    assert isinstance(q, plan.Token)
    fields = {(t.field, t.text) for t in q.terms if " " not in t.text}
    assert fields == {
        ("title", "pindah"),
        ("body", "pindah"),
        ("title_exact", "pemindahan"),
        ("body_exact", "pemindahan"),
    }
    # ... and, in title and body, the word written apart at each split point
    # (the snapshot keeps only those the corpus attests).
    apart = {(t.field, t.text) for t in q.terms if isinstance(t, plan.Adjacent)}
    assert ("body", "pemin dahan") in apart and ("title", "pem indahan") in apart
    assert all(min(len(p) for p in text.split(" ")) >= 3 for _, text in apart)


def test_phrase_with_a_stopword_allows_its_gap():
    """Before issue 27 stopwords were not indexed: the phrase allows their gap."""
    q = QueryCompiler(analysis=Analysis.before()).compile('"menteri dalam negeri"').query
    assert isinstance(q, plan.All | plan.Any), q
    phrases = [p for p in q.children if isinstance(p, plan.Phrase)]
    assert len(phrases) == 2 and all(p.words == ("menteri", "negeri") and p.slop == 2 for p in phrases)


def test_quoted_phrase_keeps_its_stopwords():
    q = QueryCompiler().compile('"menteri dalam negeri"').query
    assert isinstance(q, plan.All | plan.Any), q
    phrases = [p for p in q.children if isinstance(p, plan.Phrase)]
    assert len(phrases) == 2 and all(p.words == ("menteri", "dalam", "negeri") and p.slop == 1 for p in phrases)


def _words(node: plan.Node) -> set[str]:
    match node:
        case plan.Token():
            return {t.text for t in node.terms if t.field == "body_exact" and not isinstance(t, plan.Adjacent)}
        case plan.All() | plan.Any():
            return set().union(*(_words(c) for c in node.children))
        case _:
            return set()


def test_frequent_query_stopword_dropped_only_beside_other_words():
    compiler = QueryCompiler(Weights(old_spellings=False))  # (banyir, djakarta: other spellings, pruned by a snapshot)
    assert _words(compiler.compile("banjir di jakarta").nonempty_query()) == {"banjir", "jakarta"}
    assert {"usaha", "kecil"} <= _words(compiler.compile("usaha kecil").nonempty_query())  # not frequent
    assert _words(compiler.compile("yang di").nonempty_query()) == {"yang", "di"}  # nothing else remains
    keeping = QueryCompiler(Weights(drop_frequent_stopwords=False, old_spellings=False))
    kept = keeping.compile("banjir di jakarta").nonempty_query()
    assert {"banjir", "di", "jakarta"} <= _words(kept)


def test_hyphenated_query_word_matches_its_parts_written_apart():
    q = QueryCompiler().compile("pro-kontra").nonempty_query()
    assert isinstance(q, plan.Token)
    assert {t.text for t in q.terms if isinstance(t, plan.Adjacent)} == {"pro kontra"}
    off = QueryCompiler(Weights(hyphen_apart=False)).compile("pro-kontra").nonempty_query()
    assert isinstance(off, plan.Token) and not any(isinstance(t, plan.Adjacent) for t in off.terms)


def test_only_exclusions_means_everything_else():
    q = QueryCompiler().compile("-banjir").query
    assert isinstance(q, plan.Excluding) and isinstance(q.include, plan.Everything)
    assert isinstance(q.exclude, plan.Token)


def test_deep_nesting_and_stray_parentheses_stay_bounded():
    """486 nested parentheses (within the 500-character limit) and 500 stray
    closing ones compile without recursing without bound."""
    assert not QueryCompiler().compile("(" * 486 + "banjir").is_empty
    assert not QueryCompiler().compile("banjir" + ") kpk" * 100).is_empty


def test_only_stopwords_or_punctuation_is_an_empty_query():
    assert QueryCompiler().compile("yang dan ((( -").is_empty


@given(st.text(max_size=120))
def test_any_text_compiles_to_a_plan_or_nothing(text):
    compiled = QueryCompiler().compile(text)
    assert compiled.is_empty == (compiled.query is None)
    if not compiled.is_empty:
        whoosh = compiled.whoosh()  # every plan node converts, to terms of the index's fields
        assert isinstance(whoosh, wq.Query)
        assert {field for field, _ in whoosh.iter_all_terms()} <= set(build_schema().names())
    assert all(t == t.lower() for t in compiled.highlight_terms)


def test_neighbours_are_joined_as_written_not_across_a_relaxed_word():
    """ibu kota baru: ibu+kota and kota+baru may be one word (ibukota,
    kotabaru); the query without kota does not read ibu+baru as ibubaru."""

    def stems(node) -> set[str]:
        if isinstance(node, plan.Token):
            return {t.text for t in node.terms if t.field == "body"}
        return set().union(*(stems(c) for c in getattr(node, "children", ())))

    from dataclasses import replace

    from search.query.compile import DEFAULT_WEIGHTS

    compiled = QueryCompiler(replace(DEFAULT_WEIGHTS, old_spellings=False)).compile("ibu kota baru")  # (baroe aside)
    assert {"ibukota", "kotabaru"} <= stems(compiled.query)
    relaxed = dict(compiled.relaxations)
    assert stems(relaxed["kota"]) == {"ibu", "baru"}
    assert "kotabaru" in stems(relaxed["ibu"]) and "ibukota" in stems(relaxed["baru"])


def test_compounds_off_leaves_no_written_form_in_the_plan_or_the_proximity_phrases():
    from dataclasses import replace

    from search.query.compile import DEFAULT_WEIGHTS

    on = QueryCompiler().compile("ibu kota")
    off = QueryCompiler(replace(DEFAULT_WEIGHTS, compounds=False)).compile("ibu kota")
    assert any(p.words == ("ibukota",) for p in on.proximity)
    assert all(p.words == ("ibu", "kota") for p in off.proximity) and len(off.proximity) == 2
    assert isinstance(off.query, plan.All) and all(isinstance(c, plan.Token) for c in off.query.children)
    terms = [t.text for token in off.query.children if isinstance(token, plan.Token) for t in token.terms]
    assert "ibukota" not in terms and not any(" " in t for t in terms)


def test_without_quotes_loosens_phrases_but_not_exclusions_or_keyword_fields():
    assert without_quotes('"hari batik" nasional') == "hari batik nasional"
    assert without_quotes('title:"ibu kota" -"kota baru"') == 'title:ibu title:kota -"kota baru"'
    assert without_quotes('source:"Tempo.co" banjir') is None
    assert without_quotes('kabar:"ibu kota"') == "kabar ibu kota"  # not a field: read as words, as the parser does
    assert without_quotes("banjir jakarta") is None and without_quotes('banjir ""') is None


@given(st.text(max_size=40))
def test_a_loosened_query_has_no_phrase_left_to_loosen(text):
    loose = without_quotes(text)
    assert loose is None or without_quotes(loose) is None
    phrases = [w for w in words(parse_user_query(loose or "")) if w[0] != "-" and w[2]]
    assert all(field in ("category", "source", "author") for _, field, _ in phrases), phrases
