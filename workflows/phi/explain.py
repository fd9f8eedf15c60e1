"""Every block explained: kind, words, a reason a non-lawyer understands, a rewrite.

A sentence the classifier flags becomes one finding over the sentence, of its most
likely kind (from the per-kind models), naming the words that weighed most. Names,
clinicians and dates inside a flagged sentence get findings of their own, so the
author sees exactly which words to remove.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflows.phi.analysis import Analysis
from workflows.phi.features import CLINICAL
from workflows.phi.identifiers import RawFinding, Sentence
from workflows.phi.model import LinearModel, Scored
from workflows.phi.vocab import fold

# a name after one of these is a clinician's ("Dr. Hendricks", not "Drake Lowe")
CLINICIAN_TITLES = frozenset("dr dra doctor doctora nurse enfermera enfermero".split())

REASONS: dict[str, str] = {
    "patient_name": "Uses the reviewer's name (or another person's) in a reply about care, "
    "which tells everyone they are a patient.",
    "confirms_patient": "Confirms this person is (or was) a patient here; even confirming "
    "that, or repeating their own story back, is a disclosure.",
    "clinical_detail": "Mentions a medical detail (condition, treatment, medicine, test or "
    "result) about this person.",
    "visit_date": "Tells the public when this person was (or will be) seen.",
    "appointment_history": "Reveals this person's visits or appointment history.",
    "billing_insurance": "Reveals this person's billing, payment or insurance details.",
    "identifier": "Is an identifier of this person (record or account number, birth date, "
    "or their own phone, e-mail or address).",
    "staff_patient_link": "Says which staff member cared for this person, linking them to "
    "their care.",
    "family_member": "Discloses the care of the reviewer's relative.",
    "new_fact": "Adds a fact about this person's care that the review itself never stated.",
}
SUGGESTIONS: dict[str, str] = {
    "patient_name": "Drop the name, or keep the greeting only if nothing else refers to care.",
    "confirms_patient": "Don't confirm a visit or record; say you can't discuss anyone's care "
    "online and invite them to call the office privately.",
    "clinical_detail": "Remove the medical detail; speak only about services in general.",
    "visit_date": "Remove the date or time; don't refer to when they were seen.",
    "appointment_history": "Remove references to their visits; offer a private call instead.",
    "billing_insurance": "Remove billing and insurance details; point to the billing office's "
    "public number.",
    "identifier": "Remove the number or personal contact detail; give only the organisation's "
    "public contacts.",
    "staff_patient_link": "Don't say who treated them; refer to 'our team' and a public "
    "contact role.",
    "family_member": "Don't mention the relative or their care; invite a private call.",
    "new_fact": "Remove it: answer only in general terms and take details offline.",
}
SPANISH_SUGGESTION = (
    " En español: «Gracias por su comentario. Por privacidad no podemos hablar de ningún "
    "caso en particular; llámenos al número de la clínica.»"
)
# kinds a sentence can be given by the per-kind models; names, identifiers and added
# facts are found by other means
SENTENCE_KINDS = (
    "confirms_patient",
    "clinical_detail",
    "visit_date",
    "appointment_history",
    "billing_insurance",
    "staff_patient_link",
    "family_member",
)
TOP_WORDS = 3
MAX_SENTENCE_KINDS = 3


@dataclass(frozen=True)
class Explained:
    kind: str
    start: int
    end: int
    reason: str

    def suggestion(self, spanish: bool) -> str:
        return SUGGESTIONS[self.kind] + (SPANISH_SUGGESTION if spanish else "")


def identifier_finding(f: RawFinding) -> Explained:
    return Explained(f.kind, f.start, f.end, f.reason or REASONS[f.kind])


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and text[end - 1] in " \n\t":
        end -= 1
    return start, end


# words that carry no meaning a reader could act on: never named as "weighed most"
# ("you" and "your" stay: addressing the reviewer is part of a disclosure)
FUNCTION_WORDS = frozenset(
    """a an the of on in at to for from by with about into over under after before during
    up out off as and or but nor so if than then that this these those it its is are was
    were be been being am do does did has have had one just also very all any some
    el la los las lo un una unos unas de del al en y e o u que con por para sobre entre
    desde hasta muy es son fue era ser se""".split()
)


def weighty_words(a: Analysis, scored: Scored, limit: int = TOP_WORDS) -> list[str]:
    """The original words that pushed the score up most, in reading order (function
    words left out)."""
    meaningful = (
        (c, i)
        for i, c in scored.by_word.items()
        if c > 0
        and fold(a.norm.original_text(a.terms[i].start, a.terms[i].end)) not in FUNCTION_WORDS
    )
    ranked = sorted(meaningful, key=lambda p: (-p[0], p[1]))[:limit]
    words: list[str] = []
    for _c, i in sorted(ranked, key=lambda p: p[1]):
        t = a.terms[i]
        w = a.norm.original_text(t.start, t.end)
        if w not in words:
            words.append(w)
    return words


def explain_sentence(
    a: Analysis,
    s: Sentence,
    scored: Scored,
    model: LinearModel,
    staff_directory: tuple[str, ...] = (),
) -> list[Explained]:
    feats = a.features(s.start, s.end)
    scores = model.kind_scores(feats)
    ranked = sorted((k for k in SENTENCE_KINDS if k in scores), key=lambda k: (-scores[k], k))
    # a flagged sentence confirms a care relationship; add the most likely other kind,
    # and one more when its model also favours it
    others = [k for k in ranked if k != "confirms_patient"]
    kinds = ["confirms_patient", *others[:1]]
    kinds += [k for k in others[1 : MAX_SENTENCE_KINDS - 1] if scores[k] > 0]
    words = weighty_words(a, scored)
    quoted = ", ".join(f"“{w}”" for w in words)
    start, end = _trim(a.norm.text, s.start, s.end)
    out = [
        Explained(
            k, start, end, REASONS[k] + (f" Words that weighed most: {quoted}." if quoted else "")
        )
        for k in kinds
    ]
    staff = {fold(n) for n in staff_directory}
    for e in a.entities:
        if not (s.start <= e.start < s.end):
            continue
        if e.kind == "PHI_REVIEWER":
            out.append(Explained("patient_name", e.start, e.end, REASONS["patient_name"]))
        elif e.kind == "PHI_PERSON":
            name = fold(a.norm.text[e.start : e.end])
            title = re.match(r"\w+", name)
            clinician = bool(title and title.group(0) in CLINICIAN_TITLES) or any(
                n and n in name for n in staff
            )
            k = "staff_patient_link" if clinician else "patient_name"
            out.append(Explained(k, e.start, e.end, REASONS[k]))
        elif e.kind == "PHI_DATE":
            out.append(Explained("visit_date", e.start, e.end, REASONS["visit_date"]))
        elif e.kind in CLINICAL:
            out.append(Explained("clinical_detail", e.start, e.end, REASONS["clinical_detail"]))
            if not set(fold(e.term).split()) <= a.mention_keys:
                out.append(Explained("new_fact", e.start, e.end, REASONS["new_fact"]))
    return out


__all__ = [
    "REASONS",
    "SPANISH_SUGGESTION",
    "SUGGESTIONS",
    "Explained",
    "explain_sentence",
    "identifier_finding",
    "weighty_words",
]
