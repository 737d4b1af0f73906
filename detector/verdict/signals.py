"""What two claims' readings say to each other: the claim reader's signals that they conflict, with lines a person
can check; evidence for the verdict (calibration.py), never its gate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..reader.assertions import DOSE_UNITS, Assertion, Quantity, agents_agree, concept, generic_words, stem
from ..reader.predications import PRONOUN, Predication
from ..reader.propositions import MONTHS, Contrast, antonyms, event_verbs, events


@dataclass(frozen=True)
class Signal:
    """One reason two claims conflict, with a line a person can check."""

    kind: str
    explanation: str


def direction_signals(a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """Same target, opposite directions ("stimulates" vs "suppresses" prolactin), or one denies the other."""
    found = []
    for ea in a.effects:
        for eb in b.effects:
            if ea.target != eb.target or not agents_agree(ea.agent, eb.agent):
                continue
            agent = _one_agent(ea.agent, eb.agent)
            head = f"{agent} → {ea.target}" if agent else ea.target
            if ea.direction == -eb.direction and not ea.negated and not eb.negated:
                found.append(Signal("direction", f"{head}: {ea.verb} ({doc_a}) vs {eb.verb} ({doc_b})"))
            elif ea.direction == eb.direction and ea.negated != eb.negated:
                first = f"not {ea.verb}" if ea.negated else ea.verb
                second = f"not {eb.verb}" if eb.negated else eb.verb
                found.append(Signal("negation", f"{head}: {first} ({doc_a}) vs {second} ({doc_b})"))
    return found[:1]


def _one_agent(first: str, second: str) -> str:
    """The name to show for an agent two effects share: the words both use ("kratom"), else the one known."""
    if first and second:
        return " ".join(w for w in first.split() if w in second.split())
    return first or second


def negation_signals(a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """One claim says something is absent ("without addiction") that the other says occurs ("dependency")."""
    for first, second, d1, d2 in ((a, b, doc_a, doc_b), (b, a, doc_b, doc_a)):
        present = {concept(m): m for m in second.occurs}
        for absent in first.absences:
            key = concept(absent)
            if key in present and key not in {concept(x) for x in second.absences}:
                if not same_kind(narrowing(first, absent), narrowing(second, present[key]), second):
                    continue  # "no oxford vaccine" vs "an influenza vaccine": not the same thing
                if not same_holder(first.holders.get(absent, ""), second.holders.get(present[key], ""), second):
                    continue  # "Gilead provided access" vs "patients lack access": not the same access
                if not any(concept(w) != key for w in first.about() & second.about()):
                    continue  # "no virus was recovered from vaccinated monkeys" vs "interferons and viruses induce"
                what = first.phrases.get(absent, absent)
                other = second.phrases.get(present[key], present[key])
                return [Signal("negation", f"{what}: absent ({d1}) vs {other} ({d2})")]
    return []


def denial_signals(a: Assertion, b: Assertion, doc_a: str, doc_b: str, *, opposites: bool = True) -> list[Signal]:
    """One claim denies what the other states of the same things: the same predicate, their arguments agreeing
    ("the RAM cannot be upgraded" / "you can upgrade the RAM"; "no evidence that melatonin is addictive" /
    "melatonin is addictive"); or, with `opposites`, states its opposite: both state predicates that are
    opposites (`opposite`) of the same things ("prices rose in March" / "prices fell in March", "the museum is
    open on Mondays" / "is closed on Mondays"; not "opens at 9 am" / "closes at 5 pm": other times)."""
    for p in a.predications:
        for q in b.predications:
            shared = _shared_arguments(p, q)
            if p.predicate == q.predicate and p.denied != q.denied and shared:
                first, second = ("denied", "stated") if p.denied else ("stated", "denied")
                return [Signal("denial", f"{_about(p, shared)} · {p.words}: {first} ({doc_a}) vs {second} ({doc_b})")]
    if not opposites:
        return []
    for p in a.predications:
        for q in b.predications:
            if p.denied or q.denied or not opposite(p.words, q.words):
                continue
            if shared := _same_things(p, q):
                return [Signal("denial", f"{_about(p, shared)}: {p.words} ({doc_a}) vs {q.words} ({doc_b})")]
    return []


def _same_things(p: Predication, q: Predication) -> set[str]:
    """`_shared_arguments`, where the two clauses fill the same roles with the same things: "blood pressure rose
    in the placebo group" does not speak of the group that was treated, nor "consumer prices" of all prices, and
    "levels rise at night" / "levels fall in the morning" say when each holds."""
    (subject_p, roles_p), (subject_q, roles_q) = _things(p), _things(q)
    if roles_p != roles_q or (subject_p and subject_q and subject_p != subject_q):
        return set()
    return _shared_arguments(p, q)


def _things(p: Predication) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """A clause's subject and its other arguments by role, a passive without its agent read as what it says the
    state of: "the museum is closed" says of the museum what "the museum is open" does."""
    roles = dict(p.arguments)
    if not p.subject and "" in roles:
        return roles.pop(""), roles
    return p.subject, roles


def _about(p: Predication, shared: set[str]) -> str:
    """The words a clause names the concepts two clauses share with, in its order."""
    names = dict(p.names)
    return " ".join(names[k] for k in sorted(shared, key=list(names).index))


def opposite(first: str, second: str) -> bool:
    """Whether two predicates (lemmas) say opposite things: WordNet's direct antonyms ("rise" / "fall", "open" /
    "closed", "win" / "lose", "include" / "exclude"), or one is the other with "un" or "non" before it
    ("regulated" / "unregulated"), compared by stem."""
    x, y = stem(first), stem(second)
    if (x, y) in antonyms():
        return True
    return any(len(base) >= 4 and other == prefix + base for base, other in ((x, y), (y, x)) for prefix in _NOT)


_NOT = ("un", "non", "non-")


def _shared_arguments(p: Predication, q: Predication) -> set[str]:
    """What two clauses speak of in common, where they speak of the same things: where both name a subject, or
    arguments in one role ("sold as a supplement" / "sold as medication": not one proposition), they share a
    concept; a subject one names and the other only points to ("it") is not known to be one, and a group one
    names by a phrase or clause of its own ("people with an ulcer") is not whoever the other leaves unnamed (a
    passive without its agent). The shared
    concepts that are not generic words ("study", "effect"); none where they do not agree."""
    if bool(p.subject) != bool(q.subject) and (p.narrowed or q.narrowed):
        return set()  # "people with an ulcer should not take it" / "it should be taken with food": whoever takes it
    shared: set[str] = set()
    roles = dict(q.arguments)
    common = [(words, roles[role]) for role, words in p.arguments if role in roles]
    for first, second in ((p.subject, q.subject), *common):
        if first and second:
            if not first & second:
                return set()
            shared |= first & second
    return shared - generic_words() - {PRONOUN}


def about_concepts(a: Assertion) -> set[str]:
    """What a claim speaks of (`Assertion.about`), as concepts."""
    return {concept(w) for w in a.about()}


def holder_words(holder: str) -> set[str]:
    """A holder's name ("kratom user") as concepts, to look for among what a claim speaks of (about())."""
    return {concept(stem(w)) for w in holder.split()}


def same_holder(absent: str, present: str, occurring_claim: Assertion) -> bool:
    """Whether an absence and an occurrence can concern the same people or things: their holders agree
    (`agents_agree`: one unknown, or they share a word), and an absence said of someone ("no B cells in the
    blood of two patients") meets an occurrence said of no one ("persistor cells explain ...") only where that
    claim names them."""
    if not agents_agree(absent, present):
        return False
    return not absent or bool(present) or bool(holder_words(absent) & about_concepts(occurring_claim))


def narrowing(a: Assertion, stem_: str) -> set[str]:
    """The concepts that narrow what a claim says is absent or occurs ("influenza" in "an influenza vaccine")."""
    return {concept(w) for w in a.qualifiers.get(stem_, "").split()}


def same_kind(absent: set[str], present: set[str], occurring_claim: Assertion) -> bool:
    """Whether a narrowed absence ("no cardiac infection", "no oxford vaccine") can be the thing that occurs:
    the occurrence is narrowed by one of its words ("oxford vaccine"), or, said plainly ("sars-cov-2
    infection in ciliated cells"), its claim names one of them. An absence said plainly ("no vaccine") meets
    every occurrence."""
    if not absent:
        return True
    return bool(absent & (present or about_concepts(occurring_claim)))


def quantity_signals(a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """Both claims answer a dosing question with amounts that do not overlap (500 mg vs 1–3 g; "up to 6 mg" is
    any amount to 6 mg), or give one dose with times that do not ("a 100 g dose ... after 1 year" vs "... after
    5–6 years"). A claim that names doses which do not overlap each other ("a 20 g loading dose, then 3 g a
    day", "0.3 mg works better than 5 or 10 mg") compares or sequences them: it states no one dose to conflict
    with. Doses for different age groups ("children" against none named, the usual adult dose) answer different
    questions."""
    if not (a.dosing and b.dosing) or a.population != b.population or not (_one_dose(a) and _one_dose(b)):
        return []
    pairs = [(qa, qb) for qa in a.quantities for qb in b.quantities if qa.unit == qb.unit and qa.answers_alike(qb)]
    same_dose = any(qa.unit in DOSE_UNITS and _overlap(qa, qb) for qa, qb in pairs)
    for qa, qb in pairs:
        if (qa.unit in DOSE_UNITS or same_dose) and not _overlap(qa, qb):
            return [Signal("quantity", f"dose: {_named(qa)} ({doc_a}) vs {_named(qb)} ({doc_b})")]
    return []


def value_signals(contrast: Contrast, a: Assertion, b: Assertion, doc_a: str, doc_b: str) -> list[Signal]:
    """The quantity judge's reading of any measure: the claims state one proposition with values that do not
    overlap ("160,000 vehicles" vs "40,000 vehicles" cross a bridge a day; `Contrast.value_conflict`). Doses are
    left to `quantity_signals`, which reads their roles, bounds and age groups. A date is a value too: one event
    that happens once, dated to different years ("completed in 1932" vs "finished in 1928";
    `Contrast.date_conflict`), and so is an age limit: one claim keeps people out below an age the other lets in
    ("not for children under 3" / "safe for children 1 and older"; `Contrast.age_conflict`)."""
    if contrast.date_conflict is not None:
        first, second = contrast.date_conflict
        return [Signal("quantity", f"date: {first} ({doc_a}) vs {second} ({doc_b})")]
    if dated := date_conflict(a, b):
        first, second = dated
        return [Signal("quantity", f"date: {first} ({doc_a}) vs {second} ({doc_b})")]
    if contrast.age_conflict is not None:
        first, second = contrast.age_conflict
        return [Signal("quantity", f"age: {first} ({doc_a}) vs {second} ({doc_b})")]
    if named := name_conflict(a, b):
        what, first, second = named
        return [Signal("quantity", f"{what}: {first} ({doc_a}) vs {second} ({doc_b})")]
    if contrast.value_conflict is None or any(q.unit in DOSE_UNITS for q in (*a.quantities, *b.quantities)):
        return []
    first, second = contrast.value_conflict
    return [Signal("quantity", f"value: {first} ({doc_a}) vs {second} ({doc_b})")]


def date_conflict(a: Assertion, b: Assertion) -> tuple[str, str] | None:
    """Two clauses that date one event which happens once (`events`: a word form such as "opened", "was founded",
    "died") to different years, of one thing: what it happens to — what the verb acts on, else its subject — is one
    thing or set a name, "the" or an owner picks out, the same in both ("the bridge opened to traffic in 1932" / "the
    bridge opened in 1934 and was designed by …"; "Acme was founded in 1901" / "in 1903 by John Smith"; not "the museum
    opened a new wing in 1932", nor "two workers died in 1930"), and the other roles both fill name the same things
    ("opened in Paris" / "in Lyon" are two openings). Neither is denied. A participle that describes a noun dates it too
    ("the flood barriers, completed in 2012, held" / "the flood barriers were completed in 2009"; `Assertion.datings`).
    Each side as "opened 1932"."""
    once = events()
    for p in (*a.predications, *a.datings):
        event = once.get(p.form)
        if event is None or p.denied or not (p.one and p.years):
            continue
        for q in (*b.predications, *b.datings):
            if once.get(q.form) != event or q.denied or not (q.one and q.years) or p.years & q.years:
                continue
            if _one_undergoer(p, q):
                return _dated(p), _dated(q)
    return None


def _one_undergoer(p: Predication, q: Predication) -> bool:
    """Whether two clauses happen to one thing (what the verb acts on, else its subject: they share a concept that
    is no generic word), and the other roles both fill share a concept."""
    roles_p, roles_q = dict(p.arguments), dict(q.arguments)
    undergoer_p, undergoer_q = roles_p.pop("", p.subject), roles_q.pop("", q.subject)
    if not (undergoer_p & undergoer_q) - generic_words() - {PRONOUN}:
        return False
    return all(roles_p[role] & roles_q[role] for role in roles_p.keys() & roles_q.keys())


def _dated(p: Predication) -> str:
    return f"{p.form} {', '.join(map(str, sorted(p.years)))}"


def name_conflict(a: Assertion, b: Assertion) -> tuple[str, str, str] | None:
    """A name is a value too: two claims that name different people, places or things for what only one can be —
    what one description with "the" or an owner picks out ("the capital of the province is Arlen" / "Tessel is
    the capital of the province"; adjectives alike where both have some), or who did, or where, an event that
    happens once to one thing ("founded by Clara Osterfeld" / "by Heinrich Baum", "born in Lyon" / "in Paris";
    `event_verbs`; a month is no place). Returns what is named (the description, or the event: "founding"), and
    each claim's name."""
    generic = generic_words()
    for i in a.identities:
        for j in b.identities:
            alike = not i.qualities or not j.qualities or i.qualities == j.qualities  # "the official currency"
            if i.description == j.description and i.description - generic and alike and not i.name & j.name:
                return i.words, i.named, j.named
    once, months = event_verbs(), _month_concepts()
    for p in a.predications:
        for q in b.predications:
            if p.words != q.words or p.words not in once or p.denied or q.denied:
                continue
            first, second = dict(p.arguments), dict(q.arguments)
            if not (first.get("", frozenset()) & second.get("", frozenset())) - generic:
                continue  # not one thing founded, born, found
            roles = [(p.subject, q.subject)] + [(first[r], second[r]) for r in first if r and r in second]
            for x, y in roles:
                if x and y and x <= p.proper - months and y <= q.proper - months and not x & y:
                    return once[p.words], _words(p, x), _words(q, y)
    return None


@lru_cache(maxsize=1)
def _month_concepts() -> frozenset[str]:
    """The months as concepts: a time, never a place."""
    return frozenset(concept(stem(m)) for m in MONTHS)


def _words(p: Predication, concepts: frozenset[str]) -> str:
    """The words a clause names `concepts` with, in its order."""
    return " ".join(word for key, word in p.names if key in concepts)


def _named(q: Quantity) -> str:
    """An amount as an explanation names it: "loading dose 20 g", "3 to 5 grams"."""
    if not q.role:
        return q.text
    return f"{q.text} (a condition)" if q.role == "if" else f"{q.role} dose {q.text}"


def _one_dose(a: Assertion) -> bool:
    """Whether every dose a claim names overlaps every other of the same unit (whatever their roles: a claim
    naming a loading and a maintenance dose is not set against a plain dose, which could be either)."""
    doses = [q for q in a.quantities if q.unit in DOSE_UNITS]
    return all(_overlap(p, q) for i, p in enumerate(doses) for q in doses[i + 1 :] if p.unit == q.unit)


def _overlap(qa: Quantity, qb: Quantity, tolerance: float = 0.1) -> bool:
    # 10% slack: "about 500 mg" and "0.5 g" are the same amount, "500 mg" and "1 g" are not.
    (low_a, high_a), (low_b, high_b) = qa.span(), qb.span()
    return low_a <= high_b * (1 + tolerance) and low_b <= high_a * (1 + tolerance)


def scope_note(a: Assertion, b: Assertion) -> str:
    """ "different scope: in mice vs in healthy human subjects" where the claims speak of different settings."""
    if a.scope and b.scope and set(a.scope) != set(b.scope):
        return f"different scope: {', '.join(a.scope)} vs {', '.join(b.scope)}"
    if bool(a.scope) != bool(b.scope):
        return f"scope stated on one side only: {', '.join(a.scope or b.scope)}"
    return ""


def compare(a: Assertion, b: Assertion, doc_a: str, doc_b: str, contrast: Contrast | None = None) -> list[Signal]:
    """Every signal that the two claims conflict (at most one of each kind): the claim reader's, and with the
    claims' `contrast` one proposition with another value."""
    found = direction_signals(a, b, doc_a, doc_b)
    if not any(s.kind == "negation" for s in found):  # a denied effect already is the negation
        found += negation_signals(a, b, doc_a, doc_b)
    if not any(s.kind == "negation" for s in found):  # a denied effect or an absence is already a denial
        # Opposite effects on one target are the direction judge's, and what holds at different times is no
        # opposite ("sales rose in 2019" / "fell in 2020").
        apart = any(s.kind == "direction" for s in found) or (contrast is not None and contrast.other_times)
        found += denial_signals(a, b, doc_a, doc_b, opposites=not apart)
    found += quantity_signals(a, b, doc_a, doc_b)
    if contrast is not None and not any(s.kind == "quantity" for s in found):
        found += value_signals(contrast, a, b, doc_a, doc_b)
    return found
