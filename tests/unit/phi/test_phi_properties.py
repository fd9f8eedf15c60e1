"""Property tests: PHI inserted into a safe reply is blocked however it is obfuscated;
the organisation's own contacts, obfuscated the same way, still pass."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.phi.types import MentionContext, OrgContext, PhiScreen

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

SAFE_REPLIES = [
    "Thank you for sharing this with us.",
    "We're sorry to read this and we take every concern seriously.",
    "We appreciate the feedback and have shared it with our leadership team.",
    "Privacy rules keep us from discussing anyone's care online.",
    "Gracias por su comentario; lo compartiremos con nuestro equipo.",
    "Thanks for the kind words! Our whole team will see this.",
]
FIRST = [
    "Gloria",
    "Marcus",
    "Yvette",
    "Reginald",
    "Priscilla",
    "Tomás",
    "Imani",
    "Benedikt",
    "Consuelo",
    "Oksana",
    "Leopold",
    "Harriet",
    "Quentin",
    "Soledad",
]
LAST = [
    "Benson",
    "Achterberg",
    "Caron",
    "Okafor",
    "Sandoval",
    "Lewicki",
    "Harwick",
    "Quintana",
    "Nakamura",
    "Fairbanks",
    "Villalobos",
]
CARE = [
    "{name}, a {cond} like yours takes time to settle.",
    "{name}, we hope the {cond} is easing after your visit.",
    "{name}, the {cond} was treated as soon as you arrived.",
    "{name}, lamentamos que su {cond_es} haya sido tan difícil.",
]
CONDITIONS = [
    "migraine",
    "kidney stone",
    "gout flare",
    "concussion",
    "pneumonia",
    "rosacea",
    "sciatica",
    "ear infection",
    "eczema",
    "asthma attack",
]
CONDITIONS_ES = ["migraña", "neumonía", "fractura", "diabetes", "depresión"]
MRN = [
    "Your MRN is {digits}.",
    "We found the request under MRN {digits}.",
    "Please quote medical record number {digits} when you call.",
    "Su número de expediente es {digits}.",
]
DOB = [
    "We verified your date of birth, {date}, at check-in.",
    "The DOB on file is {date}.",
    "Confirmamos su fecha de nacimiento {date}.",
]
PATIENT_PHONE = [
    "We called you at {phone} twice yesterday.",
    "The nurse left a voicemail at {phone}.",
    "We tried the number on your file, {phone}, without luck.",
    "Le llamamos al {phone} el martes.",
    "Le mandamos un SMS al {phone} el lunes.",
    "Te dejamos un recado al {phone}.",
]
PATIENT_EMAIL = [
    "We emailed your records to {email} on Friday.",
    "The forms went to your address {email}.",
    "Le escribimos a {email} ayer.",
]
ORG_CONTACT = [
    "Please call our Patient Relations team at {phone}.",
    "You can reach our office manager at {phone} or {email}.",
    "Our billing help desk ({phone}, {email}) can review any statement.",
    "Llámenos al {phone} o escríbanos a {email}.",
    "Questions? Contact the front desk at {phone}.",
]

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
HOMOGLYPH = {
    "a": "а",
    "e": "е",
    "o": "о",
    "p": "р",
    "c": "с",
    "x": "х",
    "y": "у",
    "i": "і",
    "A": "А",
    "E": "Е",
    "O": "О",
    "P": "Р",
    "C": "С",
    "T": "Т",
    "H": "Н",
    "K": "К",
    "M": "М",
    "B": "В",
}


def fullwidth(ch: str) -> str:
    return chr(ord(ch) - ord("0") + 0xFF10) if ch.isdigit() else ch


@st.composite
def obfuscated(draw: st.DrawFn, text: str) -> str:
    """Apply a random mix of the obfuscations a determined author might use."""
    use_zw = draw(st.booleans())
    use_entities = draw(st.booleans())
    use_fullwidth = draw(st.booleans())
    use_homoglyphs = draw(st.booleans())
    use_breaks = draw(st.booleans())
    out: list[str] = []
    for ch in text:
        piece = ch
        if ch.isdigit() and use_fullwidth and draw(st.booleans()):
            piece = fullwidth(ch)
        elif ch in HOMOGLYPH and use_homoglyphs and draw(st.integers(0, 3)) == 0:
            piece = HOMOGLYPH[ch]
        elif ch == " " and use_breaks and draw(st.integers(0, 4)) == 0:
            piece = "\n"
        if use_entities and ch not in " \n" and draw(st.integers(0, 6)) == 0:
            piece = f"&#{ord(ch)};" if draw(st.booleans()) else f"&#x{ord(ch):x};"
        out.append(piece)
        if use_zw and ch.isalnum() and draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from(ZERO_WIDTH)))
    return "".join(out)


def insert(base: str, extra: str, where: int) -> str:
    return f"{extra} {base}" if where == 0 else f"{base} {extra}"


phones = st.builds(
    lambda a, b, c, fmt: fmt.format(a=a, b=b, c=c),
    st.integers(201, 989).map(str),
    st.integers(200, 999).map(str),
    st.integers(1000, 9999).map(str),
    st.sampled_from(["{a}-{b}-{c}", "({a}) {b}-{c}", "{a}.{b}.{c}", "{b}-{c}"]),
)
dates = st.builds(
    lambda m, d, y, fmt: fmt.format(m=m, d=d, y=y),
    st.integers(1, 12),
    st.integers(1, 28),
    st.integers(1930, 2012),
    st.sampled_from(["{m}/{d}/{y}", "{m:02d}/{d:02d}/{y}", "{m}-{d}-{y}"]),
)


def blocked(screen: PhiScreen, reply: str, author: str, org: OrgContext | None = None) -> bool:
    return screen.screen(reply, MentionContext(author, "Not happy with my visit."), org).blocked


def test_base_replies_pass(phi_screen: PhiScreen) -> None:
    for base in SAFE_REPLIES:
        assert not blocked(phi_screen, base, "Gloria Benson"), base


@SETTINGS
@given(
    st.sampled_from(SAFE_REPLIES),
    st.sampled_from(FIRST),
    st.sampled_from(LAST),
    st.sampled_from(CARE),
    st.sampled_from(CONDITIONS),
    st.sampled_from(CONDITIONS_ES),
    st.integers(0, 1),
    st.booleans(),
    st.data(),
)
def test_reviewer_name_next_to_care_is_blocked(
    phi_screen: PhiScreen,
    base: str,
    first: str,
    last: str,
    template: str,
    cond: str,
    cond_es: str,
    where: int,
    full: bool,
    data: st.DataObject,
) -> None:
    name = f"{first} {last}" if full else first
    extra = template.format(name=name, cond=cond, cond_es=cond_es)
    reply = insert(base, data.draw(obfuscated(extra)), where)
    result = phi_screen.screen(reply, MentionContext(f"{first} {last}", "Not happy."))
    assert result.blocked, reply
    assert "patient_name" in result.kinds, (reply, result.kinds)


def _fill(pair: tuple[str, str], key: str) -> str:
    return pair[0].format(**{key: pair[1]})


# an MRN, a date of birth or the patient's own phone number, in a sentence
IDENTIFIER_SENTENCES = st.one_of(
    st.tuples(st.sampled_from(MRN), st.integers(10_000, 99_999_999).map(str)).map(
        lambda p: _fill(p, "digits")
    ),
    st.tuples(st.sampled_from(DOB), dates).map(lambda p: _fill(p, "date")),
    st.tuples(st.sampled_from(PATIENT_PHONE), phones).map(lambda p: _fill(p, "phone")),
)


@settings(SETTINGS, max_examples=150)
@given(st.sampled_from(SAFE_REPLIES), IDENTIFIER_SENTENCES, st.integers(0, 1), st.data())
def test_mrn_dob_and_patients_phone_are_blocked(
    phi_screen: PhiScreen, base: str, sentence: str, where: int, data: st.DataObject
) -> None:
    reply = insert(base, data.draw(obfuscated(sentence)), where)
    assert blocked(phi_screen, reply, "Ann Lee"), reply


@SETTINGS
@given(
    st.sampled_from(SAFE_REPLIES),
    st.sampled_from(PATIENT_EMAIL),
    st.sampled_from(FIRST),
    st.sampled_from(LAST),
    st.sampled_from(["gmail.com", "yahoo.com", "outlook.com", "hotmail.es"]),
    st.integers(0, 1),
    st.data(),
)
def test_patients_email_is_blocked(
    phi_screen: PhiScreen,
    base: str,
    template: str,
    first: str,
    last: str,
    domain: str,
    where: int,
    data: st.DataObject,
) -> None:
    local = f"{first[0]}{last}".lower().replace("á", "a")
    email = f"{local}{len(last)}@{domain}"
    reply = insert(base, data.draw(obfuscated(template.format(email=email))), where)
    assert blocked(phi_screen, reply, f"{first} {last}"), reply


@SETTINGS
@given(
    st.sampled_from(SAFE_REPLIES),
    st.sampled_from(ORG_CONTACT),
    phones,
    st.sampled_from(["info", "billing", "feedback", "patientrelations", "smile", "help"]),
    st.sampled_from(["mercyhollow.org", "sunnyslopedental.com", "clinicadelvalle.org"]),
    st.booleans(),
    st.integers(0, 1),
    st.data(),
)
def test_org_contacts_pass(
    phi_screen: PhiScreen,
    base: str,
    template: str,
    phone: str,
    local: str,
    domain: str,
    configured: bool,
    where: int,
    data: st.DataObject,
) -> None:
    email = f"{local}@{domain}"
    reply = insert(base, data.draw(obfuscated(template.format(phone=phone, email=email))), where)
    org = OrgContext(phones=(phone,), emails=(email,), urls=(domain,)) if configured else None
    result = phi_screen.screen(reply, MentionContext("Gloria Benson", "Rude staff."), org)
    assert not result.blocked, (reply, [(f.kind, f.text) for f in result.findings])
