"""Structural cues of care: shapes, not phrases (structural.py).

Every example is written for these tests (English and Spanish), not taken from any
evaluation set. Classes:

1. the reviewer's name split by a space or line break ("Ty ler", "Bea\\ntrice");
2. care delivered to a third person: a care verb whose object is a relative, a possessed
   person or a capitalised name ("an honor to care for your dad, Robert", "atender a
   Sofía"), or a relative present in a care room ("your wife is with us in Room 12");
3. outcomes and progress in plain words: a possessed body part with a healing word,
   "N weeks post-X", "walking again", "numbers looking better", "he's thriving", "we
   pinned down the <clinical> issue";
4. a clinician or honorific + name reporting or praising about the person ("Dr. Adams
   says keep up the walking", "her therapist, Marisa, …");
5. a future visit of this person ("see you in 6 months for your touch-up");
6. public prices and offers to a handle, non-care apologies, policy statements: pass.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.phi.conftest import assert_blocks, run
from workflows.phi.types import MentionContext, OrgContext, PhiScreen

C = "confirms_patient"
F = "family_member"
CD = "clinical_detail"
AH = "appointment_history"
SL = "staff_patient_link"
PN = "patient_name"

BLOCK: list[tuple[str, str, str, set[str]]] = [
    # 1. split names
    ("Tyler Brooks", "ok", "Ty ler, so glad we could help you heal after your fall.", {PN, C}),
    ("Beatrice Lin", "nurses", "Bea\ntrice, it was a joy to see you walking again.", {PN, C}),
    ("Irene Cole", "thanks", "I rene, your stitches look great.", {PN}),
    ("Margaret Holt", "ok", "Mar garet, hope the new inhaler is working well.", {PN}),
    ("Oswaldo Pereira", "gracias", "Oswal do, fue un placer atenderle.", {PN, C}),
    ("Harriet Quinlan", "PT", "Thanks, Harriet Quin\nlan, for working so hard in rehab.", {PN}),
    # 2. care delivered to a third person
    ("", "thanks", "It was an honor to care for your dad, Robert.", {F, C, PN}),
    ("", "hospice", "A privilege to support your husband at home during his final weeks.", {F, C}),
    ("", "thanks", "Thank you for trusting us with Chloe.", {F, C, PN}),
    ("", "where", "Your wife is with us in Room 12.", {F, C}),
    ("", "gracias", "Fue un honor cuidar de doña Rosa.", {F, C, PN}),
    ("", "gracias", "Fue un placer atender a Sofía.", {F, C, PN}),
    ("", "thanks", "Our nurses adored looking after your grandmother.", {F, C}),
    ("", "thanks", "We loved taking care of little Mateo this spring.", {F, C}),
    ("", "NICU", "Caring for your twins was a joy for the whole unit.", {F, C}),
    ("", "thanks", "Thanks for trusting us with your son's care.", {F, C}),
    ("", "great", "We were glad to treat your daughter so quickly.", {F, C}),
    ("", "gracias", "Fue un privilegio atender a su mamá.", {F, C}),
    ("", "gracias", "Gracias por confiarnos el cuidado de su esposo.", {F, C}),
    ("", "gracias", "Nos encantó cuidar de su abuelo durante su estancia.", {F, C}),
    ("", "visit", "Your mother is resting comfortably in room 4.", {F, C}),
    ("", "papá", "Su papá está en la habitación 210.", {F, C}),
    ("", "thanks", "We enjoyed nursing Mr. Okafor back to health.", {C}),
    ("Ana Ruiz", "gracias", "Ana, fue un gusto atender a Lucía.", {F, C}),
    # 3. outcomes and progress
    ("", "heel", "So happy your heel has finally closed up!", {CD, C}),
    ("", "knee", "Six weeks post-ACL and already jogging, amazing!", {CD, C}),
    ("", "thanks", "Great to hear your numbers are looking better.", {CD, C}),
    ("", "baby", "So glad he's thriving at home.", {C}),
    ("", "tennis", "Back on the court so soon after everything, love it!", {CD, C}),
    ("", "dizzy", "Glad we could pin down the thyroid issue.", {CD, C}),
    ("", "wrist", "Your wrist is looking so much better!", {CD, C}),
    ("", "shoulder", "Thrilled that your shoulder is healing nicely.", {CD, C}),
    ("", "mom", "Glad your mom's hip has healed up.", {CD}),
    ("", "dad", "Your dad's incision is closing up beautifully.", {CD}),
    ("", "surgery", "Three days post-op and you're already walking the halls!", {CD, C}),
    ("", "thanks", "Two months out from surgery and back on the bike, wow.", {CD, C}),
    ("", "thanks", "Walking again without the cane is huge.", {CD, C}),
    ("", "son", "Your son is getting stronger every week.", {C}),
    ("", "mom", "We hear she's bouncing back quickly.", {C}),
    ("", "sugar", "Your A1C is trending down, keep going!", {CD, C}),
    ("", "fatigue", "So glad we figured out what was causing your fatigue.", {CD, C}),
    ("", "rodilla", "¡Qué alegría que su rodilla ya esté sanando!", {CD, C}),
    ("", "pie", "Nos alegra que la herida de su pie ya esté cicatrizada.", {CD, C}),
    ("", "mamá", "Nos alegra que su mamá se está recuperando.", {C}),
    ("", "gracias", "Qué gusto verlo caminando de nuevo.", {CD, C}),
    ("", "azúcar", "Sus niveles están mucho mejor.", {CD, C}),
    ("", "thanks", "We were happy to help your father recover.", {C}),
    # 4. staff speaking about the patient
    ("", "thanks", "Dr. Adams says keep up the walking!", {SL, C}),
    ("", "son", "Ms. Patel is so proud of him.", {SL, C}),
    ("", "dad", "Nurse Alma still talks about his fishing stories.", {SL, C}),
    ("", "mom", "Her therapist, Marisa, says she's thriving.", {SL, C}),
    ("", "abuela", "Su audióloga, la Dra. Vega, la verá de nuevo en agosto.", {SL, AH}),
    ("", "thanks", "Dr. Okoro asked about you this morning.", {SL, C}),
    ("", "thanks", "Nurse Dana sends her love and says to keep icing.", {SL, C}),
    ("", "son", "His physical therapist, Jordan, is amazed by his progress.", {SL, C}),
    ("", "gracias", "La Dra. Salas dice que siga con los ejercicios.", {SL, C}),
    ("", "gracias", "Su enfermera, Carmen, pregunta por usted.", {SL, C}),
    # 5. future visits
    ("", "lips", "See you in 6 months for your touch-up!", {AH, C}),
    ("", "teeth", "We'll see you at your next cleaning!", {AH, C}),
    ("", "thanks", "We'll see him again in two weeks for his follow-up.", {AH, C}),
    ("", "thanks", "Can't wait to see you for your next adjustment.", {AH, C}),
    ("", "gracias", "La esperamos de nuevo en su próxima cita.", {AH, C}),
    ("", "gracias", "Lo veremos nuevamente en marzo.", {AH, C}),
    ("", "ok", "We'll see her in three months for her next check.", {AH, C}),
    # more of each shape
    ("", "thanks", "We feel lucky we got to care for your wife, Elena.", {F, C, PN}),
    ("", "thanks", "Supporting your mom through her last days was an honor.", {F, C}),
    ("", "ok", "Your brother is with us on the fourth floor.", {F, C}),
    ("", "gracias", "Fue un honor acompañar a su papá.", {F, C}),
    ("", "ok", "Her ankle is finally healed!", {CD, C}),
    ("", "run", "Four weeks post-surgery and you're running again!", {CD, C}),
    ("", "great", "Dr. Lin says she's doing great.", {SL, C}),
    ("", "ok", "Nurse Pam wanted you to know she's rooting for you.", {SL, C}),
]

PASS: list[tuple[str, str, str]] = [
    # 6. public prices and offers to a handle
    (
        "@someone",
        "how much is botox",
        "@someone Botox is $12 per unit this month, and consultations are always free! "
        "Book at glowmed.com",
    ),
    ("@lipqueen", "price?", "@lipqueen Filler starts at $550 per syringe; book online anytime."),
    ("@jen_runs", "cost?", "@jen_runs Teeth whitening is 20% off through June!"),
    ("@sol_22", "precio", "@sol_22 La limpieza dental tiene 15% de descuento este mes."),
    ("@mark_b", "?", "@mark_b Consultations are always free. Call us at 555-201-3344."),
    ("@mark_b", "?", "@mark_b Our laser hair removal specials run through May."),
    ("@ana_g", "precio", "@ana_g Las consultas son gratis todo el mes. ¡Agende en línea!"),
    # non-care apologies with the reviewer's name (split or not)
    ("Tyler Brooks", "parking", "Tyler, sorry about the parking situation; we're adding spaces."),
    ("Tyler Brooks", "food", "Ty ler, sorry the cafeteria food was cold."),
    ("Irene Cole", "wifi", "Irene, we're sorry the wifi was down; it's fixed now."),
    ("Irene Cole", "site", "Irene, sorry the website was confusing; billing hours are 9-5."),
    ("Bea Lin", "phones", "Bea, we're sorry nobody picked up the phone; we've added staff."),
    ("Margaret Holt", "billing", "Mar garet, glad we could sort out the billing issue."),
    ("Margaret Holt", "app", "Margaret, we figured out the problem with the portal login."),
    ("Rosa Díaz", "estacionamiento", "Rosa, lamentamos lo del estacionamiento."),
    ("Luis Mora", "comida", "Luis, gracias; ya mejoramos la comida de la cafetería."),
    # policy statements
    ("", "?", "We can't discuss anyone's care online."),
    (
        "Tyler Brooks",
        "?",
        "Tyler, privacy rules keep us from confirming whether anyone is a patient.",
    ),
    ("", "?", "Por ley, no podemos confirmar si alguien es paciente."),
    # offers of care, not delivered care
    ("", "?", "We look forward to caring for your family."),
    ("", "?", "We'd love to care for your mom whenever she's ready; call us to book."),
    ("", "?", "Our hospice team can support families at home; call 555-201-3344."),
    ("", "?", "Podemos atender a toda su familia; llámenos."),
    # names that are the organisation's, or not people
    ("", "thanks", "Thank you for trusting Brightwater Health with your feedback."),
    ("", "great", "Thanks! Our team loves supporting Habitat for Humanity every spring."),
    ("", "event", "We'll see you at your next volunteer shift!"),
    ("", "event", "See you at the fun run on Saturday!"),
    ("", "event", "¡Los esperamos en el evento de la comunidad!"),
    # progress and outcomes that are not a person's health
    ("", "team", "Our team is thriving in the new building."),
    ("", "garden", "The garden is healing nicely after the storm."),
    ("", "wait", "Wait times are looking better since we added a second desk."),
    ("", "store", "Our new pharmacy is back on track after the move."),
    ("", "jobs", "Post-op nurses: we're hiring! Apply at careers.example.org."),
    ("", "?", "Post-op instructions for every procedure are on our website."),
    # staff named without care of this person
    ("", "award", "Dr. Adams says our clinic won a community award this year."),
    ("", "hours", "Ms. Patel in billing is available weekdays at 555-201-3344."),
    ("", "news", "Nurse Alma is retiring after 30 years, and we're so proud of her!"),
    # spokespeople and general thanks
    ("", "thanks", "Thank you! Dana Whitfield, Patient Experience Director"),
    ("", "gracias", "Gracias por sus palabras; las compartiremos con el equipo."),
    ("", "thanks", "We appreciate you taking the time to share this."),
    ("", "kids", "Our pediatric team loves caring for kids of all ages."),
    ("", "ok", "Sorry the elevator was broken; we fixed it on Monday."),
    ("Jorge Pena", "ok", "Jorge, sorry our website was down again; it's back now."),
    ("", "ok", "Thanks! Our team is thrilled to support the local food bank."),
    ("", "ok", "We hope to see you at the open house next month!"),
    ("@fitmama", "price", "@fitmama Prenatal massage is $80 per session; book anytime!"),
    ("", "ok", "Dr. Kim says thank you for the kind words!"),
]


@pytest.mark.parametrize(("author", "mention", "reply", "kinds"), BLOCK)
def test_structural_blocks(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> None:
    assert_blocks(phi_screen, author, mention, reply, kinds)


@pytest.mark.parametrize(("author", "mention", "reply"), PASS)
def test_structural_passes(phi_screen: PhiScreen, author: str, mention: str, reply: str) -> None:
    result = run(phi_screen, reply, author, mention)
    assert result.verdict == "pass", (reply, result.kinds)


def test_counts() -> None:
    assert len(BLOCK) >= 60 and len(PASS) >= 40


def test_split_name_span_covers_both_pieces(phi_screen: PhiScreen) -> None:
    reply = "Bea\ntrice, we loved caring for you."
    result = run(phi_screen, reply, "Beatrice Lin", "nurses")
    names = [f for f in result.findings if f.kind == PN]
    assert names and names[0].text == "Bea\ntrice"


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NAMES = [
    ("Tyler", "Brooks"),
    ("Beatrice", "Lindqvist"),
    ("Irene", "Coleman"),
    ("Margaret", "Holloway"),
    ("Soledad", "Quintana"),
    ("Reginald", "Okafor"),
]
CARE = [
    "{name}, it was a joy caring for you after your knee surgery.",
    "{name}, so glad your incision is healing well.",
    "{name}, we'll see you in two weeks for your follow-up.",
    "{name}, fue un placer atenderle; su rodilla ya está sanando.",
]
SAFE_ORG = [
    "Thanks for the feedback! {name}, Patient Experience Director, would love to hear more "
    "at 555-201-3344.",
    "We appreciate your note; please reach {name} in Patient Relations at 555-201-3344.",
]


def _split(word: str, pos: int, sep: str) -> str:
    return word[:pos] + sep + word[pos:]


@SETTINGS
@given(
    person=st.sampled_from(NAMES),
    which=st.sampled_from(["first", "last"]),
    template=st.sampled_from(CARE),
    data=st.data(),
)
def test_split_reviewer_name_in_care_reply_blocks(
    phi_screen: PhiScreen,
    person: tuple[str, str],
    which: str,
    template: str,
    data: st.DataObject,
) -> None:
    first, last = person
    word = first if which == "first" else last
    pos = data.draw(st.integers(min_value=1, max_value=len(word) - 1))
    sep = data.draw(st.sampled_from([" ", "\n"]))
    reply = template.format(name=_split(word, pos, sep))
    result = phi_screen.screen(reply, MentionContext(f"{first} {last}", "thanks", "google"))
    assert result.verdict == "block", reply
    names = [f for f in result.findings if f.kind == PN]
    assert any(f.text.replace(sep, "") == word for f in names), (reply, result.findings)


@SETTINGS
@given(
    person=st.sampled_from(NAMES),
    template=st.sampled_from(SAFE_ORG),
    data=st.data(),
)
def test_split_spokesperson_name_passes(
    phi_screen: PhiScreen, person: tuple[str, str], template: str, data: st.DataObject
) -> None:
    first, last = person
    pos = data.draw(st.integers(min_value=1, max_value=len(first) - 1))
    sep = data.draw(st.sampled_from([" ", "\n"]))
    reply = template.format(name=_split(first, pos, sep) + " " + last)
    org = OrgContext(name="Brightwater Health", spokespeople=(f"{first} {last}",))
    result = phi_screen.screen(reply, MentionContext("@reviewer_77", "meh", "google"), org)
    assert result.verdict == "pass", (reply, result.findings)
