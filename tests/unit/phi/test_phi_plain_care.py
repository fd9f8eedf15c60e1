"""Care confirmed without clinical or record words, and public events that must pass.

Every example is written for these tests (English and Spanish), not taken from any
evaluation set. Classes:

1. warm relationship language ("loved caring for you", "fue un placer atenderle");
2. results in plain words ("everything came back clear", "your report is ready");
3. births and pregnancy ("congratulations on your twins", "felicidades por su bebé");
4. a relative's status or stay ("your father is home now", "her time in the hallway");
5. the reviewer's own wait or visit with a day ("your wait on Thursday");
6. a care unit in a reply about the reviewer ("long nights on the cardiac floor");
7. dense disclosures: "your nurse coordinator <Name>", fertility words, contact dates;
8. community events and campaigns (free, hosting, register, open to) greeted by name.
"""

from __future__ import annotations

import pytest

from tests.unit.phi.conftest import assert_blocks, run
from tests.unit.phi.test_phi_recognizers import cands
from workflows.phi.screen import PresidioPhiScreen
from workflows.phi.types import PhiScreen

C = "confirms_patient"
BLOCK = [
    # 1. warm relationship language
    ("Marisol Vega", "Great staff", "Marisol, our whole crew loved caring for you!", {C}),
    ("Dev Patel", "Thanks", "Dev, it was a real joy treating you these past weeks.", {C}),
    ("", "They pushed me", "Watching you on the treadmill again made our whole week.", {C}),
    ("", "Thanks", "Seeing you back on your feet was the highlight of our month!", {C}),
    ("Hal Berg", "Top notch", "Hal, it was an honor looking after you.", {C, "patient_name"}),
    ("", "PT", "We had fun working with you in physical therapy this spring.", {C}),
    ("", "Grateful", "We're proud of the work you did in our intensive outpatient program.", {C}),
    ("", "Done!", "So glad you graduated from the recovery program.", {C}),
    ("", "Thanks", "We're so glad you made it through withdrawal management.", {C}),
    ("Ben Ortiz", "still here", "Ben, glad you're still with us in the program!", {C}),
    ("Rita Moss", "nice nurses", "We really enjoyed having you on the unit, Rita.", {C}),
    ("Lucia Paz", "Excelente", "Lucía, fue un placer atenderle; le deseamos lo mejor.", {C}),
    ("", "Gracias", "Nos alegra mucho que haya terminado el programa.", {C}),
    ("", "Gracias", "Fue un gusto cuidarle, ¡siga así!", {C}),
    # 2. results in plain words
    (
        "Kai Lund",
        "Nervous",
        "Kai, great news that everything came back clear!",
        {C, "clinical_detail"},
    ),
    ("", "Waiting", "Glad to hear the results look good.", {C, "clinical_detail"}),
    ("", "relief", "We're thrilled your tests all came back normal!", {C, "clinical_detail"}),
    ("", "?", "Hi! Your report is ready at the front desk.", {C, "clinical_detail"}),
    ("", "Espera", "¡Qué bueno que todo salió bien en los resultados!", {C, "clinical_detail"}),
    ("", "alivio", "Nos alegra que sus resultados salieron negativos.", {C, "clinical_detail"}),
    # 3. births and pregnancy
    ("Nia Stone", "Nurses", "Congratulations on your twins, Nia!", {C, "family_member"}),
    ("", "Nurses", "Congrats on baby Theo! The team is thrilled.", {C, "family_member"}),
    ("", "Nurses", "Congratulations on your little one's arrival!", {C, "family_member"}),
    ("", "Gracias", "¡Felicidades por su bebé!", {C, "family_member", "clinical_detail"}),
    ("", "baby", "Felicidades por el nacimiento de su hija.", {C, "family_member"}),
    # 4. a relative's status or stay
    ("", "Long stay", "We're so relieved your father is home now.", {C, "family_member"}),
    ("", "dad", "So glad your grandpa is finally back home.", {C, "family_member"}),
    ("", "hallway", "We're sorry about her time in the hallway.", {C, "family_member"}),
    ("", "Long stay", "Thank you for sharing how your dad's stay went.", {"family_member"}),
    ("", "Gracias", "Nos alegra saber que su esposo ya está en casa.", {C, "family_member"}),
    ("", "mamá", "Qué alegría que su mamá ya salió del hospital.", {C, "family_member"}),
    # 5. the reviewer's own wait or visit with a day or time
    ("", "Waited", "We're sorry your wait on Thursday was so long.", {C, "visit_date"}),
    ("", "meh", "Thanks for telling us about your visit last Monday.", {C, "visit_date"}),
    ("", "wait", "We apologize that your Saturday visit took so long.", {C}),
    ("", "wait", "Sorry about your stay last weekend.", {C}),
    # 6. a care unit in a reply about the reviewer
    (
        "",
        "rough",
        "Long nights on the cardiac floor are hard, and we're sorry for your family.",
        {C, "clinical_detail"},
    ),
    ("", "rough", "Those weeks in the oncology ward must have been hard for you.", {C}),
    ("", "larga", "Lamentamos que su espera en urgencias fuera tan larga.", {C}),
    # 7. dense disclosures
    (
        "Priya N",
        "no call back",
        "Priya, your nurse coordinator Dana left voicemails on 9/14 about your embryo report.",
        {C, "staff_patient_link", "visit_date", "clinical_detail", "patient_name"},
    ),
    (
        "Jen Wu",
        "no call back",
        "Jen, your care navigator Paula called you on 3/8 about the egg retrieval.",
        {C, "staff_patient_link", "visit_date", "clinical_detail"},
    ),
    (
        "Sara Gil",
        "nadie llamó",
        "Sara, su coordinadora Lucía le dejó mensajes el 10/2 sobre el informe del embrión.",
        {C, "staff_patient_link", "visit_date", "clinical_detail"},
    ),
    ("", "slow", "Sorry the fertility results took so long to reach you.", {C, "clinical_detail"}),
]

PASS = [
    # 8. public events and campaigns, greeted by name
    (
        "Gloria Diaz",
        "Do you do mammograms?",
        "Hi Gloria, we're hosting free screening mammograms for uninsured women on October 12 "
        "at the Women's Center. Call 555-201-3344 to register.",
    ),
    (
        "Gloria Diaz",
        "Any events?",
        "Gloria, on Saturday, Oct 12 we are holding a community health fair with blood pressure "
        "checks and flu shots, open to all. Register at 555-201-3344.",
    ),
    (
        "Ines Mora",
        "?",
        "Hola Inés, el sábado 12 de octubre ofrecemos mamografías gratuitas para la comunidad. "
        "Llame al 555-201-3344 para inscribirse.",
    ),
    (
        "Marta",
        "?",
        "Marta, la jornada de vacunación gratuita será el sábado 5 de octubre. Inscríbase al "
        "555-201-3344.",
    ),
    ("", "class", "Our free childbirth classes are open to the public; register online."),
    # near misses of the new rules
    ("", "Great staff", "We look forward to caring for you and your family for years to come."),
    ("", "Great staff", "Our nurses love caring for our community."),
    ("Lina", "Volunteers", "Lina, we loved having you in the volunteer program this summer!"),
    ("", "diabetes?", "We invite you to join our diabetes prevention program; call us."),
    ("", "?", "If you're in our rehab program, parking is validated at the front desk."),
    ("", "job", "Glad you finished the application; our recruiter will call you on Monday."),
    ("", "parking", "We're sorry your wait for the parking shuttle was so long."),
    ("", "cafe", "Thanks for the note; everything came back to normal after the outage."),
    ("", "open house", "We're glad everything was great at our open house!"),
    ("", "website", "Your report about the broken link is appreciated; the page is fixed."),
    ("", "When?", "Most results are ready within two business days in the portal."),
    ("", "visiting", "Visitors to the ICU should check in at the front desk."),
    ("", "Nice", "Congratulations to our nurses on their award, and thanks for the kind words!"),
    ("Joe", "Mom loved it", "Joe, we're glad your mother enjoyed the gift shop!"),
    ("", "5K", "Thanks for joining us at the 5K on Saturday; it was great to see you there!"),
]


@pytest.mark.parametrize(("author", "mention", "reply", "kinds"), BLOCK)
def test_plain_care_blocks(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> None:
    assert_blocks(phi_screen, author, mention, reply, kinds)


@pytest.mark.parametrize(("author", "mention", "reply"), PASS)
def test_events_and_near_misses_pass(
    phi_screen: PhiScreen, author: str, mention: str, reply: str
) -> None:
    result = run(phi_screen, reply, author, mention)
    assert result.verdict == "pass", (reply, result.kinds)


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("our team loved caring for you", "PHI_WARM"),
        ("everything came back negative", "PHI_RESULT"),
        ("congratulations on your new baby", "PHI_BIRTH"),
        ("his stay on the unit", "PHI_STAY3"),
        ("nights in the NICU", "PHI_UNIT_STAY"),
    ],
)
def test_plain_care_recognisers(presidio_screen: PresidioPhiScreen, text: str, entity: str) -> None:
    assert any(e == entity for e, _w in cands(presidio_screen, text))
