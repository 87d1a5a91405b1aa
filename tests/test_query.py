from hypothesis import given, strategies as st
from whoosh import query as wq

from search.query import Group, Not, QueryCompiler, Word, parse_user_query


def words(node):
    if isinstance(node, Word):
        return [(node.text, node.field, node.phrase)]
    if isinstance(node, Not):
        return [("-",) + w for w in words(node.node)]
    return [w for c in node.children for w in words(c)]


def test_syntax():
    tree = parse_user_query('iuran "ibu kota" -banjir title:bpjs (kpk OR gempa)')
    assert tree.op == "and"
    assert words(tree) == [("iuran", None, False), ("ibu kota", None, True), ("-", "banjir", None, False),
                           ("bpjs", "title", False), ("kpk", None, False), ("gempa", None, False)]
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
    fields = {(t.fieldname, t.text) for t in q.leaves() if isinstance(t, wq.Term)}
    assert fields == {("title", "pindah"), ("body", "pindah"), ("title_exact", "pemindahan"), ("body_exact", "pemindahan")}


def test_phrase_with_a_stopword_allows_its_gap():
    q = QueryCompiler().compile('"menteri dalam negeri"').query
    phrases = [p for p in q.children() if isinstance(p, wq.Phrase)]
    assert phrases and all(p.words == ["menteri", "negeri"] and p.slop == 2 for p in phrases)


def test_only_exclusions_means_everything_else():
    q = QueryCompiler().compile("-banjir").query
    assert isinstance(q, wq.AndNot) and isinstance(q.a, wq.Every)


def test_only_stopwords_or_punctuation_is_an_empty_query():
    assert QueryCompiler().compile("yang dan ((( -").is_empty


@given(st.text(max_size=120))
def test_any_text_compiles(text):
    QueryCompiler().compile(text)
