"""Deterministic findings: identifiers always block, whatever the classifier says.

Record, account and claim numbers, dates of birth, social security and card numbers,
and the patient's own phone, e-mail, street address or a personal link. A phone or
e-mail is the patient's or the organisation's by context ("we called you at ..."
versus "call our billing office at ..."), and by the organisation's configured
contacts when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from workflows.phi import patterns as P
from workflows.phi.features import Entity
from workflows.phi.names import NameProfile
from workflows.phi.types import OrgContext
from workflows.phi.vocab import Vocabulary, fold

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
ALWAYS = ("PHI_ID", "PHI_DOB", "US_SSN", "CREDIT_CARD")


def addresses_reader(text: str) -> bool:
    """Second person about the reader: "your", but not "thank-you notes" or "see you"."""
    generic_you = [m.span() for m in P.GENERIC_YOU.finditer(text)]
    return any(
        not any(a <= m.start() < b for a, b in generic_you) for m in P.SECOND_PERSON.finditer(text)
    )


@dataclass(frozen=True)
class RawFinding:
    """A finding on the normalised text (mapped to the original by the screen)."""

    kind: str
    start: int
    end: int
    reason: str = ""


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    you: bool  # second person about the reader, not "thank you"
    generic: bool  # "anyone", "if you", "call us"
    contact: bool  # an invitation to get in touch
    policy: bool  # "we cannot discuss..."

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Sentence:
        t = text[start:end]
        return cls(
            start,
            end,
            t,
            you=addresses_reader(t),
            generic=bool(P.GENERIC.search(t)),
            contact=bool(P.CONTACT.search(t)),
            policy=bool(P.POLICY.search(t)),
        )


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _domain_of(url: str) -> str:
    u = re.sub(r"^[a-z]+://", "", url.lower()).split("/", 1)[0]
    u = u[4:] if u.startswith("www.") else u
    return u.partition("@")[2] if "@" in u else u


def _nearest(before: str, patient: re.Pattern[str], org: re.Pattern[str]) -> str:
    pe = max((m.end() for m in patient.finditer(before)), default=-1)
    oe = max((m.end() for m in org.finditer(before)), default=-1)
    if pe < 0 and oe < 0:
        return ""
    return "patient" if pe > oe else "org"


def _sentence_of(sentences: Sequence[Sentence], pos: int) -> Sentence | None:
    for s in sentences:
        if s.start <= pos < s.end:
            return s
    return None


def _is_org_phone(number: str, org: OrgContext | None) -> bool:
    if org is None:
        return False
    d = _digits(number)[-7:]
    return len(d) >= 7 and any(_digits(p)[-7:] == d for p in org.phones)


def phone_owner(text: str, ent: Entity, s: Sentence, org: OrgContext | None) -> str:
    if _is_org_phone(text[ent.start : ent.end], org):
        return "org"
    before = text[max(s.start, ent.start - 90) : ent.start]
    owner = _nearest(before, P.PHONE_PATIENT_BEFORE, P.CONTACT_ORG_BEFORE)
    if owner:
        return owner
    return "patient" if (s.you and not s.generic and not s.contact) else "org"


def email_owner(
    text: str,
    ent: Entity,
    s: Sentence,
    profile: NameProfile,
    org: OrgContext | None,
    vocab: Vocabulary,
    reply_domains: set[str],
) -> str:
    email = text[ent.start : ent.end].lower()
    local, _, domain = email.partition("@")
    if org is not None:
        org_domains = {e.lower().partition("@")[2] for e in org.emails}
        org_domains |= {_domain_of(u) for u in org.urls}
        if email in {e.lower() for e in org.emails} or domain in org_domains:
            return "org"
    before = text[max(s.start, ent.start - 90) : ent.start]
    owner = _nearest(before, P.EMAIL_PATIENT_BEFORE, P.CONTACT_ORG_BEFORE)
    if owner == "org" and domain not in vocab.freemail:
        # "write to neighbors@clinic.org": a name-like word at the org's domain is a role
        return "org"
    local_key = fold(re.sub(r"[^\w]", "", local))
    if any(len(p.key) >= 3 and p.key in local_key for p in profile.parts):
        return "patient"
    if profile.handle and profile.handle in local_key:
        return "patient"
    if owner:
        return owner
    if domain in vocab.freemail:
        return "patient"
    if re.sub(r"[\d._-]", "", local) in _ROLE_LOCAL_PARTS or domain in reply_domains:
        return "org"
    return "org"


def _org_phone_after_label(
    text: str, e: Entity, entities: Sequence[Entity], s: Sentence, org: OrgContext | None
) -> bool:
    """A label word before the org's own phone ("walk anyone through a statement:
    620-555-0130") is a word of the sentence, not a statement number."""
    if e.kind != "PHI_ID":
        return False
    for p in entities:
        if p.kind == "PHI_PHONE" and e.start < p.start and p.end == e.end:
            label = text[e.start : p.start]
            if not any(c.isdigit() for c in label):
                return phone_owner(text, p, s, org) == "org"
    return False


_CODE_AT_END = re.compile(r"#?\s?(?:[A-Z]{1,4}-?)?\d[\d\s-]*\d$")


def _org_reference(text: str, e: Entity, s: Sentence) -> bool:
    """A number given as the organisation's own reference for a complaint, a ticket, the
    review or a job opening (``patterns.ORG_REFERENCE``: "Complaint ref: PX-23115",
    "Req. #…") identifies that, not the patient; so does one under a bare reference
    label ("Ref: QA-88-1207" in a sign-off, ``patterns.ORG_REFERENCE_BARE``) when no
    possessive or record word comes before the label in its sentence."""
    if e.kind not in ("PHI_ID", "PHI_ID_WEAK"):
        return False
    code = _CODE_AT_END.search(text[e.start : e.end])
    if code is None:
        return False
    head_at = max(0, e.start - 40)
    head = text[head_at : e.start + code.start()]
    if P.ORG_REFERENCE.search(head) is not None:
        return True
    bare = P.ORG_REFERENCE_BARE.search(head)
    if bare is None:
        return False
    label_at = head_at + bare.start()
    before = text[max(s.start, label_at - 60) : label_at]
    return P.REFERENCE_OF_A_PERSON.search(before) is None


def identifier_findings(
    text: str,
    entities: Sequence[Entity],
    sentences: Sequence[Sentence],
    profile: NameProfile,
    org: OrgContext | None,
    vocab: Vocabulary,
) -> list[RawFinding]:
    out: list[RawFinding] = []
    strong = [e for e in entities if e.kind in ALWAYS]

    def inside_strong(e: Entity) -> bool:
        return any(o.start <= e.start and e.end <= o.end for o in strong)

    reviewer_at = [e for e in entities if e.kind == "PHI_REVIEWER"]
    reply_domains = {_domain_of(text[e.start : e.end]) for e in entities if e.kind == "PHI_URL"}
    for e in entities:
        s = _sentence_of(sentences, e.start)
        if s is None:
            continue
        about_reader = s.you or any(s.start <= r.start < s.end for r in reviewer_at)
        if e.kind in ALWAYS:
            if _org_phone_after_label(text, e, entities, s, org) or _org_reference(text, e, s):
                continue
            # a record or account number is an identifier even inside a privacy sentence
            out.append(RawFinding("identifier", e.start, e.end))
        elif e.kind == "PHI_DATE":
            year = re.search(r"(19|20)\d{2}\b", text[e.start : e.end])
            if year and about_reader and int(year.group(0)) < 2010:
                out.append(RawFinding("identifier", e.start, e.end))
        elif e.kind == "PHI_ID_WEAK":
            if (
                about_reader
                and not s.policy
                and not inside_strong(e)
                and not _org_reference(text, e, s)
            ):
                out.append(RawFinding("identifier", e.start, e.end))
        elif e.kind == "PHI_PHONE":
            if not inside_strong(e) and phone_owner(text, e, s, org) == "patient":
                out.append(RawFinding("identifier", e.start, e.end))
        elif e.kind == "EMAIL_ADDRESS":
            if email_owner(text, e, s, profile, org, vocab, reply_domains) == "patient":
                out.append(RawFinding("identifier", e.start, e.end))
        elif e.kind == "PHI_ADDRESS":
            before = text[s.start : e.start]
            if P.ADDRESS_ORG_DESTINATION.search(before) and not addresses_reader(before):
                pass  # where the public sends things: the organisation's address
            elif P.ADDRESS_PATIENT_CUE.search(before) or P.ADDRESS_PATIENT_CUE.search(s.text):
                out.append(RawFinding("identifier", e.start, e.end))
            elif not _ORG_ADDRESS.search(s.text) and s.you and not s.generic:
                out.append(RawFinding("identifier", e.start, e.end))
        elif e.kind == "PHI_URL":
            if P.URL_PERSONAL.search(text[e.start : e.end]):
                out.append(RawFinding("identifier", e.start, e.end))
    return out


def org_entities(
    text: str,
    entities: Sequence[Entity],
    findings: Sequence[RawFinding],
    org: OrgContext | None,
) -> list[Entity]:
    """Mark the organisation's own phones and named spokespeople, so the classifier
    reads them as contacts (``<orgphone>``, ``<orgperson>``)."""
    flagged = {(f.start, f.end) for f in findings}
    speakers = {fold(p) for p in (org.spokespeople if org else ())}
    out: list[Entity] = []
    for e in entities:
        if e.kind == "PHI_PHONE" and (e.start, e.end) not in flagged:
            out.append(Entity("ORG_PHONE", e.start, e.end))
        elif e.kind == "PHI_PERSON" and speakers and _is_speaker(text[e.start : e.end], speakers):
            out.append(Entity("ORG_PERSON", e.start, e.end))
        else:
            out.append(e)
    return out


def _is_speaker(name: str, speakers: set[str]) -> bool:
    key = fold(name)
    words = set(key.replace(".", " ").split())
    return any(key == s or (len(words) > 1 and words <= set(s.split())) for s in speakers) or any(
        s.split()[-1] in words and len(s.split()) > 1 for s in speakers
    )


__all__ = [
    "ALWAYS",
    "RawFinding",
    "Sentence",
    "email_owner",
    "identifier_findings",
    "org_entities",
    "phone_owner",
]
