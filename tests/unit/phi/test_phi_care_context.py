"""General rules for five classes of disclosure and one class of false block.

Every example here is written for these tests (English and Spanish), not taken from
any evaluation set:

1. everyday care words (devices, supplies, symptoms, pharmacy pick-ups) about the reader;
2. the reviewer greeted by a name taken from their handle;
3. a fee or policy explanation about this person's own (dated) appointment;
4. identifiers written with Unicode digits;
5. Spanish visit and return confirmations without clinical words;
6. general Spanish (and English) statements about what the law lets us share.
"""

from __future__ import annotations

import pytest

from tests.unit.phi.conftest import assert_blocks, run
from tests.unit.phi.test_phi_recognizers import cands, has
from workflows.phi.names import build_profile
from workflows.phi.screen import PresidioPhiScreen
from workflows.phi.types import PhiScreen

BLOCK = [
    # (author, mention, reply, kinds that must be among the findings)
    # 1. devices, supplies and symptoms in a second-person care context
    (
        "Tom Reyes",
        "Rude front desk.",
        "Tom, keep the brace on and ice the swelling for two more days.",
        {"patient_name", "clinical_detail"},
    ),
    (
        "Jen Holt",
        "Long wait.",
        "Sorry the crutches were uncomfortable; the walking boot comes off soon.",
        {"clinical_detail", "confirms_patient"},
    ),
    (
        "Ray Pike",
        "Meh.",
        "Glad your stitches are out and the bruising is fading.",
        {"clinical_detail", "confirms_patient"},
    ),
    (
        "Ray Pike",
        "Meh.",
        "Sorry your pain level was still a seven when you left.",
        {"clinical_detail", "confirms_patient"},
    ),
    (
        "Lupe Diaz",
        "Mal servicio.",
        "Sentimos que la férula le molestara; la hinchazón debería bajar pronto.",
        {"clinical_detail", "confirms_patient"},
    ),
    (
        "Lupe Diaz",
        "Mal servicio.",
        "Lupe, siga usando sus muletas y avísenos si vuelve la fiebre.",
        {"clinical_detail", "patient_name"},
    ),
    # 1. pharmacy relationship
    ("Mia Cole", "Slow.", "Your pickup is waiting at the counter.", {"confirms_patient"}),
    (
        "Mia Cole",
        "Slow.",
        "Your order at the pharmacy counter was delayed by the supplier.",
        {"confirms_patient"},
    ),
    ("Mia Cole", "Slow.", "We processed your remaining refills.", {"confirms_patient"}),
    (
        "Lupe Diaz",
        "Lento.",
        "Su receta ya está lista en el mostrador de la farmacia.",
        {"confirms_patient"},
    ),
    # 2. a name taken from the handle, used as a greeting
    (
        "@ximena_hikes_boise",
        "Great clinic!",
        "Ximena, thank you! We're glad the new splint is more comfortable.",
        {"patient_name", "clinical_detail"},
    ),
    (
        "@sunny_days_phx",
        "ok visit",
        "Sunny, we hope your swelling has gone down since your visit.",
        {"patient_name"},
    ),
    (
        "@ximena_hikes_boise",
        "¡Buen trato!",
        "Ximena, ¡qué gusto que regresaste a tu cita de control!",
        {"patient_name", "appointment_history"},
    ),
    # 3. a fee explanation about this person's dated appointment
    (
        "Ann Cruz",
        "Unfair fee.",
        "The no-show fee was applied because the appointment on the 14th was missed.",
        {"appointment_history", "visit_date", "confirms_patient"},
    ),
    (
        "Ann Cruz",
        "Unfair fee.",
        "The fee was charged because the visit on 3/14 was not cancelled in advance.",
        {"appointment_history", "visit_date"},
    ),
    (
        "Ann Cruz",
        "Unfair fee.",
        "You were charged because you cancelled late on March 3.",
        {"appointment_history", "visit_date"},
    ),
    (
        "Lupe Diaz",
        "Cobro injusto.",
        "Se le cobró la tarifa porque usted canceló la cita del jueves con poco aviso.",
        {"appointment_history", "visit_date", "billing_insurance"},
    ),
    # 4. identifiers in Unicode digits, also inside a privacy sentence
    ("Ann Cruz", "Billing.", "Please quote MRN ７７４０２１８ when you call.", {"identifier"}),
    ("Ann Cruz", "Billing.", "Your MRN is ७७४०२१८.", {"identifier"}),
    ("Ann Cruz", "Billing.", "Your MRN is 𝟕𝟕𝟒𝟎𝟐𝟏𝟖.", {"identifier"}),
    (
        "Ann Cruz",
        "Billing.",
        "For privacy we can't discuss account ７７４０２１８ here; please call.",
        {"identifier"},
    ),
    ("Ann Cruz", "Billing.", "ＭＲＮ：７７４０２１８", {"identifier"}),
    # 5. Spanish visit confirmations without clinical words
    (
        "Lupe Diaz",
        "Buen servicio.",
        "Nos alegra que haya regresado a vernos la semana pasada.",
        {"confirms_patient", "visit_date", "appointment_history"},
    ),
    (
        "Lupe Diaz",
        "Buen servicio.",
        "Gracias por visitarnos el martes; fue un placer.",
        {"confirms_patient", "visit_date"},
    ),
    (
        "Lupe Diaz",
        "Mal servicio.",
        "Lamentamos la espera cuando vino a su cita.",
        {"confirms_patient", "appointment_history"},
    ),
    (
        "Lupe Diaz",
        "Buen servicio.",
        "Qué gusto que volviste con nosotros ayer.",
        {"confirms_patient", "visit_date"},
    ),
    (
        "Ray Pike",
        "Nice.",
        "So glad you came back to see us on Friday.",
        {"confirms_patient", "visit_date"},
    ),
]

PASS = [
    # (author, mention, reply)
    # 1. the same words, not about the reader
    ("Ray Pike", "Bad.", "Brace yourself: our new parking garage opens next week!"),
    ("Ray Pike", "Do you rent crutches?", "Yes, we rent crutches and walkers at the front desk."),
    ("Ray Pike", "Bad.", "We're sorry the wheelchair ramp was blocked by a delivery truck."),
    ("Ray Pike", "Bad.", "If you have a fever or cough, please wear a mask when you visit."),
    ("Ray Pike", "Bad.", "Please call us if you have questions about how refills work."),
    ("Ray Pike", "Bad.", "Thanks for your order feedback; our online store ships daily."),
    ("Dana Fox", "Braces?", "Yes, our pharmacy stocks knee braces, slings and ice packs."),
    ("Lupe Diaz", "Pregunta.", "Si tiene fiebre, le pedimos que use cubrebocas en la sala."),
    ("Lupe Diaz", "Pregunta.", "Para resurtir una receta, llame a la farmacia o use la app."),
    # 2. a handle greeting on a reply about something else
    (
        "@ximena_hikes_boise",
        "Parking is awful",
        "Ximena, thanks for the feedback about parking; we are adding a second level.",
    ),
    ("@carla_bakes_reno", "cute office", "Carla, thank you for the kind words about our lobby!"),
    # 3. general fee policies
    (
        "Ann Cruz",
        "Unfair fee.",
        "We charge a fee for missed appointments that are not cancelled 24 hours in advance.",
    ),
    ("Ann Cruz", "Unfair fee.", "Missed appointments are charged a $40 fee, as explained."),
    (
        "Lupe Diaz",
        "Cobro injusto.",
        "Cobramos una tarifa por citas canceladas con menos de 24 horas de aviso.",
    ),
    ("Ray Pike", "Bad.", "We'd love to see you at our open house on the 14th!"),
    # 5. future visits are invitations
    ("Lupe Diaz", "Mal.", "Esperamos que vuelva pronto a visitarnos; con gusto le atendemos."),
    (
        "Lupe Diaz",
        "Excelente.",
        "¡Gracias por sus amables palabras, Lupe! Nos alegra que el equipo le hizo sentir "
        "bienvenida.",
    ),
    # 6. what the law lets us share, about "the patient" in general
    (
        "Lupe Diaz",
        "Mal servicio.",
        "Por ley, solo podemos hablar de medicamentos con el paciente o con quien el paciente "
        "haya autorizado por escrito. Con gusto le explicamos cómo tramitar esa autorización "
        "si nos llama al 555-201-3300.",
    ),
    (
        "Lupe Diaz",
        "Mal servicio.",
        "La ley nos permite hablar de la facturación solo con el paciente o su representante.",
    ),
    (
        "Lupe Diaz",
        "Mal servicio.",
        "Las recetas solo se entregan al paciente o a la persona que el paciente autorice.",
    ),
    (
        "Ray Pike",
        "Bad.",
        "By law, we can only share prescription details with the patient or people the patient "
        "has authorized.",
    ),
]


CASES = [(*case, True) for case in BLOCK] + [(*case, set(), False) for case in PASS]


@pytest.mark.parametrize(("author", "mention", "reply", "kinds", "unsafe"), CASES)
def test_verdict(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str], unsafe: bool
) -> None:
    if unsafe:
        assert_blocks(phi_screen, author, mention, reply, kinds)
    else:
        result = run(phi_screen, reply, author, mention)
        assert result.verdict == "pass", [(f.kind, f.text) for f in result.findings]


@pytest.mark.parametrize(
    "reply",
    [
        "Please quote MRN ７７４０２１８ when you call.",
        "Your account number is ٤٥٦٧٨٩١٢ for reference.",
        "Your MRN is ७७४०२१८.",
        "Patient ID: ７７４-０２１８ is on file.",
    ],
)
def test_unicode_digit_identifier_maps_back(phi_screen: PhiScreen, reply: str) -> None:
    result = run(phi_screen, reply, "Ann Cruz", "Billing.")
    ids = [f for f in result.findings if f.kind == "identifier"]
    assert ids
    for f in ids:
        assert reply[f.start : f.end] == f.text
        # the span covers every (non-ASCII) digit of the number
        assert sum(ch.isdigit() for ch in f.text) >= 7


def test_handle_first_piece_is_a_name(presidio_screen: PresidioPhiScreen) -> None:
    profile = build_profile("@ximena_hikes_boise", presidio_screen.vocab)
    assert "ximena" in profile.keys
    assert {"ximena", "hikes", "boise"} <= profile.handle_pieces
    # a city later in the handle is not a name part on its own
    assert "boise" not in profile.keys


def test_handle_piece_greeting_found(presidio_screen: PresidioPhiScreen) -> None:
    found = cands(presidio_screen, "Sunny, glad you are feeling better.", "@sunny_days_phx")
    assert has(found, "PHI_REVIEWER", "Sunny")
    found = cands(presidio_screen, "Thanks for the sunny review!", "@sunny_days_phx")
    assert not any(e == "PHI_REVIEWER" for e, _w in found)


@pytest.mark.parametrize(
    ("text", "entity", "words"),
    [
        ("keep the sling on", "PHI_CARE_ITEM", "sling"),
        ("the bruising is fading", "PHI_CARE_ITEM", "bruising"),
        ("your insulin pump", "PHI_CARE_ITEM", "insulin pump"),
        ("sus muletas", "PHI_CARE_ITEM", "muletas"),
        ("la hinchazon", "PHI_CARE_ITEM", "hinchazon"),
        ("your refills are ready", "PHI_PHARMACY", "your refills are ready"),
        ("the appointment on the 14th", "PHI_APPT_DATED", "the appointment on the 14th"),
        ("la cita del jueves", "PHI_APPT_DATED", "la cita del jueves"),
        ("because you cancelled late", "PHI_APPT_YOU", "you cancelled"),
        ("que haya regresado a vernos", "PHI_VISIT", "haya regresado a vernos"),
        ("gracias por visitarnos", "PHI_VISIT", "gracias por visitarnos"),
    ],
)
def test_new_recognisers(
    presidio_screen: PresidioPhiScreen, text: str, entity: str, words: str
) -> None:
    assert has(cands(presidio_screen, text), entity, words)
