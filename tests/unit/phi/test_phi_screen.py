"""Behaviour of the whole screen: verdicts, findings, context, logging."""

from __future__ import annotations

import logging

import pytest

from tests.unit.phi.conftest import assert_blocks, run
from workflows.phi.screen import ClassifierPhiScreen, ScreenError
from workflows.phi.types import MentionContext, OrgContext, PhiScreen

BLOCK = [
    # (author, mention, reply, expected kinds that must be among the findings)
    (
        "Gloria Benson",
        "Waited forever.",
        "Gloria, we know chemo days are long.",
        {"patient_name", "clinical_detail"},
    ),
    (
        "kbrooks",
        "Terrible.",
        "We looked into your chart and the nurse documented it.",
        {"confirms_patient"},
    ),
    (
        "Ann Lee",
        "Rude staff.",
        "Our records show you were seen on March 3.",
        {"confirms_patient", "visit_date"},
    ),
    (
        "Pete Carlson",
        "Dropped me!",
        "You missed your last three appointments.",
        {"appointment_history"},
    ),
    (
        "Sharon Lee",
        "Surprise bill.",
        "The balance is what Cigna left after your deductible.",
        {"billing_insurance"},
    ),
    (
        "Leo Grant",
        "Rude therapist.",
        "Leo, Melissa has been your therapist since January.",
        {"staff_patient_link"},
    ),
    (
        "Joanne Fisher",
        "My mom was neglected.",
        "Your mother's pressure ulcer was treated.",
        {"family_member", "clinical_detail"},
    ),
    (
        "Karen Wu",
        "Billing mess.",
        "Please reference account 88213409 when you call.",
        {"identifier"},
    ),
    (
        "Rita Gomez",
        "No call back.",
        "We left a voicemail at (602) 555-1834 yesterday.",
        {"identifier"},
    ),
    (
        "Tina Park",
        "No records.",
        "We emailed them to tina.park88@gmail.com on Friday.",
        {"identifier"},
    ),
    (
        "Luis Ortega",
        "Wrong address.",
        "We updated your address to 1420 Maple Ave, Apt 3.",
        {"identifier"},
    ),
    ("Mike Ross", "Mixed up.", "We confirmed your DOB of 04/22/1979 first.", {"identifier"}),
    (
        "Heather Lang",
        "Slow results.",
        "The pathology on the mole we removed took longer.",
        {"clinical_detail", "confirms_patient"},
    ),
    (
        "Dana White",
        "Awful.",
        "Thank you Dana. Managing Crohn's flares is difficult.",
        {"clinical_detail", "patient_name"},
    ),
    (
        "Nadia Bukowski",
        "They released my husband early.",
        "Your husband was discharged on the 9th once his vitals were stable.",
        {"family_member", "visit_date"},
    ),
    ("Mo Diaz", "Bad ER.", "Sorry to hear the dry socket hurt so much.", set()),
    # Spanish
    (
        "Ana Morales",
        "La atención fue terrible.",
        "Ana, lamentamos que su embarazo haya sido difícil; el ultrasonido salió normal.",
        {"patient_name", "clinical_detail"},
    ),
    (
        "Marta Ruiz",
        "La doctora no me explicó nada.",
        "Sra. Ruiz, la Dra. Ochoa le explicó los resultados de su mamografía el lunes.",
        {"patient_name", "staff_patient_link", "clinical_detail", "visit_date"},
    ),
    (
        "José Ramírez",
        "Mala experiencia.",
        "Usted faltó a sus dos últimas citas.",
        {"appointment_history"},
    ),
    ("Rosa Medina", "No me llamaron.", "Le llamamos al 602-555-1834 el martes.", {"identifier"}),
]

PASS = [
    (
        "Gloria Benson",
        "Waited forever.",
        "We're sorry for the wait. We can't discuss anyone's care online, but our patient "
        "advocate would like to hear from you at 555-0123.",
    ),
    (
        "Dev Patel",
        "Parking is always full.",
        "Dev, thanks! We're opening 200 more spaces in the north lot next month.",
    ),
    (
        "Hannah Cole",
        "Mammograms on weekends?",
        "Hi Hannah! Our imaging center offers screening mammograms on Saturdays. Call 555-0140.",
    ),
    (
        "Greg Ellis",
        "Rude receptionist.",
        "Please ask for our office manager, Laura Diaz, at 555-0199 or "
        "laura.diaz@hillsidedental.com so she can follow up.",
    ),
    (
        "Rosa Medina",
        "Nadie contesta el teléfono.",
        "Lamentamos las molestias. Puede escribirnos a citas@clinicasanjose.org o llamarnos al "
        "(555) 010-2233 de lunes a viernes.",
    ),
    (
        "Lynn Carter",
        "The doctor was late.",
        "Privacy laws keep us from discussing any patient's visit, but please contact our "
        "Patient Relations team at 555-0111.",
    ),
    (
        "Oscar Diaz",
        "Ignored at check-in.",
        "Oscar, we're sorry you felt ignored. Our manager would welcome your call at 555-0120.",
    ),
    (
        "Sam Kline",
        "Where do I park?",
        "Hi Sam, visitors for the cancer center can use the free garage on Elm Street.",
    ),
    (
        "Jason Miller",
        "Do you take Medicaid?",
        "Yes, we accept Medicaid. Call 555-0190 to confirm your plan is in network.",
    ),
    (
        "Lena Fox",
        "Diabetes support group?",
        "Our diabetes education program hosts a free support group monthly.",
    ),
    (
        "Raymond Ortiz",
        "La recepción fue grosera.",
        "Lamentamos leer su comentario. Por la ley de privacidad no podemos hablar de ningún caso "
        "en particular. Nuestra oficina le atenderá en el 555-0188.",
    ),
    (
        "Omar Haddad",
        "Thanks for the free CPR class!",
        "Thank you, Omar! The next free community CPR class is on April 12.",
    ),
]


IDENTIFIER_KINDS = {"identifier"}


@pytest.mark.parametrize(
    ("author", "mention", "reply", "kinds"), [b for b in BLOCK if b[3] == IDENTIFIER_KINDS]
)
def test_identifiers_always_block(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> None:
    assert_blocks(phi_screen, author, mention, reply, kinds)


def test_classifier_blocks_plain_disclosures(phi_screen: PhiScreen) -> None:
    """The classifier is judged in aggregate (a learned model may miss a case; the
    figures on unseen replies are in docs/phi-screen.md): at most one miss here, and
    every block well formed."""
    cases = [b for b in BLOCK if b[3] != IDENTIFIER_KINDS]
    missed = []
    for author, mention, reply, _kinds in cases:
        result = run(phi_screen, reply, author, mention)
        if result.verdict != "block":
            missed.append(reply)
            continue
        assert_blocks(phi_screen, author, mention, reply, set())
    assert len(missed) <= 1, missed


HEALTH_PROMOTION = [
    ("Beth Morgan", "Nice clinic", "Thanks, Beth! Flu season is here, so get your flu shot soon."),
    ("Beth Morgan", "Nice clinic", "Don't forget to schedule your annual mammogram."),
]


def test_classifier_passes_safe_replies(phi_screen: PhiScreen) -> None:
    """At the recall-first default threshold some safe replies are blocked (the measured
    rate is in docs/phi-screen.md); this guards against it getting worse."""
    cases = PASS + HEALTH_PROMOTION
    blocked = [r for a, m, r in cases if run(phi_screen, r, a, m).verdict == "block"]
    assert len(blocked) <= 4, blocked


def test_greeting_by_name_passes_only_off_care(phi_screen: PhiScreen) -> None:
    off = run(
        phi_screen,
        "Dorothy, thanks! The garage lights get shields in April.",
        "Dorothy Kwan",
        "The garage lights shine into my bedroom.",
    )
    assert off.verdict == "pass"
    on = run(
        phi_screen,
        "Dorothy, your migraine should ease with the new dose.",
        "Dorothy Kwan",
        "Doctor didn't help.",
    )
    assert on.verdict == "block" and "patient_name" in on.kinds


def test_whose_number_is_it(phi_screen: PhiScreen) -> None:
    org = run(phi_screen, "Please call our Patient Relations team at 555-201-3344.")
    assert org.verdict == "pass"
    patient = run(phi_screen, "We called you at 555-201-3344 twice.")
    assert patient.verdict == "block" and "identifier" in patient.kinds


def test_a_label_word_before_the_org_phone_is_not_an_identifier(phi_screen: PhiScreen) -> None:
    org = run(phi_screen, "Our billing team can walk anyone through a statement: 620-555-0130.")
    assert "identifier" not in org.kinds
    patient = run(phi_screen, "Your statement: 620-555-0130 shows the balance.")
    assert "identifier" in patient.kinds


@pytest.mark.parametrize(
    ("reply", "identifier"),
    [
        ("We've opened ticket #KT-40981 for this review; please mention it when you call.", False),
        ("Complaint ref: QZ-77120. Patient Relations: 555-0142.", False),
        ("We logged your note as feedback ticket FT-20417.", False),
        ("Su número de queja es 33018; llámenos al 555-0166.", False),
        ("Your account #4471-2290 shows a balance.", True),
        ("About your complaint on the bill: account #4471-2290 was credited.", True),
        ("Please reference case #RV-20931 when you call.", True),
        (
            "Esta reseña queda registrada como referencia RS-2024-00815 en Atención al Usuario.",
            False,
        ),
        ("We logged this review under reference RV-20931 for follow-up.", False),
        ("The night-shift posting (Req. #NT-5562) closes Friday.", False),
        ("La vacante #EN-3390 sigue abierta hasta el viernes.", False),
        ("Your review mentions your account #4471-2290; it shows a balance.", True),
        ("Thanks for the review! Your account number 4471-2290 has a balance.", True),
        ("Gracias por su reseña; su número de cuenta 4471-2290 tiene saldo.", True),
        ("Thanks for writing in. Patient Relations | Ref: QA-88-1207 | 555-0144", False),
        ("Ticket for this post: CS-5521 (quote it when you call us).", False),
        ("Un saludo, Atención al Usuario, referencia: AU-30917.", False),
        ("We credited your bill, ref. 4471-2290.", True),
        ("Case #RV-20931 is open for you.", True),
    ],
)
def test_the_orgs_complaint_review_or_job_reference_is_not_an_identifier(
    phi_screen: PhiScreen, reply: str, identifier: bool
) -> None:
    assert (
        "identifier" in run(phi_screen, reply, "Noa Brandt", "Bad service.").kinds
    ) is identifier


def test_a_role_address_at_the_org_domain_is_not_the_reviewers(phi_screen: PhiScreen) -> None:
    reply = "Si tiene más inquietudes como vecino, escriba a vecinos@clinicaolmo.org."
    assert "identifier" not in run(phi_screen, reply, "Vecino Molesto", "Sirenas a las 3am.").kinds
    mine = run(phi_screen, "We sent the form to vecino.molesto@gmail.com.", "Vecino Molesto")
    assert "identifier" in mine.kinds


@pytest.mark.parametrize(
    "reply",
    [
        "so sorry. pls use m r n : 5 5 1 2 0 9 8 next time at the desk.",
        "Bring your M. R. N. 4455123 next time.",
        "We have your d o b as 3/4/1988 on file.",
    ],
)
def test_spaced_out_labels_still_mark_identifiers(phi_screen: PhiScreen, reply: str) -> None:
    assert "identifier" in run(phi_screen, reply, "Ezra Goldfarb", "Lost my paperwork.").kinds


@pytest.mark.parametrize(
    ("reply", "identifier"),
    [
        ("Our urgent care runs 24/7 in St. Louis, and you can walk in without a call.", False),
        ("Your results from 3/12 at Elm St. were mailed.", False),
        ("We mailed the bill to you at 12 Oak Street last week.", True),
        ("we mailed it to your place at 48 birch ln", True),
    ],
)
def test_a_house_number_is_not_the_7_of_24_7_or_a_number_before_in(
    phi_screen: PhiScreen, reply: str, identifier: bool
) -> None:
    kinds = run(phi_screen, reply, "Dana Whit", "Question.").kinds
    assert ("identifier" in kinds) is identifier, kinds


def test_spans_point_into_obfuscated_original(phi_screen: PhiScreen) -> None:
    reply = "&#67;onsuelo, your meto\u200cprolol was filled at the 25 mg dose."
    result = run(phi_screen, reply, "Consuelo Quintana", "Wrong pills.")
    by_kind = {f.kind: f for f in result.findings}
    assert by_kind["patient_name"].text == "&#67;onsuelo"
    assert any(f.text == "meto\u200cprolol" for f in result.findings)


def test_repeating_the_reviewers_story_is_a_finding(phi_screen: PhiScreen) -> None:
    result = run(
        phi_screen,
        "We're so sorry your knee replacement recovery has been hard.",
        "Al Mann",
        "My knee replacement recovery has been awful.",
    )
    assert result.verdict == "block"
    assert "confirms_patient" in result.kinds


def test_new_fact_reported(phi_screen: PhiScreen) -> None:
    result = run(
        phi_screen,
        "Eddie, our pharmacists check ID on every Suboxone fill.",
        "Eddie Farnsworth",
        "Treated like a criminal picking up my prescription.",
    )
    assert result.verdict == "block"
    assert "new_fact" in result.kinds


def test_org_context_adds_certainty(phi_screen: PhiScreen) -> None:
    reply = "Reach Ana Ruiz at 555-303-4040 or ana@gmail.com."
    org = OrgContext(
        name="Mercy",
        phones=("555-303-4040",),
        emails=("ana@gmail.com",),
        spokespeople=("Ana Ruiz",),
    )
    with_org = phi_screen.screen(reply, MentionContext("Kim Doe", "Rude staff"), org)
    assert with_org.verdict == "pass"
    without = phi_screen.screen(reply, MentionContext("Kim Doe", "Rude staff"))
    assert without.verdict == "block"  # a gmail address reads as someone's own


def test_configured_org_and_staff_directory() -> None:
    # a second, separately configured screen; built lazily (still one spaCy load per test)
    from workflows.phi.screen import build_screen

    screen = build_screen(
        org=OrgContext(phones=("555-777-1212",)), staff_directory=("Renata Silva",)
    )
    reply = "We called 555-777-1212 back; Renata Silva leads our hygiene team."
    assert screen.screen(reply, MentionContext("Jo Li", "Rude")).verdict == "pass"


def test_empty_reply_passes(phi_screen: PhiScreen) -> None:
    assert run(phi_screen, "").verdict == "pass"
    assert run(phi_screen, "   \n").verdict == "pass"


MARKER = "Zqxv7741Marker"


def test_never_logs_the_text(phi_screen: PhiScreen, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for reply in (
        f"{MARKER}, your biopsy results are back.",
        f"Thanks {MARKER}! See you at the fair.",
        f"Call {MARKER} at 555-0100 or {MARKER.lower()}@gmail.com.",
    ):
        run(phi_screen, reply, MARKER, f"{MARKER} was here")
    assert MARKER not in caplog.text
    assert MARKER.lower() not in caplog.text.lower()


def test_errors_never_carry_the_text(
    presidio_screen: ClassifierPhiScreen,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    def boom(*args: object, **kwargs: object) -> None:
        raise ValueError(f"cannot analyse {kwargs.get('text')}")

    monkeypatch.setattr(presidio_screen.analyser.analyzer, "analyze", boom)
    with pytest.raises(ScreenError) as info:
        run(presidio_screen, f"{MARKER}, your chart")
    assert MARKER not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert MARKER not in caplog.text


@pytest.mark.parametrize(
    "reply",
    [
        "Beth, your flu shot is due next week.",
        "We hope the new medication works better than the last one.",
    ],
)
def test_a_persons_own_care_is_not_health_promotion(phi_screen: PhiScreen, reply: str) -> None:
    assert run(phi_screen, reply, "Beth Morgan", "Nice clinic").verdict == "block"


@pytest.mark.parametrize(
    ("reply", "identifier"),
    [
        ("Memorial gifts can be made online or mailed to 200 Willow Rd.", False),
        ("Please mail donations to 200 Willow Rd.", False),
        ("Thank-you cards for the nurses may be sent to 200 Willow Rd.", False),
        ("Thank you notes for staff can be dropped off at 200 Willow Rd.", False),
        ("Las donaciones pueden enviarse a 200 Willow Rd.", False),
        ("Your statement was mailed to 200 Willow Rd.", True),
        ("We mailed the bill to 200 Willow Rd.", True),
        ("Your records can be sent to 200 Willow Rd.", True),
        ("Le enviamos la factura a 200 Willow Rd.", True),
    ],
)
def test_an_address_the_public_sends_things_to_is_the_organisations(
    phi_screen: PhiScreen, reply: str, identifier: bool
) -> None:
    kinds = run(phi_screen, reply, "Mei Chen", "How do I make a memorial donation?").kinds
    assert ("identifier" in kinds) is identifier, kinds


def test_a_name_that_starts_like_a_title_is_not_a_clinician(phi_screen: PhiScreen) -> None:
    """Drake Lowe is the patient; "Dr. Osei" is the clinician tied to him."""
    result = run(
        phi_screen,
        "Drake Lowe's knee surgery went well, and Dr. Osei will see him again in June.",
        "Pat Reyes",
        "My brother had surgery there.",
    )
    kinds = {f.text: f.kind for f in result.findings if f.text in ("Drake Lowe", "Dr. Osei")}
    assert kinds == {"Drake Lowe": "patient_name", "Dr. Osei": "staff_patient_link"}
