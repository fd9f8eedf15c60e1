"""Context rules: which recognised candidates are PHI in *this* reply.

The recognisers find words; these rules decide by context, sentence by sentence:

* whose is it — is a clinical word tied to the reader ("your", "usted", the
  reviewer's name, "your son"), to another named person, or said about services in
  general ("we offer", "anyone", privacy-policy sentences)?
* whose number is it — "call our Patient Relations team at …" versus "we called you
  at …";
* is the reply about care at all — a greeting by name on a reply about parking passes,
  the same name next to a diagnosis does not.

Everything here works on the normalised text; the screen maps spans back.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from presidio_analyzer import RecognizerResult

from workflows.phi import care_default as CD
from workflows.phi import implied as I
from workflows.phi import patterns as P
from workflows.phi import structural as S
from workflows.phi.names import NameProfile
from workflows.phi.types import OrgContext
from workflows.phi.vocab import STRONG_CLINICAL, Token, Vocabulary, fold, tokenize

STRONG = tuple("PHI_" + c.upper() for c in STRONG_CLINICAL)
WEAK = ("PHI_CLINICAL_WEAK", "PHI_CARE_SETTING", "PHI_BODY_PART")
BILLING = ("PHI_BILLING", "PHI_BILLING_WEAK")
CARE_WORDS = (*STRONG, *WEAK, "PHI_CARE_NOUN", *BILLING, "PHI_INSURER")
BLOCKING_NOT = frozenset({"patient_name", "new_fact"})

REASONS: dict[str, str] = {
    "patient_name": "Uses the reviewer's name in a reply about care, which tells everyone "
    "they are a patient.",
    "other_name": "Names another person in connection with care; their care is private too.",
    "confirms_patient": "Confirms this person is (or was) a patient here; even confirming "
    "that is a disclosure.",
    "echo": "Repeats the reviewer's own account of their care back to them; confirming it "
    "is still a disclosure.",
    "clinical_detail": "Mentions a medical detail (condition, treatment, medicine or test) "
    "about this person.",
    "visit_date": "Tells the public when this person was (or will be) seen.",
    "appointment_history": "Reveals this person's visits or appointment history.",
    "billing_insurance": "Reveals this person's billing, payment or insurance details.",
    "identifier": "Is an identifier of this person (record or account number, birth date, "
    "or their own phone, e-mail or address).",
    "staff_patient_link": "Says which staff member cared for this person, linking them to "
    "their care.",
    "family_member": "Discloses care of the reviewer's relative.",
    "new_fact": "Adds a fact the review itself never mentioned.",
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

_STOP_AFTER_POSSESSIVE = frozenset(
    (
        "about with for from on at of in to and or but that which who is was were are be been "
        "has have had will would can could the a an this these our we us it its feedback "
        "comments comment concern concerns question questions experience review reviews email "
        "call calls message messages patience words point time energy enthusiasm interest "
        "support kindness trust understanding opinion perspective suggestion suggestions note "
        "frustration comparison business loyalty voice words thoughts story post team family "
        "de del con por para en al y o que comentario comentarios opinion mensaje paciencia "
        "palabras experiencia"
    ).split()
)
_POSSESSIVE_KEYS = frozenset({"your", "yours", "su", "sus", "tu", "tus"})
_BOOKING_BEFORE = re.compile(
    r"\b(?:book|make|schedule|request|set up|bring|update|manage|check|have|keep|confirm|"
    r"verify|see if|find out if|know if|whether|get|haga|programe|traiga|confirme|programar|"
    r"agendar|hacer|sacar|reservar|confirmar|traer)\s+(?:your|su|sus)\s*$",
    re.IGNORECASE,
)
_DEFINITE_BEFORE = re.compile(r"\b(?:the|that|this|el|la|los|las)\s+(?:[\w'-]+\s+){0,2}$", re.I)
_PAST_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+){0,2}?(?:was|were|had been|has been|came back|showed|revealed|took|"
    r"hurt|caused|left|healed|went well|went badly|wasn't|was not|weren't|were not|"
    r"didn't|did not|could have|should have|has gone|went down|has improved|is healing|"
    r"feels|works|is working|helps|helped|"
    r"needed|got|went|is being|fue|sali[oó])\b",
    re.I,
)
_WHO_CARE_AFTER = re.compile(r"^\s*,?\s*(?:who|que)\s+(?:\w+\s+)?" + P.CARE_VERB.pattern, re.I)
_WITH_BEFORE = re.compile(r"\b(?:with|con)\s*$", re.I)
_FOR_BEFORE = re.compile(r"\b(?:for|para|to|a)\s*$", re.I)
_POSSESSIVE_AFTER = re.compile(r"^'s?\b")
_ORG_ADDRESS = re.compile(
    r"\b(?:our|visit us|we're located|we are located|office|clinic|campus|building|"
    r"entrance|parking|garage|location|suite|nuestr[oa])\b",
    re.I,
)
_ROLE_LOCAL_PARTS = frozenset(
    (
        "info information feedback billing support help contact care office hello smile "
        "concierge appointments appointment scheduling records privacy patientrelations "
        "frontdesk admin team careers jobs press media pharmacy lab results questions service "
        "services customerservice noreply reception welcome hr recruiting marketing compliance "
        "patientexperience experience advocate advocacy clinic dental hola citas contacto"
    ).split()
)


@dataclass(frozen=True)
class Cand:
    entity: str
    start: int
    end: int
    meta: dict[str, Any]


@dataclass(frozen=True)
class RawFinding:
    kind: str
    start: int
    end: int
    reason: str


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    policy: bool
    generic: bool
    offer: bool
    contact: bool
    empathy: bool
    you: list[tuple[int, int]] = field(default_factory=list)
    cands: list[Cand] = field(default_factory=list)

    def of(self, *entities: str) -> list[Cand]:
        return [c for c in self.cands if c.entity in entities]

    def has(self, *entities: str) -> bool:
        return any(c.entity in entities for c in self.cands)


@dataclass
class Context:
    text: str
    mention_text: str
    profile: NameProfile
    org: OrgContext | None
    staff_directory: tuple[str, ...]
    vocab: Vocabulary


_SERVICE_AFTER = re.compile(
    r"^[\s-]*(?:[\w'-]+\s+){0,2}?(?:clinics?|centers?|centres?|units?|programs?|"
    r"departments?|teams?|services?|class(?:es)?|courses?|groups?|wards?|wings?|suites?|"
    r"specialists?|institutes?|pavilions?|divisions?|awareness|month|walk|fair|seminars?|"
    r"workshops?|events?|screenings? events?|floors?|lab(?:oratory)?|hotline|line|"
    r"machines?|scanners?|equipment|entrances?|lobby|lobbies|garages?|parking|doors?|"
    r"waiting rooms?|valet|elevators?)\b",
    re.I,
)
_VOCAB_PREFIX = "PHI_"
_NOT_SERVICE = frozenset(
    {"PHI_FAMILY", "PHI_CLINICIAN_TITLE", "PHI_CLINICIAN_ROLE", "PHI_CONTACT_ROLE", "PHI_INSURER"}
)
_NOT_VOCAB = frozenset(
    {
        "PHI_REVIEWER",
        "PHI_PERSON",
        "PHI_DATE",
        "PHI_PHONE",
        "PHI_URL",
        "PHI_ID",
        "PHI_ID_WEAK",
        "PHI_DOB",
        "PHI_ADDRESS",
        "PHI_CONFIRM",
        "PHI_CONFIRM_CTX",
        "PHI_APPOINTMENT",
        "PHI_STAFF_ROLE",
        "PHI_PHARMACY",
        "PHI_APPT_DATED",
        "PHI_APPT_YOU",
        "PHI_VISIT",
        *("PHI_WARM", "PHI_RESULT", "PHI_BIRTH", "PHI_STAY3", "PHI_UNIT_STAY"),
    }
)
# phrases that tie the reader to the practice (pharmacy pick-ups, dated appointments,
# visits and returns)
RELATION = ("PHI_PHARMACY", "PHI_APPT_DATED", "PHI_APPT_YOU", "PHI_VISIT")
# care confirmed without clinical or record words: warm relationship language, results in
# plain words, births, a relative's stay, nights on a care unit
PLAIN_CARE = ("PHI_WARM", "PHI_RESULT", "PHI_BIRTH", "PHI_STAY3", "PHI_UNIT_STAY")


def _is_vocab(c: Cand) -> bool:
    return c.entity.startswith(_VOCAB_PREFIX) and c.entity not in _NOT_VOCAB


def _cands(results: Iterable[RecognizerResult], text: str) -> list[Cand]:
    out = []
    for r in results:
        meta = r.recognition_metadata if isinstance(r.recognition_metadata, dict) else {}
        out.append(Cand(str(r.entity_type), int(r.start), int(r.end), meta))
    reviewer = [c for c in out if c.entity == "PHI_REVIEWER"]
    vocab = [c for c in out if _is_vocab(c)]
    keep: list[Cand] = []
    for c in out:
        if _is_vocab(c):
            # the reviewer called Oscar is not the insurer Oscar
            if any(r.start < c.end and c.start < r.end for r in reviewer):
                continue
            # "cancer" inside "cancer center": the longer term wins
            if any(
                o.start <= c.start and c.end <= o.end and (o.end - o.start) > (c.end - c.start)
                for o in vocab
            ):
                continue
            # "the diabetes education program", "our cancer center": a service, not a person
            if c.entity not in _NOT_SERVICE and _SERVICE_AFTER.match(text[c.end : c.end + 40]):
                continue
            # "el centro comunitario de cáncer", "programa de prevención de diabetes"
            if c.entity not in _NOT_SERVICE and P.SERVICE_BEFORE_ES.search(
                text[max(0, c.start - 60) : c.start]
            ):
                continue
        elif c.entity in ("PHI_REVIEWER", "PHI_PERSON") and _org_name(c, text):
            # "Sunrise Pharmacy", "Smile Studio", "Clínica Sol": an organisation
            continue
        keep.append(c)
    keep = [c for c in keep if not _offer_not_past(c, text)]
    # "we loved having you in the volunteer program": not a care programme
    keep = [
        c
        for c in keep
        if not (c.entity == "PHI_WARM" and P.NOT_CARE_PROGRAM.search(text[c.start : c.end]))
    ]
    keep.sort(key=lambda c: (c.start, -c.end))
    return keep


def _org_name(c: Cand, text: str) -> bool:
    """A name that is part of an organisation's name, not a person's."""
    if P.ORG_WORD_AFTER.match(text[c.end : c.end + 40]):
        return True
    if P.ORG_WORD_BEFORE.search(text[max(0, c.start - 30) : c.start]):
        return True
    if c.entity != "PHI_PERSON" or c.meta.get("title") in ("clinician", "honorific"):
        return False
    return any(P.ORG_NAME_WORD.match(w) for w in text[c.start : c.end].split())


def _offer_not_past(c: Cand, text: str) -> bool:
    """ "con gusto le explicamos cómo…": present tense, an offer, not a past visit."""
    if c.entity != "PHI_CONFIRM" or fold(text[c.start : c.start + 3]) not in (
        "le ",
        "lo ",
        "la ",
        "te ",
    ):
        return False
    return bool(
        P.OFFER_NOT_PAST_BEFORE.search(text[max(0, c.start - 30) : c.start])
        or P.OFFER_NOT_PAST_AFTER.match(text[c.end : c.end + 30])
    )


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


class Decision:
    """Applies the rules to one reply."""

    def __init__(self, ctx: Context, results: Iterable[RecognizerResult]) -> None:
        self.ctx = ctx
        self.text = ctx.text
        self.cands = _cands(results, ctx.text)
        self._cand_starts = [c.start for c in self.cands]
        self.findings: dict[tuple[str, int, int], RawFinding] = {}
        self.tokens = tokenize(self.text)
        self.mention_keys = frozenset(t.key for t in tokenize(ctx.mention_text))
        self.mention_family = any(
            c
            for c in ctx.vocab.match(tokenize(ctx.mention_text), fuzzy=False)
            if c.category == "family"
        )
        self.reviewer = [c for c in self.cands if c.entity == "PHI_REVIEWER"]
        self.mention_question = bool(_QUESTION.search(ctx.mention_text)) and not bool(
            _FIRST_PERSON_CARE.search(ctx.mention_text)
        )
        self.sentences = self._sentences()
        self._sentence_starts = [s.start for s in self.sentences]
        self.family_anchors: list[tuple[int, int]] = []
        self.spanish = self._looks_spanish()

    # -- set-up --------------------------------------------------------------------

    def _looks_spanish(self) -> bool:
        words = [t.key for t in self.tokens]
        hits = sum(1 for w in words if w in _SPANISH_MARKERS)
        return len(words) > 0 and hits / len(words) > 0.12

    def _sentences(self) -> list[Sentence]:
        out: list[Sentence] = []
        for s, e in P.sentence_spans(self.text):
            t = self.text[s:e]
            generic_you = [m.span() for m in P.GENERIC_YOU.finditer(t)]
            you = [
                (s + m.start(), s + m.end())
                for m in P.SECOND_PERSON.finditer(t)
                if not any(a <= m.start() < b for a, b in generic_you)
            ]
            sent = Sentence(
                s,
                e,
                t,
                policy=bool(P.POLICY.search(t)),
                generic=bool(P.GENERIC.search(t)),
                offer=bool(P.OFFER.search(t) or P.EVENT.search(t) or _price_offer(t, you)),
                contact=bool(P.CONTACT.search(t)),
                empathy=bool(P.EMPATHY.search(t)),
                you=you,
            )
            lo = bisect.bisect_left(self._cand_starts, s)
            hi = bisect.bisect_left(self._cand_starts, e)
            sent.cands = self.cands[lo:hi]
            out.append(sent)
        return out

    def add(self, kind: str, start: int, end: int, reason: str | None = None) -> None:
        key = (kind, start, end)
        if key not in self.findings:
            self.findings[key] = RawFinding(kind, start, end, reason or REASONS[kind])

    # -- signals -------------------------------------------------------------------

    def care_in(self, s: Sentence) -> bool:
        return s.has(
            *CARE_WORDS,
            *RELATION,
            *PLAIN_CARE,
            "PHI_CONFIRM",
            "PHI_APPOINTMENT",
            "PHI_STAFF_ROLE",
        ) or bool(P.CARE_VERB.search(s.text))

    def strong_care_in(self, s: Sentence) -> bool:
        return s.has(
            *STRONG, *RELATION, *PLAIN_CARE, "PHI_CARE_NOUN", "PHI_CONFIRM", "PHI_APPOINTMENT"
        )

    def name_in(self, s: Sentence) -> list[Cand]:
        return [c for c in self.reviewer if s.start <= c.start < s.end]

    def family_in(self, s: Sentence) -> list[tuple[int, int]]:
        return [a for a in self.family_anchors if s.start <= a[0] < s.end]

    def _cands_at_token(self) -> dict[int, list[Cand]]:
        by_start: dict[int, list[Cand]] = {}
        for c in self.cands:
            if c.entity.startswith("PHI_") and c.entity not in (
                "PHI_REVIEWER",
                "PHI_PERSON",
                "PHI_DATE",
                "PHI_PHONE",
                "PHI_URL",
            ):
                by_start.setdefault(c.start, []).append(c)
        return by_start

    # -- rules ---------------------------------------------------------------------

    def run(self) -> list[RawFinding]:
        self.possessives()
        for s in self.sentences:
            self.cooccurrence(s)
            self.phrases(s)
            self.billing(s)
            self.dates(s)
            self.people(s)
            self.contacts(s)
            self.specific_events(s)
            self.echo(s)
            self.everyday(s)
            self.relation(s)
            self.plain_care(s)
            self.structural(s)
            self.care_default(s)
            self.implied_care(s)
            self.ongoing_care(s)
            self.round7(s)
        self.milestone()
        self.not_about_a_patient()
        self.identifiers()
        if any(f.kind not in BLOCKING_NOT for f in self.findings.values()):
            self.about_care()
        return sorted(self.findings.values(), key=lambda f: (f.start, f.end, f.kind))

    def sentence_of(self, pos: int) -> Sentence | None:
        i = bisect.bisect_right(self._sentence_starts, pos) - 1
        if i >= 0 and self.sentences[i].start <= pos < self.sentences[i].end:
            return self.sentences[i]
        return None

    def possessives(self) -> None:
        """ "your chart", "your son's asthma", "su mamografía"."""
        by_start = self._cands_at_token()
        toks = self.tokens
        for i, tok in enumerate(toks):
            if tok.key not in _POSSESSIVE_KEYS:
                continue
            s = self.sentence_of(tok.start)
            if s is None:
                continue
            before = self.text[max(s.start, tok.start - 40) : tok.end]
            booking = bool(_BOOKING_BEFORE.search(before))
            promotion = bool(P.PROMOTION_YOUR.search(before))
            j = i + 1
            steps = 0
            family_seen = False
            while j < len(toks) and steps < 4:
                nxt = toks[j]
                gap = self.text[toks[j - 1].end : nxt.start]
                if any(ch in gap for ch in ".,;:!?()\n") and gap.strip() not in ("'", "-"):
                    break
                found = by_start.get(nxt.start, [])
                ents = {c.entity for c in found}
                if "PHI_FAMILY" in ents and not family_seen:
                    fam = next(c for c in found if c.entity == "PHI_FAMILY")
                    self.family_anchors.append((tok.start, fam.end))
                    family_seen = True
                    j += 1
                    steps = 0
                    if j < len(toks) and toks[j].key == "s":
                        j += 1
                    continue
                hit = self._possessed(tok, s, found, booking, family_seen, promotion)
                if hit and ents & _DEFINITE_HITS:
                    break  # "your knee follow-up": a weak word does not end the phrase
                if nxt.key in _STOP_AFTER_POSSESSIVE or nxt.key in _POSSESSIVE_KEYS:
                    break
                j += 1
                steps += 1

    def _possessed(
        self,
        tok: Token,
        s: Sentence,
        found: list[Cand],
        booking: bool,
        family: bool,
        promotion: bool = False,
    ) -> bool:
        ents = {c.entity for c in found}
        if not ents:
            return False
        end = max(c.end for c in found)
        care_ctx = (
            (
                self.care_in(s)
                and len([c for c in s.cands if c.entity in CARE_WORDS and c not in found]) > 0
            )
            or bool(P.CARE_VERB.search(s.text))
            or family
        )
        fam_kind = "family_member" if family else "confirms_patient"
        strong = [c for c in found if c.entity in STRONG]
        if strong and promotion and not family:
            return True  # "remember to schedule your mammogram": advice, not a record
        if strong:
            for c in strong:
                self.add("clinical_detail", c.start, c.end)
            self.add(fam_kind, tok.start, end)
            return True
        if "PHI_INSURER" in ents or ("PHI_BILLING" in ents and "PHI_CARE_NOUN" in ents):
            self.add("billing_insurance", tok.start, end)
            self.add(fam_kind, tok.start, end)
            return True
        if "PHI_CARE_NOUN" in ents:
            if (booking or (s.generic and self.mention_question)) and not family:
                return True  # "bring ... to your first appointment", answering a question
            if s.generic and not family and not self.name_in(s) and not care_ctx:
                return True
            self.add(fam_kind, tok.start, end)
            noun = next(c for c in found if c.entity == "PHI_CARE_NOUN")
            if noun.meta.get("term") in _VISIT_NOUNS:
                self.add("appointment_history", tok.start, end)
            if "PHI_BILLING" in ents or "PHI_INSURER" in ents:
                self.add("billing_insurance", tok.start, end)
            elif "PHI_TEST" in ents or "PHI_CLINICAL_WEAK" in ents:
                self.add("clinical_detail", noun.start, noun.end)
            return True
        if (s.policy or s.generic) and not family:
            # "results are shared ... by your provider": policy, not a record; but "please
            # bring your inhaler" is about this person's treatment
            clinical_word = bool(ents & {"PHI_CLINICAL_WEAK", "PHI_CARE_SETTING"})
            if s.policy or not clinical_word or self.mention_question:
                return False
        if ents & {
            "PHI_CLINICAL_WEAK",
            "PHI_CARE_SETTING",
            "PHI_BODY_PART",
            "PHI_BILLING",
            "PHI_CARE_NOUN_WEAK",
        }:
            clinical = bool(ents & {"PHI_CLINICAL_WEAK", "PHI_CARE_SETTING"})
            if care_ctx and (clinical or not booking or family):
                kind = "billing_insurance" if ents & set(BILLING) else "clinical_detail"
                self.add(kind, tok.start, end)
                self.add(fam_kind, tok.start, end)
                return True
        return False

    def anchors(self, s: Sentence, allow_you: bool) -> list[tuple[int, int, str]]:
        out: list[tuple[int, int, str]] = [(c.start, c.end, "name") for c in self.name_in(s)]
        out += [(a, b, "family") for a, b in self.family_in(s)]
        if allow_you:
            out += [(a, b, "you") for a, b in s.you]
        return out

    def cooccurrence(self, s: Sentence) -> None:
        """A clinical word in a sentence about the reader (or addressed to them by name)."""
        if s.policy:
            return
        anchors = self.anchors(s, allow_you=not (s.generic or s.offer))
        donor = bool(P.DONOR.search(s.text))
        if donor:
            # "Lily, your donation bought new chemotherapy chairs": the gift's purpose,
            # not the donor's care (a possessed clinical word is reported on its own)
            anchors = [a for a in anchors if a[2] == "family"]
        if s.offer:
            # "Hi Gloria, we're hosting free mammograms on May 3": a greeting on an event
            anchors = [a for a in anchors if a[2] != "name"]
        # addressed by name: a clinical word anywhere is about them - unless it is a
        # general answer to a question ("Most schools require MMR vaccines")
        addressed = (
            bool(self.reviewer)
            and not s.offer
            and not donor
            and not (s.generic and self.mention_question)
        )
        strong = s.of(*STRONG)
        if strong and self.mention_question and all(k == "name" for _a, _b, k in anchors):
            # answering the reviewer's question about a service ("Where can I get a flu
            # shot?" -> "flu shots are free at every location") discloses nothing
            strong = [c for c in strong if not self._in_mention(c)]
        # "so get your flu shot soon": advice, not a record
        strong = [
            c
            for c in strong
            if not P.PROMOTION.search(self.text[max(s.start, c.start - 60) : c.start])
        ]
        if strong and (anchors or addressed):
            for c in strong:
                self.add("clinical_detail", c.start, c.end)
            self._anchor_findings(anchors)
        weak = s.of(*WEAK)
        if s.generic:
            # "Ned, some prescriptions need approval first": a greeting, not a fact
            anchors = [a for a in anchors if a[2] != "name"]
        if weak and anchors:
            care_ctx = (
                bool(P.CARE_VERB.search(s.text))
                or s.has(
                    "PHI_CONFIRM",
                    "PHI_CONFIRM_CTX",
                    "PHI_APPOINTMENT",
                    "PHI_DATE",
                    "PHI_CARE_NOUN",
                    *STRONG,
                )
                or any(k == "family" for _a, _b, k in anchors)
            )
            if care_ctx:
                for c in weak:
                    self.add("clinical_detail", c.start, c.end)
                self._anchor_findings(anchors)

    def everyday(self, s: Sentence) -> None:
        """Devices, supplies and symptoms ("keep the brace on", "ice the swelling",
        "sorry the crutches were uncomfortable") in a sentence about the reader."""
        if s.policy or s.offer:
            return
        items = s.of("PHI_CARE_ITEM")
        if not items:
            return
        answer = s.generic and self.mention_question
        anchors = self.anchors(s, allow_you=not s.generic)
        addressed = bool(self.reviewer) and not s.generic
        care_verb = bool(P.CARE_VERB.search(s.text))
        for c in items:
            before = self.text[max(s.start, c.start - 40) : c.start]
            after = self.text[c.end : s.end]
            if not P.ITEM_NOUN_BEFORE.search(before) or _ITEM_NOT_AFTER.match(after):
                continue
            possessed = P.ITEM_POSSESSED_BEFORE.search(before)
            family = [a for a in self.family_in(s) if a[1] <= c.start]
            if answer and not family:
                continue  # "What should I bring?" -> "bring your inhaler and spacer"
            if s.generic and not possessed and not family:
                continue
            state = bool(_PAST_AFTER.match(after) or _STATE_AFTER.match(after))
            if possessed or anchors or addressed or care_verb or (s.empathy and state):
                self.add("clinical_detail", c.start, c.end)
                if family:
                    self.add("family_member", family[-1][0], c.end)
                elif possessed:
                    self.add("confirms_patient", s.start + possessed.start(), c.end)
                else:
                    self.add("confirms_patient", c.start, c.end)
                    self._anchor_findings(anchors)

    def relation(self, s: Sentence) -> None:
        """Pharmacy pick-ups, a dated appointment in a fee explanation, "you cancelled
        late", "nos alegra que haya regresado": this person's own relationship."""
        answer = s.generic and self.mention_question
        dated = False
        for c in s.of("PHI_PHARMACY"):
            if s.policy or answer:
                continue
            self.add("confirms_patient", c.start, c.end)
            self.add("clinical_detail", c.start, c.end)
        for c in s.of("PHI_APPT_DATED"):
            if s.offer:
                continue
            if not (
                s.you
                or self.name_in(s)
                or self.family_in(s)
                or P.FEE_CONTEXT.search(s.text)
                or s.has(*STRONG, "PHI_CARE_NOUN", "PHI_CONFIRM", "PHI_APPOINTMENT")
            ):
                continue
            self.add("appointment_history", c.start, c.end)
            self.add("confirms_patient", c.start, c.end)
            dated = True
        for c in s.of("PHI_APPT_YOU"):
            if s.policy or s.generic:
                continue
            billed = re.search(r"charg|bill|cobr", self.text[c.start : c.end], re.I)
            self.add("billing_insurance" if billed else "appointment_history", c.start, c.end)
            self.add("confirms_patient", c.start, c.end)
            dated = True
        for c in s.of("PHI_VISIT"):
            if s.policy or s.offer or answer:
                continue
            self.add("appointment_history", c.start, c.end)
            self.add("confirms_patient", c.start, c.end)
            dated = True
        if dated:
            for c in s.of("PHI_DATE"):
                if not _is_vague_date(self.text[c.start : c.end]):
                    self.add("visit_date", c.start, c.end)

    def plain_care(self, s: Sentence) -> None:
        """Care confirmed in plain words: "our team loved caring for you", "everything
        came back clear", "congratulations on your twins", "your mother is home now",
        "her time in the hallway", "long nights on the cardiac floor"."""
        if s.policy:
            return
        answer = s.generic and self.mention_question
        for c in s.of("PHI_WARM"):
            if not answer:
                self.add("confirms_patient", c.start, c.end)
        for c in s.of("PHI_RESULT"):
            if not P.CONDITIONAL_BEFORE.search(self.text[s.start : c.start]):
                self.add("clinical_detail", c.start, c.end)
                self.add("confirms_patient", c.start, c.end)
        for c in s.of("PHI_BIRTH"):
            if not s.offer or s.you:
                self.add("clinical_detail", c.start, c.end)
                self.add("family_member", c.start, c.end)
                self.add("confirms_patient", c.start, c.end)
        for a, b in self.family_in(s):
            if P.FAMILY_STATUS_AFTER.match(self.text[b : s.end]):
                self.add("family_member", a, b)
                self.add("confirms_patient", a, b)
        for c in s.of("PHI_STAY3"):
            if not s.generic and not s.offer:
                self.add("family_member", c.start, c.end)
                self.add("confirms_patient", c.start, c.end)
        addressed = bool(self.reviewer) or any(x.you for x in self.sentences)
        for c in s.of("PHI_UNIT_STAY"):
            if addressed and not s.generic and not s.offer:
                self.add("clinical_detail", c.start, c.end)
                self.add("confirms_patient", c.start, c.end)

    # -- structural cues (structural.py) ---------------------------------------------

    def _org_named(self, a: int, b: int) -> bool:
        """A name that is the organisation's (spokespeople, staff directory, org name)."""
        key_words = [t.key for t in tokenize(self.text[a:b])]
        if not key_words:
            return True
        org = self.ctx.org
        if org is not None and org.name:
            org_keys = {t.key for t in tokenize(org.name)}
            if set(key_words) <= org_keys:
                return True
        return self._is_org_person(Cand("PHI_PERSON", a, b, {}))

    def _proper_name(self, a: int, b: int) -> bool:
        """A capitalised word used as a person's name, not an ordinary word."""
        toks = tokenize(self.text[a:b])
        if not toks:
            return False
        key = toks[-1].key
        if key in _NOT_NAME_WORDS:
            return False
        vocab = self.ctx.vocab
        return key in vocab.first_names or not vocab.in_lexicon(key)

    def _person_anchor(self, s: Sentence) -> bool:
        return bool(s.you or self.name_in(s) or self.family_in(s) or _THIRD.search(s.text))

    def structural(self, s: Sentence) -> None:
        """Care told by its shape: a care verb with a person as its object, a body part
        with an outcome, progress tied to a person, a clinician reporting about them, a
        future visit of this person."""
        if s.policy:
            return
        t = s.text
        off = s.start
        answer = s.generic and self.mention_question
        addressed = bool(self.reviewer) or any(x.you for x in self.sentences)
        # care delivered to a person: "an honor to care for your dad, Robert",
        # "trusting us with Chloe", "fue un placer atender a Sofía"
        for m in S.CARE_OBJECT_VERB.finditer(t):
            if S.CARE_OFFER_BEFORE.search(t[: m.end()]) or s.offer or answer:
                continue
            o = S.PERSON_OBJECT.match(t, m.end())
            if o is None:
                continue
            a, b = off + o.start(), off + o.end()
            if o.group("kin"):
                a = off + o.start("kin")
                self.add("family_member", a, b)
                self.add("confirms_patient", a, b)
                # "your dad, Robert": the name after the relative
                n = _APPOSED_NAME.match(t, o.end())
                if n and self._proper_name(off + n.start(1), off + n.end(1)):
                    na, nb = off + n.start(1), off + n.end(1)
                    if not self._org_named(na, nb) and not self._is_reviewer(na, nb):
                        self.add("patient_name", na, nb, REASONS["other_name"])
                continue
            grp = "hon" if o.group("hon") else "name"
            a, b = off + o.start(grp), off + o.end(grp)
            if grp == "name" and not self._proper_name(a, b):
                continue
            if self._is_reviewer(a, b):
                self.add("confirms_patient", a, b)
                continue
            if self._org_named(a, b):
                continue
            self.add("patient_name", a, b, REASONS["other_name"])
            self.add("family_member", a, b)
            self.add("confirms_patient", a, b)
        for m in S.PRESENCE.finditer(t):
            self.add("family_member", off + m.start(), off + m.end())
            self.add("confirms_patient", off + m.start(), off + m.end())
        if answer or s.offer:
            return
        # outcomes: "your heel has finally closed up", "su rodilla ya sanó"
        for m in S.BODY_OUTCOME.finditer(t):
            who = m.group("who")
            if who and who[:1].isupper() and who.endswith("'s"):
                if not self._proper_name(off + m.start(), off + m.start() + len(who) - 2):
                    continue
            self.add("clinical_detail", off + m.start(), off + m.end())
            self.add("confirms_patient", off + m.start(), off + m.end())
        person = self._person_anchor(s)
        for m in S.POST_PROCEDURE.finditer(t):
            bare = m.group(0).lower().startswith("post")
            if (bare and not person) or s.generic:
                continue
            self.add("clinical_detail", off + m.start(), off + m.end())
            self.add("confirms_patient", off + m.start(), off + m.end())
        for m in S.HELP_RECOVER.finditer(t):
            self.add("confirms_patient", off + m.start(), off + m.end())
        timed = any(not x.group(0).lower().startswith("post") for x in S.POST_PROCEDURE.finditer(t))
        for m in S.PROGRESS.finditer(t):
            after_all = timed or bool(_AFTER_ALL.search(t) or _AGAIN.search(m.group(0)))
            if s.generic or not (person or addressed or after_all):
                continue
            self.add("clinical_detail", off + m.start(), off + m.end())
            self.add("confirms_patient", off + m.start(), off + m.end())
        for m in S.PERSON_STATE.finditer(t):
            subj = m.group("subject") or ""
            named = re.fullmatch(r"[A-Z][a-z]+", subj)
            if (
                named
                and subj.lower() not in _PRONOUNS
                and not self._proper_name(off + m.start("subject"), off + m.end("subject"))
            ):
                continue
            self.add("confirms_patient", off + m.start(), off + m.end())
            if not re.match(r"you", m.group(0), re.I):
                self.add("family_member", off + m.start(), off + m.end())
        for m in S.NUMBERS.finditer(t):
            if s.generic and not s.you:
                continue
            self.add("clinical_detail", off + m.start(), off + m.end())
            self.add("confirms_patient", off + m.start(), off + m.end())
        for m in S.FOUND_CAUSE.finditer(t):
            if S.NOT_CARE_ISSUE.search(t):
                continue
            a, b = off + m.start(), off + m.end()
            clinical = any(
                c.entity in (*STRONG, *WEAK, "PHI_CARE_ITEM") for c in s.cands
            ) or re.search(r"diagnos|rule|causing|behind", m.group(0), re.I)
            if not clinical:
                continue
            self.add("clinical_detail", a, b)
            self.add("confirms_patient", a, b)
        # a clinician reporting about this person: "Dr. Adams says keep up the walking",
        # "her therapist, Marisa, says…", "su audióloga, la Dra. Vega, la verá…"
        for p in s.of("PHI_PERSON"):
            if self._is_reviewer(p.start, p.end):
                continue
            before = self.text[max(s.start, p.start - 50) : p.start]
            after = self.text[p.end : s.end]
            if S.STAFF_OF_PERSON_BEFORE.search(before):
                self.add("staff_patient_link", p.start, p.end)
                self.add("confirms_patient", p.start, p.end)
                continue
            if p.meta.get("title") not in ("clinician", "honorific"):
                continue
            says = S.STAFF_SAYS_AFTER.match(after)
            # "Dr. Kim says thank you for the kind words": a thank-you is not about care
            after = P.GENERIC_YOU.sub(" ", after)
            if says and S.ABOUT_PERSON.search(after) and not self._org_named(p.start, p.end):
                self.add("staff_patient_link", p.start, p.end)
                self.add("confirms_patient", p.start, p.end)
            elif says and p.meta.get("title") == "clinician" and S.ABOUT_PERSON.search(after):
                self.add("staff_patient_link", p.start, p.end)
                self.add("confirms_patient", p.start, p.end)
        # a future visit of this person: "see you in 6 months for your touch-up"
        for m in S.FUTURE_VISIT.finditer(t):
            if S.NOT_VISIT_WORD.search(m.group(0)) or s.generic:
                continue
            self.add("appointment_history", off + m.start(), off + m.end())
            self.add("confirms_patient", off + m.start(), off + m.end())

    # -- care-context default (care_default.py) ---------------------------------------

    def _vocative(self, c: Cand, s: Sentence) -> bool:
        """The reviewer's name used only as a greeting: "Marta, …", "Thanks, Jon!"."""
        before = self.text[s.start : c.start]
        after = self.text[c.end : s.end]
        if not CD.VOCATIVE_AFTER.match(after):
            return False
        return bool(CD.VOCATIVE_BEFORE.match(before) or re.search(r"[,!]\s*$", before))

    def care_default(self, s: Sentence) -> None:
        """A reply addressed to a person: any sentence about the organisation's care
        operations for that person (staff, care places, rooms, transport, care events,
        contact attempts) is a finding, unless it is a policy statement, an invitation
        to contact the organisation, a public offer, a non-care topic or a thank-you
        that passes praise along."""
        if s.policy:
            return
        t, off = s.text, s.start
        hs = CD.hits(t)
        for p in s.of("PHI_PERSON"):
            if p.meta.get("title") == "clinician" and not self._is_reviewer(p.start, p.end):
                if not self._org_named(p.start, p.end):
                    hs.append(CD.Hit("staff", p.start - off, p.end - off, True))
        if not hs:
            return
        contact = any(h.kind == "contact" for h in hs)
        if not contact and (
            CD.CONTACT_INVITE.search(t)
            or CD.PUBLIC_OFFER.search(t)
            or I.SPOKES.search(t)
            or I.OFFER_INVITE.search(t)
        ):
            return
        if not contact and (P.EVENT.search(t) or _price_offer(t, s.you)):
            return
        if CD.INVITE_VISIT.search(t) and not re.search(r"\b(?:your|su|sus|tu|tus)\b", t, re.I):
            return  # "we hope you'll stop by": an open invitation, not an appointment

        def possessed(h: CD.Hit) -> bool:
            return bool(CD.POSSESSED_BEFORE.search(t[: h.start]))

        if s.generic and self.mention_question:
            return  # "What should I bring?" -> "bring your ID to your first appointment"
        if CD.NOT_CARE.search(t) or P.DONOR.search(t):
            # parking, food, jobs, donors and sponsors…: only a possessed or specific
            # care event still counts
            hs = [
                h
                for h in hs
                if (h.strong and h.kind in ("event", "contact", "transport")) or possessed(h)
            ]
        if I.OWN_DOCTOR_ADVICE.search(t):
            # "most panels need fasting; your doctor's office can confirm": advice
            hs = [h for h in hs if h.kind != "staff"]
        if CD.PASS_ALONG.search(t):
            hs = [h for h in hs if h.kind != "staff" or possessed(h)]
        you = [(a, b) for a, b in s.you if not CD.FEEDBACK_AFTER.match(self.text[b : s.end])]
        if s.generic:
            # "everyone on 4 West misses you": generic subject, personal object; "if you
            # need a nurse": generic
            cues = " ".join(m.group(0) for m in P.GENERIC.finditer(t))
            personal = bool(you) and not re.search(r"\b(?:you|usted|si)\b", cues, re.I)
            hs = [h for h in hs if h.kind == "contact" or possessed(h) or (personal and h.strong)]
        if not hs:
            return
        names = self.name_in(s)
        spoken = [c for c in names if not self._vocative(c, s)]
        fam = self.family_in(s)
        third = [(off + m.start(), off + m.end()) for m in CD.THIRD_PARTY.finditer(t)]
        addressed = bool(self.reviewer) or any(x.you for x in self.sentences) or bool(fam)
        pronoun = addressed and bool(CD.PRONOUN.search(t))
        real = bool(you or spoken or fam or third)
        any_tie = real or bool(names)
        weak_kinds = {h.kind for h in hs if not h.strong}
        found = False
        for h in hs:
            tied = real or (pronoun and h.kind != "staff")
            if h.kind == "contact" and CD.SELF_TIED.search(t[h.start : h.end]):
                tied = True
            if h.strong or len(weak_kinds) >= 2:
                tied = tied or any_tie
            if not tied:
                continue
            found = True
            a, b = off + h.start, off + h.end
            self.add("confirms_patient", a, b)
            if h.kind == "staff":
                self.add("staff_patient_link", a, b)
            elif h.kind == "room":
                self.add("identifier", a, b)
            elif h.kind == "place":
                self.add("clinical_detail", a, b)
            elif h.kind == "event":
                self.add("appointment_history", a, b)
                if CD.CLINICAL_EVENT.search(t[h.start : h.end]):
                    self.add("clinical_detail", a, b)
        if not found:
            return
        for a, b in fam:
            self.add("family_member", a, b)
        for c in spoken:
            self.add("patient_name", c.start, c.end)
        for c in s.of("PHI_PHONE"):
            if not self._org_phone(self.text[c.start : c.end]) and not (s.contact and not contact):
                self.add("identifier", c.start, c.end)
        for c in s.of("EMAIL_ADDRESS"):
            local = self.text[c.start : c.end].lower().partition("@")[0]
            if contact and re.sub(r"[\d._-]", "", local) not in _ROLE_LOCAL_PARTS:
                self.add("identifier", c.start, c.end)
        addresses = [(c.start, c.end) for c in s.of("PHI_ADDRESS")]
        addresses += [(off + m.start(), off + m.end()) for m in CD.ADDRESS_LOOSE.finditer(t)]
        for a, b in addresses:
            before = self.text[max(s.start, a - 40) : a]
            if (
                CD.THIRD_PARTY.search(before)
                or P.ADDRESS_PATIENT_CUE.search(before)
                or any(fa < a and a - fb < 40 for fa, fb in fam)
            ):
                self.add("identifier", a, b)

    # -- care implied without clinical words (implied.py) ------------------------------

    def implied_care(self, s: Sentence) -> None:
        """Well-being wishes, milestones and idioms of care, aftercare instructions,
        next visits in plain words and a team helping the person, in a reply addressed
        to a person."""
        if s.policy or s.offer:
            return
        t, off = s.text, s.start
        addressed = bool(self.reviewer) or any(x.you for x in self.sentences)
        kin = [(off + m.start(), off + m.end()) for m in I.KIN_POSSESSED.finditer(t)]
        fam = self.family_in(s) + kin
        # Spanish "se sienta", "acompañarle", "su progreso" address the reader themselves
        tied = addressed or bool(fam) or bool(I.SPANISH_YOU.search(t))
        if (
            CD.PUBLIC_OFFER.search(t)
            or CD.NOT_CARE.search(t)
            or P.DONOR.search(t)
            or P.EVENT.search(t)
            or I.NOT_VISIT.search(t)
        ):
            return
        answer = self.mention_question and not s.you and not self.name_in(s)
        hits: list[tuple[int, int, tuple[str, ...]]] = []
        personal = bool(s.you or fam or I.SPANISH_YOU.search(t))
        personal = personal or bool(re.search(r"\byou\b", t, re.I))
        if tied and (not s.generic or personal):
            for m in I.WELLBEING.finditer(t):
                hits.append((m.start(), m.end(), ()))
            if I.GLAD.search(t):
                for m in I.RESTORED.finditer(t):
                    hits.append((m.start(), m.end(), ()))
            for m in I.LITTLE_ONE.finditer(t):
                hits.append((m.start(), m.end(), ("family_member",)))
            for rx in (I.JOURNEY, I.RESULTS_LOOK):
                for m in rx.finditer(t):
                    hits.append((m.start(), m.end(), ()))
        # ringing the bell is said to the person who finished treatment
        for m in I.BELL.finditer(t):
            if I.ORG_SUBJECT.search(t[: m.start()]):
                continue  # "congrats to our team for ringing the bell at the exchange"
            if tied or I.CONGRATS.search(t):
                hits.append((m.start(), m.end(), ("clinical_detail",)))
        if not answer and not CD.CONTACT_INVITE.search(t):
            for m in I.AFTERCARE.finditer(t):
                if I.SPAN.search(t, m.end()) or I.STANDALONE_CARE.search(m.group(0)):
                    a = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" ,:;"))
                    hits.append((a, m.end(), ("clinical_detail",)))
            for m in I.NEXT_VISIT.finditer(t):
                hits.append((m.start(), m.end(), ("appointment_history",)))
            if tied:
                for m in I.TEAM_HELPED.finditer(t):
                    hits.append((m.start(), m.end(), ()))
        if not hits:
            return
        for a, b, kinds in hits:
            a, b = off + a, off + b
            if b <= a:
                continue
            self.add("confirms_patient", a, b)
            for k in kinds:
                self.add(k, a, b)
        for a, b in fam:
            self.add("family_member", a, b)

    def ongoing_care(self, s: Sentence) -> None:
        """Preparation for this person's next visit, staff or a group remembering them,
        and logistics that reveal ongoing care (regular visits, an assigned aide, a
        clinician apologising or greeting, a photo of the healed result)."""
        if s.policy or P.EVENT.search(s.text):
            return
        t, off = s.text, s.start
        hits: list[tuple[int, int, tuple[str, ...]]] = []
        # "your mom's laugh was a gift to our volunteers": a person's trait, remembered
        for m in I.GIFT_TO_STAFF.finditer(t):
            hits.append((m.start(), m.end(), ()))
        if not P.DONOR.search(t):
            # "the support group saved your chair": a group that knows the person
            for rx in (I.REMEMBERED, I.SEAT, I.MISSED_IN):
                for m in rx.finditer(t):
                    hits.append((m.start(), m.end(), ()))
        if s.offer or P.DONOR.search(t):
            self._ongoing_hits(s, hits)
            return
        for m in I.PREP.finditer(t):
            hits.append((m.start(), m.end(), ("appointment_history",)))
        for m in I.STAFF_GREETS.finditer(t):
            if not self._org_named(off + m.start(), off + m.end()):
                hits.append((m.start(), m.end(), ("staff_patient_link",)))
        for m in I.REGULAR.finditer(t):
            hits.append((m.start(), m.end(), ("appointment_history",)))
        for rx in (I.ASSIGNED, I.SEND_PHOTO):
            for m in rx.finditer(t):
                hits.append((m.start(), m.end(), ()))
        self._ongoing_hits(s, hits)

    def round7(self, s: Sentence) -> None:
        """Homecoming, births, casual aftercare, refill logistics, milestones, and
        billing or appointments of this person in our system."""
        t = s.text
        if s.policy or P.EVENT.search(t) or P.DONOR.search(t) or I.FOUNDATION.search(t):
            return
        if s.generic and not self.name_in(s) and not s.you:
            return
        hits: list[tuple[int, int, tuple[str, ...]]] = []
        for rx, kinds in I.ROUND7:
            for m in rx.finditer(t):
                hits.append((m.start(), m.end(), kinds))
        self._ongoing_hits(s, hits)

    def milestone(self) -> None:
        """A short anniversary exclamation and pride: "¡Un año! Qué orgullo"."""
        if not I.PRIDE.search(self.text):
            return
        for m in I.SHORT_MILESTONE.finditer(self.text):
            s = self.sentence_of(m.start() + len(m.group(0)) - 1)
            if s is not None and (s.policy or P.EVENT.search(s.text)):
                continue
            a = m.start() + len(m.group(0)) - len(m.group(0).lstrip(" .!?¡"))
            self.add("confirms_patient", a, m.end())
            self.add("clinical_detail", a, m.end())

    def not_about_a_patient(self) -> None:
        """Drop findings in sentences that thank a foundation for a facility, answer a
        neighbour about crews and vehicles, or say a clinician accepts new patients."""
        drop: list[tuple[str, int, int]] = []
        for s in self.sentences:
            t = s.text
            if re.search(
                r"\b(?:your|su|sus|tu)\s+(?!(?:street|road|driveway|house|home|block|"
                r"neighbou?rhood|calle|casa|cuadra|barrio)\b)",
                t,
                re.I,
            ):
                continue
            bare_you = re.search(r"(?<!thank )\b(?:you|usted)\b", t, re.I)
            ops = not bare_you and bool(I.OPERATIONS.search(t) and I.OPS_ACTOR.search(t))
            found = bool(
                I.FOUNDATION.search(t)
                and (
                    P.DONOR.search(t)
                    or re.search(r"\b(?:grateful|thank\w*|gracias|agradec\w*)\b", t, re.I)
                )
            )
            accepting = bool(I.ACCEPTING.search(t))
            if not (ops or found or accepting):
                continue
            for key, f in self.findings.items():
                if (
                    s.start <= f.start
                    and f.end <= s.end
                    and f.kind
                    in (
                        "confirms_patient",
                        "family_member",
                        "clinical_detail",
                        "new_fact",
                        "staff_patient_link",
                        "patient_name",
                    )
                ):
                    drop.append(key)
        for key in drop:
            self.findings.pop(key, None)

    def _ongoing_hits(self, s: Sentence, hits: list[tuple[int, int, tuple[str, ...]]]) -> None:
        t, off = s.text, s.start
        for a, b, kinds in hits:
            a = a + len(t[a:b]) - len(t[a:b].lstrip(" ,:;.!"))
            if b <= a:
                continue
            self.add("confirms_patient", off + a, off + b)
            for k in kinds:
                self.add(k, off + a, off + b)

    def _is_reviewer(self, a: int, b: int) -> bool:
        return any(r.start < b and a < r.end for r in self.reviewer)

    def _in_mention(self, c: Cand) -> bool:
        keys = {t.key for t in tokenize(self.text[c.start : c.end])}
        singular = {k[:-1] if k.endswith("s") and len(k) > 3 else k for k in keys}
        mention = self.mention_keys | {
            k[:-1] if k.endswith("s") and len(k) > 3 else k for k in self.mention_keys
        }
        return bool(keys) and singular <= mention

    def _anchor_findings(self, anchors: list[tuple[int, int, str]]) -> None:
        for a, b, kind in anchors:
            if kind == "you":
                self.add("confirms_patient", a, b)
            elif kind == "family":
                self.add("family_member", a, b)

    def phrases(self, s: Sentence) -> None:
        if s.policy:
            return
        # "your husband was admitted", "su esposa fue atendida"
        fam = self.family_in(s)
        if fam and P.CARE_VERB.search(s.text):
            for a, b in fam:
                self.add("family_member", a, b)
        for c in s.of("PHI_CONFIRM"):
            self.add("confirms_patient", c.start, c.end)
        instructions = s.generic and self.mention_question
        for c in s.of("PHI_APPOINTMENT"):
            if instructions:
                break  # "Please bring a list of medications to your first appointment"
            if (
                P.GENERAL_VISITS.match(self.text[c.start : c.end])
                and not s.you
                and not self.name_in(s)
                and not self.family_in(s)
            ):
                continue  # "a fee for missed appointments": a rule, not someone's history
            self.add("appointment_history", c.start, c.end)
            self.add("confirms_patient", c.start, c.end)
        for c in s.of("PHI_STAFF_ROLE"):
            self.add("staff_patient_link", c.start, c.end)
            self.add("confirms_patient", c.start, c.end)
        if not s.generic:
            ctx_hits = s.of("PHI_CONFIRM_CTX")
            if ctx_hits and (
                s.has(*CARE_WORDS, "PHI_DATE", "PHI_APPOINTMENT", "PHI_CARE_NOUN_WEAK")
            ):
                for c in ctx_hits:
                    self.add("confirms_patient", c.start, c.end)

    def billing(self, s: Sentence) -> None:
        if s.policy:
            return
        anchors = self.anchors(s, allow_you=not (s.generic or s.offer))
        if s.generic or s.offer:
            # "Hi Cal, we're in network with most Humana plans": a greeting, not a fact
            anchors = [a for a in anchors if a[2] != "name"]
        # "charge", "coverage": facts about a person only next to "you"/"your"
        weak_ok = any(k == "you" for _a, _b, k in anchors)
        items = s.of("PHI_BILLING", "PHI_INSURER") + (s.of("PHI_BILLING_WEAK") if weak_ok else [])
        if not items:
            return
        others = [p for p in s.of("PHI_PERSON") if not self._is_staff_or_org(p, s)]
        if anchors or others:
            for c in items:
                self.add("billing_insurance", c.start, c.end)
            self._anchor_findings(anchors)
        elif self.reviewer and not s.offer and not s.generic:
            for c in s.of("PHI_INSURER"):
                self.add("billing_insurance", c.start, c.end)

    def dates(self, s: Sentence) -> None:
        if s.policy or s.offer or P.DONOR.search(s.text):
            return
        ds = s.of("PHI_DATE")
        if not ds:
            return
        anchors = self.anchors(s, allow_you=not s.generic)
        if anchors and not s.generic and any(self.care_in(x) for x in self.sentences):
            # "your coordinator left voicemails on 10/2": a contact with this person
            for c in ds:
                before = self.text[max(s.start, c.start - 60) : c.start]
                if P.CONTACT_DATE_BEFORE.search(before):
                    self.add("visit_date", c.start, c.end)
                    self.add("confirms_patient", c.start, c.end)
        if anchors and (
            self.strong_care_in(s)
            or s.has(*WEAK, "PHI_STAFF_ROLE", "PHI_CONFIRM_CTX")
            or bool(P.CARE_VERB.search(s.text))
        ):
            for c in ds:
                self.add("visit_date", c.start, c.end)

    # -- people ----------------------------------------------------------------------

    def _name_tokens(self, c: Cand) -> set[str]:
        return {
            t.key
            for t in tokenize(self.text[c.start : c.end])
            if t.key not in self.ctx.vocab.terms.get("clinician_title", set())
            and t.key not in ("mr", "mrs", "ms", "sr", "sra", "srta", "dr", "dra", "s")
        }

    def _is_org_person(self, c: Cand) -> bool:
        keys = self._name_tokens(c)
        if not keys:
            return True
        known: list[str] = list(self.ctx.staff_directory)
        if self.ctx.org is not None:
            known += list(self.ctx.org.spokespeople)
            known.append(self.ctx.org.name)
        for person in known:
            pk = {t.key for t in tokenize(person)}
            if keys <= pk or (
                len(keys) == 1 and keys & pk and len(pk) >= 1 and next(iter(keys)) == sorted(pk)[-1]
            ):
                return True
            if keys & pk and len(keys) >= 2:
                return True
        return False

    def _is_staff_or_org(self, c: Cand, s: Sentence) -> bool:
        if any(r.start < c.end and c.start < r.end for r in self.reviewer):
            return True
        if self._is_org_person(c):
            return True
        return self._is_contact_person(c, s)

    def _role_near(self, c: Cand, s: Sentence) -> bool:
        for r in s.of("PHI_CONTACT_ROLE"):
            if abs(r.end - c.start) <= 30 or abs(c.end - r.start) <= 30:
                return True
        return False

    def _is_contact_person(self, c: Cand, s: Sentence) -> bool:
        role = self._role_near(c, s)
        has_contact_detail = s.has("PHI_PHONE", "EMAIL_ADDRESS", "PHI_URL")
        if role and (s.contact or has_contact_detail):
            return True
        if role and not s.you and not self.family_in(s) and not self.name_in(s):
            return True
        return bool(has_contact_detail and s.contact and not self.care_in(s))

    def _named_in_mention(self, c: Cand) -> bool:
        """The review itself used this name: usually the practice ("Velvet Contour") or
        a clinician; a relative only when the review talks about family."""
        if self.mention_family:
            return False
        keys = self._name_tokens(c)
        return bool(keys) and keys <= self.mention_keys and c.meta.get("source") == "ner"

    def people(self, s: Sentence) -> None:
        persons = s.of("PHI_PERSON")
        if not persons:
            return
        seen: list[Cand] = []
        for p in persons:
            if any(q.start <= p.start < q.end or p.start <= q.start < p.end for q in seen):
                continue
            seen.append(p)
            if s.policy or any(r.start < p.end and p.start < r.end for r in self.reviewer):
                continue
            if P.STAFF_POSSESSED_BEFORE.search(self.text[max(s.start, p.start - 50) : p.start]):
                # "your nurse coordinator Tasha": this person's clinician
                self.add("staff_patient_link", p.start, p.end)
                self.add("confirms_patient", p.start, p.end)
                continue
            if self._is_staff_or_org(p, s):
                continue
            if p.meta.get("title") != "clinician" and self._named_in_mention(p):
                continue
            before = self.text[s.start : p.start]
            after = self.text[p.end : s.end]
            care = self.care_in(s)
            anchors = self.anchors(s, allow_you=not s.generic)
            clinician = (
                p.meta.get("title") == "clinician"
                or bool(_WHO_CARE_AFTER.match(after))
                or any(
                    r.end <= p.start and p.start - r.end <= 3 for r in s.of("PHI_CLINICIAN_ROLE")
                )
            )
            if p.meta.get("title") == "honorific":
                if care:
                    self.add("patient_name", p.start, p.end, REASONS["other_name"])
                continue
            if clinician:
                if anchors and (care or "see you" in s.text.lower()):
                    self.add("staff_patient_link", p.start, p.end)
                    self._anchor_findings(anchors)
                continue
            if not care:
                continue
            patient_like = bool(_POSSESSIVE_AFTER.match(after)) or bool(_FOR_BEFORE.search(before))
            if patient_like or not anchors:
                self.add("patient_name", p.start, p.end, REASONS["other_name"])
                self.add("family_member", p.start, p.end)
            elif _WITH_BEFORE.search(before) or anchors:
                self.add("staff_patient_link", p.start, p.end)
                self._anchor_findings(anchors)

    # -- contacts ----------------------------------------------------------------------

    def _nearest(self, before: str, patient: re.Pattern[str], org: re.Pattern[str]) -> str:
        pe = max((m.end() for m in patient.finditer(before)), default=-1)
        oe = max((m.end() for m in org.finditer(before)), default=-1)
        if pe < 0 and oe < 0:
            return ""
        return "patient" if pe > oe else "org"

    def _org_phone(self, number: str) -> bool:
        org = self.ctx.org
        if org is None:
            return False
        d = _digits(number)[-7:]
        return any(_digits(p)[-7:] == d and len(d) >= 7 for p in org.phones)

    def contacts(self, s: Sentence) -> None:
        for c in s.of("PHI_PHONE"):
            if self._overlaps_identifier(c):
                continue
            number = self.text[c.start : c.end]
            if self._org_phone(number):
                continue
            before = self.text[max(s.start, c.start - 90) : c.start]
            owner = self._nearest(before, P.PHONE_PATIENT_BEFORE, P.CONTACT_ORG_BEFORE)
            if not owner:
                owner = "patient" if (s.you and not s.generic and not s.contact) else "org"
            if owner == "patient":
                self.add("identifier", c.start, c.end)
                self.add("confirms_patient", c.start, c.end)
        for c in s.of("EMAIL_ADDRESS"):
            if self._email_owner(c, s) == "patient":
                self.add("identifier", c.start, c.end)
                self.add("confirms_patient", c.start, c.end)
        for c in s.of("PHI_ADDRESS"):
            before = self.text[s.start : c.start]
            if P.ADDRESS_PATIENT_CUE.search(before) or P.ADDRESS_PATIENT_CUE.search(s.text):
                self.add("identifier", c.start, c.end)
            elif not _ORG_ADDRESS.search(s.text) and s.you and not s.generic:
                self.add("identifier", c.start, c.end)
        for c in s.of("PHI_URL"):
            if P.URL_PERSONAL.search(self.text[c.start : c.end]):
                self.add("identifier", c.start, c.end)

    def _overlaps_identifier(self, c: Cand) -> bool:
        return any(
            o.entity in ("PHI_ID", "PHI_DOB", "US_SSN") and o.start <= c.start and c.end <= o.end
            for o in self.cands
        )

    def _email_owner(self, c: Cand, s: Sentence) -> str:
        email = self.text[c.start : c.end].lower()
        local, _, domain = email.partition("@")
        org = self.ctx.org
        if org is not None:
            org_domains = {e.lower().partition("@")[2] for e in org.emails}
            org_domains |= {_domain_of(u) for u in org.urls}
            if email in {e.lower() for e in org.emails} or domain in org_domains:
                return "org"
        local_key = fold(re.sub(r"[^\w]", "", local))
        for part in self.ctx.profile.parts:
            if len(part.key) >= 3 and part.key in local_key:
                return "patient"
        if self.ctx.profile.handle and self.ctx.profile.handle in local_key:
            return "patient"
        before = self.text[max(s.start, c.start - 90) : c.start]
        owner = self._nearest(before, P.EMAIL_PATIENT_BEFORE, P.CONTACT_ORG_BEFORE)
        if owner:
            return owner
        if domain in self.ctx.vocab.freemail:
            return "patient"
        if re.sub(r"[\d._-]", "", local) in _ROLE_LOCAL_PARTS:
            return "org"
        reply_domains = {
            _domain_of(self.text[u.start : u.end]) for u in self.cands if u.entity == "PHI_URL"
        }
        if domain in reply_domains:
            return "org"
        return "org"

    # -- identifiers, events, echoes -------------------------------------------------------

    def identifiers(self) -> None:
        for c in self.cands:
            if c.entity in ("PHI_ID", "PHI_DOB", "US_SSN", "CREDIT_CARD"):
                # a record or account number is an identifier even inside a privacy
                # sentence ("we can't discuss account 7740218 here")
                self.add("identifier", c.start, c.end)
            elif c.entity == "PHI_DATE":
                s = self.sentence_of(c.start)
                raw = self.text[c.start : c.end]
                m = re.search(r"(19|20)\d{2}\b", raw)
                if m and s is not None and (s.you or self.name_in(s)) and int(m.group(0)) < 2010:
                    self.add("identifier", c.start, c.end)
            elif c.entity == "PHI_ID_WEAK":
                s = self.sentence_of(c.start)
                if (
                    s is not None
                    and (s.you or self.name_in(s) or self.family_in(s))
                    and not (s.policy)
                    and self.care_in(s)
                ):
                    self.add("identifier", c.start, c.end)

    def specific_events(self, s: Sentence) -> None:
        """ "the biopsy was sent out…": a definite, past event of someone's care."""
        if s.policy or s.generic or s.offer:
            return
        for c in s.of(*STRONG, "PHI_CARE_NOUN", "PHI_CLINICAL_WEAK"):
            weak_word = c.entity == "PHI_CLINICAL_WEAK" or (
                c.entity == "PHI_CARE_NOUN" and c.meta.get("term") not in _EVENT_NOUNS
            )
            if weak_word and not s.empathy:
                continue
            before = self.text[max(s.start, c.start - 40) : c.start]
            after = self.text[c.end : s.end]
            definite = bool(_DEFINITE_BEFORE.search(before))
            if definite and (_PAST_AFTER.match(after) or (s.empathy and c.entity in STRONG)):
                if c.entity in STRONG:
                    self.add("clinical_detail", c.start, c.end)
                self.add("confirms_patient", c.start, c.end)

    def echo(self, s: Sentence) -> None:
        """Repeating the reviewer's own care story back confirms it."""
        if s.policy or s.generic or s.offer or not s.empathy:
            return
        for c in s.of(*STRONG):
            keys = {t.key for t in tokenize(self.text[c.start : c.end])}
            if keys and keys <= self.mention_keys:
                self.add("clinical_detail", c.start, c.end)
                self.add("confirms_patient", c.start, c.end, REASONS["echo"])

    def _first_anchor(self) -> tuple[int, int] | None:
        spans = [(c.start, c.end) for c in self.reviewer]
        spans += [a for s in self.sentences if not s.policy for a in s.you]
        spans += [(f.start, f.end) for f in self.findings.values() if f.kind != "new_fact"]
        return min(spans) if spans else None

    def about_care(self) -> None:
        """Once the reply is about someone's care, names, dates and plans become PHI."""
        for c in self.reviewer:
            self.add("patient_name", c.start, c.end)
        for s in self.sentences:
            if s.policy:
                continue
            for c in s.of(*STRONG):
                self.add("clinical_detail", c.start, c.end)
            for c in s.of("PHI_INSURER"):
                self.add("billing_insurance", c.start, c.end)
            if not s.offer and (self.care_in(s) or s.you or self.name_in(s)):
                for c in s.of("PHI_DATE"):
                    if not _is_vague_date(self.text[c.start : c.end]):
                        self.add("visit_date", c.start, c.end)
            for c in s.of("PHI_ID_WEAK"):
                self.add("identifier", c.start, c.end)
            if not s.offer and self.care_in(s):
                for c in s.of("PHI_FAMILY"):
                    self.add("family_member", c.start, c.end)
                for p in s.of("PHI_PERSON"):
                    if p.meta.get("title") == "clinician" and not self._is_staff_or_org(p, s):
                        self.add("staff_patient_link", p.start, p.end)
        if not any(f.kind == "confirms_patient" for f in self.findings.values()):
            # a reply about this person's care confirms that they are a patient
            anchor = self._first_anchor()
            if anchor is not None:
                self.add("confirms_patient", anchor[0], anchor[1])
        for f in list(self.findings.values()):
            if f.kind in ("patient_name", "confirms_patient", "new_fact"):
                continue
            if self.text[f.start : f.end].split(" ", 1)[0].lower() in _POSSESSIVE_KEYS:
                continue  # "your Guardian": the term inside is reported on its own
            words = {t.key for t in tokenize(self.text[f.start : f.end])}
            words -= _FUNCTION_WORDS
            if words and not words <= self.mention_keys:
                self.add("new_fact", f.start, f.end)


_EVENT_NOUNS = frozenset(
    {
        "sample",
        "specimen",
        "results",
        "test results",
        "biopsy",
        "scan",
        "x-ray",
        "labs",
        "lab results",
        "procedure",
        "surgery",
        "operation",
        "prescription",
        "claim",
        "referral",
        "authorization",
        "imaging",
    }
)
# "the wheelchair ramp", "the crutch rental program": the facility's, not a person's
_ITEM_NOT_AFTER = re.compile(
    r"^[\s-]*(?:ramps?|access(?:ible)?|entrances?|parking|spaces?|spots?|lifts?|vans?|"
    r"elevators?|doors?|repairs?|rentals?|loaners?|stores?|shops?|supply|supplies|sections?|"
    r"aisles?|brands?|stock|inventory|polic(?:y|ies)|fees?|prices?|costs?|programs?|camp|"
    r"shelves|displays?|areas?|stations?|bins?|dispensers?|drop-?off|drive|recall|"
    r"tienda|rampa|acceso|programa|pr[eé]stamo)\b",
    re.I,
)
_STATE_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s+){0,2}?(?:is|are|was|were|should|will|can|has|have|feels?|felt|"
    r"looks?|gets?|got|goes|going|comes?|came|fits?|fit|hurts?|bothers?|bothered|"
    r"est[aá]n?|estaba|sigue|siguen|le molest\w*|mejor\w*)\b",
    re.I,
)
_QUESTION = re.compile(
    r"\?\s*$|^\W*(?:what|how|do|does|is|are|can|could|who|when|where|why|which|anyone|"
    r"does anyone|qu[eé]|c[oó]mo|tienen|hay|d[oó]nde|cu[aá]ndo)\b",
    re.I,
)
_FIRST_PERSON_CARE = re.compile(
    r"\b(?:i was|i had|i've been|i got|i went|they (?:gave|told|made|sent) me|me hicieron|"
    r"me dieron)\b",
    re.I,
)
_DEFINITE_HITS = frozenset({*STRONG, "PHI_CARE_NOUN", "PHI_INSURER", "PHI_BILLING"})
_VISIT_NOUNS = frozenset(
    {
        "visit",
        "visits",
        "appointment",
        "appointments",
        "follow-up",
        "session",
        "sessions",
        "checkup",
        "check-up",
        "consult",
        "consultation",
        "exam",
        "examination",
        "stay",
        "hospital stay",
        "admission",
        "cita",
        "citas",
        "consulta",
        "sesion",
        "sesiones",
    }
)
_FUNCTION_WORDS = frozenset(
    "your you yours su sus tu tus the a an of s his her their my our mr mrs ms sra sr dr dra "
    "at on in for to".split()
)
_SPANISH_MARKERS = frozenset(
    "el la los las de del que y en un una por para con no su sus usted nuestro nuestra "
    "gracias es lo le muy pero como".split()
)


def _price_offer(text: str, you: list[tuple[int, int]]) -> bool:
    """A public price or offer ("Botox is $12 per unit this month"): not a person's bill."""
    return bool(S.PRICE_OFFER.search(text)) and not you and not S.PERSONAL_BILL.search(text)


# "your dad, Robert": a name set after the relative
_APPOSED_NAME = re.compile(r"\s*,\s*((?-i:[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+))\b")
_AGAIN = re.compile(r"\b(?:again|without|de nuevo|otra vez|sin dolor)\b", re.I)
_AFTER_ALL = re.compile(r"\bso soon\b|\bafter (?:everything|all (?:that|this|of that))\b", re.I)
_THIRD = re.compile(r"\b(?:he|she|him|his|her|they|them|their|él|ella)\b", re.I)
_PRONOUNS = frozenset("he she they you".split())
_NOT_NAME_WORDS = frozenset(
    (
        "you your us our we everyone everybody anyone all each every people patients families "
        "team staff the this that these those them him her it they i my me ustedes usted "
        "todos nosotros nuestros nuestras ellos ellas el la los las"
    ).split()
)


def _is_vague_date(text: str) -> bool:
    return text.strip().lower() in ("today",)


def _domain_of(url: str) -> str:
    u = re.sub(r"^[a-z]+://", "", url.lower())
    u = u.split("/", 1)[0]
    if u.startswith("www."):
        u = u[4:]
    if "@" in u:
        u = u.partition("@")[2]
    return u


def decide(ctx: Context, results: Iterable[RecognizerResult]) -> tuple[list[RawFinding], bool]:
    """Findings (normalised offsets) and whether the reply reads as Spanish."""
    d = Decision(ctx, results)
    return d.run(), d.spanish


__all__ = [
    "REASONS",
    "SPANISH_SUGGESTION",
    "SUGGESTIONS",
    "Cand",
    "Context",
    "Decision",
    "RawFinding",
    "decide",
]
