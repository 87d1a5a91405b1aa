"""Precision and recall of query understanding (issue 31) on the held-out sets
in bench/understanding/ (written before the feature by other hands).

    .venv/bin/python bench/understanding_eval.py --index var/corpus [--rows]

- dates.tsv: the parser's range (exact match of from and to) and the text left
  to search (case-insensitive, whitespace collapsed, punctuation at word edges
  ignored); then, over the index, whether the engine applies the filter (it
  may keep the date as words, see SearchEngine._dates_are_content).
- date-content.tsv: false filters, by the parser alone and by the engine.
- acronyms.tsv: which correct pairs the learned table (acronyms.sqlite of the
  index) holds, and which wrong ones it wrongly holds; then the same for the
  pairs the engine keeps (both sides going together in the articles).
- old-spellings.tsv: pairs joined (a query for one form searches the other,
  in the plan the engine runs over the index: only forms the index holds) and
  false friends wrongly joined; also by the rules alone.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator
from datetime import date, datetime
from functools import partial
from pathlib import Path

from index.acronyms import AcronymStore, normalise
from search.engine import SearchEngine, SearchRequest, acronym_usage
from search.query import plan
from search.query.acronyms import AcronymMap
from search.query.dates import read_dates
from search.query.old_spelling import spellings
from search.rank.scoring import Deadline

SETS = Path(__file__).resolve().parent / "understanding"


def rows(name: str) -> Iterator[dict[str, str]]:
    with open(SETS / name, encoding="utf-8", newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)


def day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def words(text: str) -> str:
    return " ".join(w.strip(".,;:!?()[]\"'") for w in text.lower().split() if w.strip(".,;:!?()[]\"'"))


def ratio(n: int, d: int) -> str:
    return f"{n}/{d} = {n / d:.3f}" if d else f"{n}/0"


def evaluate_dates(engine: SearchEngine | None, show: bool) -> None:
    total = exact = text_ok = both = read = engine_applied = engine_exact = 0
    for r in rows("dates.tsv"):
        total += 1
        now = datetime.fromisoformat(r["now"])
        reading = read_dates(r["query"], now)
        want = (day(r["from"]), day(r["to"]))
        got = (reading.date_from, reading.date_to) if reading else None
        ok_range = got == want
        ok_text = reading is not None and words(reading.remaining) == words(r["searched"])
        read += reading is not None
        exact += ok_range
        text_ok += ok_text
        both += ok_range and ok_text
        if engine is not None:
            understood = engine.search(SearchRequest(q=r["query"], now=now, size=0)).understood
            engine_applied += understood is not None
            engine_exact += understood is not None and (understood.date_from, understood.date_to) == want
        if show and not (ok_range and ok_text):
            print(
                f"  {r['id']}\t{r['query']!r}\twant {want} {r['searched']!r}\tgot {got} "
                f"{reading.remaining if reading else None!r}"
            )
    false_parser = false_engine = content = 0
    for r in rows("date-content.tsv"):
        content += 1
        now = datetime.fromisoformat(r["now"])
        reading = read_dates(r["query"], now)
        false_parser += reading is not None
        if engine is not None and reading is not None:
            hit = engine.search(SearchRequest(q=r["query"], now=now, size=0)).understood is not None
            false_engine += hit
            if show and hit:
                print(f"  {r['id']}\t{r['query']!r}\tfalse filter (engine) {reading.text!r}")
        elif show and reading is not None:
            print(f"  {r['id']}\t{r['query']!r}\tfalse filter (parser) {reading.text!r}")
    print("dates (parser, bench/understanding/dates.tsv):")
    print(f"  read as a date           {ratio(read, total)}")
    print(f"  range exact   (recall)   {ratio(exact, total)}")
    print(f"  searched text right      {ratio(text_ok, total)}")
    print(f"  range and text right    {ratio(both, total)}")
    print(f"  precision (exact ranges / all readings on dates + content rows) {ratio(exact, read + false_parser)}")
    print(f"content (date-content.tsv, {content} rows): false filters by the parser {ratio(false_parser, content)}")
    if engine is not None:
        print("engine over the index (the content decision applied):")
        print(
            f"  dates.tsv applied as a filter {ratio(engine_applied, total)}; with the exact range "
            f"{ratio(engine_exact, total)}"
        )
        print(f"  date-content.tsv false filters {ratio(false_engine, content)}")
        print(f"  precision (exact filters / all filters) {ratio(engine_exact, engine_applied + false_engine)}")


def evaluate_acronyms(index_dir: Path, engine: SearchEngine, show: bool) -> None:
    learned = AcronymStore(index_dir).table()
    seen = {(a.acronym.upper(), a.long_form) for a in AcronymStore(index_dir).candidates()}
    with engine.manager.acquire() as snap:
        usage = partial(acronym_usage, snap)
        kept = {a for a in learned if AcronymMap.of([a], engine.compiler.exact_positions, usage=usage).long_forms}
    print(
        f"acronyms, as the table holds them and as the engine keeps them ({len(kept):,} of {len(learned):,}: both sides"
    )
    print("  go together in the articles, search/query/acronyms.py MIN_ASSOCIATION):")
    report_acronyms({(a.acronym.upper(), a.long_form) for a in learned}, seen, "table", show)
    report_acronyms({(a.acronym.upper(), a.long_form) for a in kept}, seen, "engine", show)


def report_acronyms(table: set[tuple[str, str]], seen: set[tuple[str, str]], label: str, show: bool) -> None:
    correct = held = wrong = wrongly = proposed_correct = 0
    for r in rows("acronyms.tsv"):
        key = (r["acronym"].strip().upper(), normalise(r["long_form"]))
        if r["label"].strip() == "correct":
            correct += 1
            held += key in table
            proposed_correct += key in seen
            if show and key not in table:
                print(f"  {r['id']}\t{label}: missed {key}{' (a candidate, not kept)' if key in seen else ''}")
        else:
            wrong += 1
            wrongly += key in table
            if show and key in table:
                print(f"  {r['id']}\t{label}: wrongly held {key}")
    print(f" {label} ({len(table):,} pairs):")
    print(
        f"  correct pairs held (recall)  {ratio(held, correct)}  (extracted at all: {ratio(proposed_correct, correct)})"
    )
    print(f"  wrong pairs held             {ratio(wrongly, wrong)}")
    print(f"  precision on labelled rows   {ratio(held, held + wrongly)}")


def stem_terms(node: plan.Node) -> set[str]:
    """The terms a plan seeks in the stemmed fields (an old or modern spelling
    adds its stem there, and its exact form nowhere: the typed form ranks first)."""
    match node:
        case plan.Token():
            return {t.text for t in node.terms if t.field in ("title", "body") and not isinstance(t, plan.Adjacent)}
        case plan.All() | plan.Any():
            return set().union(*(stem_terms(c) for c in node.children))
        case plan.Excluding():
            return stem_terms(node.include)
        case _:
            return set()


def evaluate_old_spellings(engine: SearchEngine | None, show: bool) -> None:
    def searched(word: str) -> set[str]:
        assert engine is not None
        with engine.manager.acquire() as snap:
            compiled = engine._compiled(snap, word, Deadline(None))
        return stem_terms(compiled.query) if compiled.query is not None else set()

    def joined_in_index(old: str, modern: str) -> bool:
        assert engine is not None
        stem_old, stem_modern = engine.compiler.stems(old), engine.compiler.stems(modern)
        return stem_old != stem_modern and (set(stem_modern) <= searched(old) or set(stem_old) <= searched(modern))

    def joined_by_rules(old: str, modern: str) -> bool:
        return all(
            m in spellings(o) or o in spellings(m) or o == m for o, m in zip(old.split(), modern.split())
        ) and len(old.split()) == len(modern.split())

    counts = {"rewrite": [0, 0, 0], "false": [0, 0, 0]}  # rows, joined (index), joined (rules)
    for r in rows("old-spellings.tsv"):
        old, modern = r["old"].strip().lower(), r["modern"].strip().lower()
        kind = "false" if r["note"].strip().startswith("NOT") else "rewrite"
        counts[kind][0] += 1
        rules = joined_by_rules(old, modern)
        counts[kind][2] += rules
        if engine is not None:
            pairs = list(zip(old.split(), modern.split()))
            index = len(old.split()) == len(modern.split()) and all(o == m or joined_in_index(o, m) for o, m in pairs)
            counts[kind][1] += index
            if show and index != (kind == "rewrite"):
                print(f"  {r['id']}\t{kind}\t{old} / {modern}\tjoined={index} (rules {rules})")
    rewrite, false = counts["rewrite"], counts["false"]
    print("old spellings (old-spellings.tsv):")
    if engine is not None:
        print(
            f"  over the index: pairs joined (recall) {ratio(rewrite[1], rewrite[0])}; "
            f"false friends joined {ratio(false[1], false[0])}; precision {ratio(rewrite[1], rewrite[1] + false[1])}"
        )
    print(
        f"  by the rules alone: pairs joined {ratio(rewrite[2], rewrite[0])}; "
        f"false friends joined {ratio(false[2], false[0])}; precision {ratio(rewrite[2], rewrite[2] + false[2])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, default=None, help="a corpus index (without: the parser and rules only)")
    parser.add_argument("--rows", action="store_true", help="print each row that fails")
    args = parser.parse_args()
    engine = SearchEngine.open(args.index, background=False) if args.index else None
    try:
        evaluate_dates(engine, args.rows)
        print()
        if args.index:
            assert engine is not None
            evaluate_acronyms(args.index, engine, args.rows)
            print()
        evaluate_old_spellings(engine, args.rows)
    finally:
        if engine is not None:
            engine.close()


if __name__ == "__main__":
    main()
