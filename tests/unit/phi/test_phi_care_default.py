"""The care-context default (care_default.py): a reply addressed to a specific person
(the reviewer's name or handle, "you"/"usted"/"su", or a relative of theirs) that
mentions the organisation's care operations about that person is blocked, unless the
sentence is a policy statement, an invitation to contact the organisation, a public
offer, event or price, a non-care topic only, or a thank-you/apology without care.

Every example is written for these tests (English and Spanish), not taken from any
evaluation set.
"""

from __future__ import annotations

import pytest

from tests.unit.phi.conftest import assert_blocks, run
from workflows.phi.types import PhiScreen

C = "confirms_patient"
F = "family_member"
CD = "clinical_detail"
AH = "appointment_history"
SL = "staff_patient_link"
PN = "patient_name"
ID = "identifier"

# (author, mention, reply, kinds that must be among the findings)
BLOCK: list[tuple[str, str, str, set[str]]] = [
    # clinical staff roles and teams tied to the person
    ("Marta Ruiz", "ok", "Marta, your aide will be there a little earlier on Tuesday.", {C, SL}),
    ("Dale Hunt", "ok", "Dale, the night crew said you were a pleasure.", {C, SL}),
    ("Ines Cole", "ok", "Ines, our counselor is holding Thursday open for you.", {C, SL}),
    ("Pia Lund", "ok", "Pia, the nutritionist put together a new plan for you.", {C, SL}),
    ("Roy Banks", "ok", "Roy, the dietitian will stop by before lunch.", {C, SL}),
    ("Tara Quist", "ok", "The paramedics who brought you in asked how you're doing.", {C, SL}),
    ("Glen Ames", "ok", "Glen, the EMTs were glad to hear you made it home.", {C, SL}),
    ("Nell Ward", "ok", "Nell, the unit manager has already spoken with your daughter.", {C, SL}),
    ("Bo Carr", "ok", "Bo, our hygienist Jen asked about you this week.", {C, SL}),
    ("Ada Voss", "ok", "Ada, you were always one of her favorite patients.", {C}),
    ("Kit Lowe", "ok", "Kit, Dr. Farrow has your file and will call you himself.", {C, SL}),
    ("", "ok", "Your care coordinator will swing by with the paperwork.", {C, SL}),
    ("Opal Dean", "ok", "Opal, your therapist wanted you to know she's proud of you.", {C, SL}),
    ("Rex Hale", "ok", "Rex, the respiratory therapist will check on you after supper.", {C, SL}),
    ("Una Park", "ok", "Una, the caregiver who visits your mother will be out Friday.", {C, SL, F}),
    ("Ivo Sax", "ok", "Ivo, the ambulance crew remembered you right away.", {C, SL}),
    # care places
    ("Lila Moss", "ok", "Lila, Room 412 will be ready for you by noon.", {C, ID}),
    ("", "ok", "We moved your husband to the cardiac wing last night.", {C, F}),
    ("Abe Stone", "ok", "Abe, your bed on the third floor is by the window now.", {C}),
    ("Cy Nash", "ok", "Cy, everyone on 4 West misses you already.", {C}),
    ("Eve Rook", "ok", "Eve, they moved you out of the ICU so quickly.", {C, CD}),
    ("Joy Hart", "ok", "Joy, the L&D team is still smiling about you.", {C, SL}),
    ("Fay Gill", "ok", "Fay, the infusion chair by the window is yours again next week.", {C}),
    ("", "ok", "The crew took you to St. Anne's as fast as they safely could.", {C}),
    ("Hal Ives", "ok", "Hal, the ambulance transport to Mercy General went smoothly.", {C}),
    ("Mo Reid", "ok", "Mo, you looked so much better in recovery.", {C, CD}),
    ("", "ok", "Your son's bed in the pediatric unit has been cleaned.", {C, F}),
    # care events
    ("Sue Lam", "ok", "Sue, you're scheduled for 8:15 on Monday.", {C, AH}),
    ("Tim Orr", "ok", "Tim, see you at 7am, and don't forget your driver!", {C, AH}),
    ("Ann Pyle", "ok", "Ann, your next session is already on the calendar.", {C, AH}),
    ("Ray Dunn", "ok", "Ray, the nerve block should wear off by this evening.", {C, CD}),
    ("", "ok", "We held your 9 pm dose until the doctor could see you.", {C}),
    ("Gus Tell", "ok", "Gus, Dr. Imani is taking over your care from Dr. Lowe.", {C}),
    ("Vi Hope", "ok", "Vi, nothing to eat after midnight before the scope.", {C}),
    ("Ike Fenn", "ok", "Ike, we transferred your care to Dr. Solis last month.", {C, SL}),
    ("Liv Crane", "ok", "Liv, the 2 pm slot on the 14th is yours.", {C, AH}),
    ("Mae Bond", "ok", "Mae, bring a driver on Friday since you'll be sedated.", {C}),
    ("", "ok", "We'll see your daughter at 10 for her follow-up.", {C, F}),
    # contact attempts about the person
    ("Nia Shaw", "ok", "Nia, we tried (555) 201-3344 twice yesterday.", {C, ID}),
    ("Olaf Berg", "ok", "Our nurse tried the number on Olaf's emergency card.", {C, PN}),
    ("Pam Rudd", "ok", "Pam, we left a message at pam.rudd@gmail.com about Thursday.", {C, ID}),
    ("", "ok", "Your neighbor at 14 Elm let our aide in when you didn't answer.", {C, ID}),
    ("Quin Ash", "ok", "Quin, we couldn't reach you at 555-867-1100 before your slot.", {C, ID}),
    ("Rita Vale", "ok", "Rita, the coordinator called your cell twice this morning.", {C, SL}),
    # relatives
    ("", "ok", "Your mom's nurse will update you after rounds.", {C, F}),
    ("", "ok", "The night nurse sat with your grandfather until he fell asleep.", {C, F}),
    ("", "ok", "Your wife's surgeon will come by after the procedure.", {C, F}),
    # Spanish
    ("Rosa Díaz", "ok", "Rosa, su cuidadora llegará el martes a las 9.", {C, SL}),
    ("Luis Peña", "ok", "Luis, la enfermera del turno de noche preguntó por usted.", {C, SL}),
    ("Ana Gil", "ok", "Ana, la Dra. Ortega le espera el lunes a primera hora.", {C}),
    ("", "ok", "Su mamá ya está en la habitación 305.", {C, F}),
    ("Eva Soto", "ok", "Eva, su próxima sesión es el jueves.", {C, AH}),
    ("", "ok", "Intentamos llamarle al 555-0199 varias veces.", {C, ID}),
    ("Juan Mora", "ok", "Juan, la ambulancia lo llevó al Hospital Central sin demora.", {C}),
    ("Sara Luna", "ok", "Sara, no olvide traer a alguien que maneje el viernes.", {C}),
    ("Iván Rey", "ok", "Iván, la nutrióloga le preparó un plan nuevo.", {C, SL}),
    ("", "ok", "Su esposo sigue en la UCI, pero estable.", {C, F}),
    ("Marta Paz", "ok", "Marta, el equipo de la sala de recuperación le manda saludos.", {C}),
    ("Tere Vela", "ok", "Tere, la terapeuta la verá el martes a las 10.", {C}),
    ("Beto Sanz", "ok", "Beto, usted era uno de sus pacientes favoritos.", {C}),
    ("", "ok", "Su vecino de la calle Olmo 14 le abrió la puerta a nuestra enfermera.", {C}),
    # handles
    ("@sunny_lou", "ok", "@sunny_lou the hygienist saved your usual chair for Friday.", {C, SL}),
    ("@bikerdad_tom", "ok", "Tom, the crew that brought you in says hi.", {C, SL}),
]

# (author, mention, reply) — addressed to the reviewer, about no one's care
PASS: list[tuple[str, str, str]] = [
    # non-care topics
    ("Marta Ruiz", "parking", "Marta, the parking garage now takes cards at every exit."),
    ("Dale Hunt", "valet", "Dale, we're sorry the valet line was so slow on Saturday."),
    ("Ines Cole", "food", "Ines, the cafeteria now serves breakfast until 11."),
    ("Pia Lund", "wifi", "Pia, the guest wifi password is posted at every nurses' station."),
    ("Roy Banks", "signs", "Roy, thanks for flagging the signage by the east entrance."),
    ("Tara Quist", "website", "Tara, our website had an outage this morning; it's back now."),
    ("Glen Ames", "phones", "Glen, we've simplified the phone tree so you reach a person faster."),
    ("Nell Ward", "billing", "Nell, the billing office is now open until 6 on Thursdays."),
    ("Bo Carr", "cold", "Bo, sorry the lobby was so cold; facilities fixed the thermostat."),
    ("Ada Voss", "parking", "Ada, the third floor of the garage is reserved for visitors."),
    ("Kit Lowe", "food", "Kit, thank you! Our kitchen staff loved your note about the soup."),
    ("Opal Dean", "wifi", "Opal, sorry the wifi kept dropping; we've added routers."),
    ("Rex Hale", "parking", "Rex, the valet stand by the ER entrance opens at 6 am."),
    ("", "elevator", "We're sorry the elevator was out; it was repaired this morning."),
    ("Lila Moss", "noise", "Lila, the construction on the north side ends in May."),
    # policies
    ("Abe Stone", "angry", "Abe, we can't discuss anyone's care on a public site."),
    ("Cy Nash", "angry", "Cy, privacy law keeps us from confirming whether anyone is a patient."),
    ("Eve Rook", "angry", "Eve, our policy is never to discuss a visit in public."),
    ("Joy Hart", "?", "Joy, visiting hours on every unit are 8 am to 8 pm."),
    ("Fay Gill", "?", "Fay, all of our nurses are trained in de-escalation every year."),
    ("Hal Ives", "?", "Hal, ICU visitors must be 12 or older."),
    # contact invitations
    ("Mo Reid", "upset", "Mo, please call our patient advocate at 555-0144."),
    ("Sue Lam", "upset", "Sue, our nurse manager would like to hear from you at 555-0166."),
    ("Tim Orr", "upset", "Tim, please contact our office at care@northpoint.org."),
    ("Ann Pyle", "upset", "Ann, you can reach our patient relations team at 555-0155."),
    ("Ray Dunn", "upset", "Ray, our clinic director welcomes your call at 555-0102."),
    ("Gus Tell", "upset", "Gus, please reach out to our front desk so we can help."),
    ("Vi Hope", "upset", "Vi, details are on our website at valleycare.org/contact."),
    ("Ike Fenn", "upset", "Ike, our unit manager is happy to talk with you at 555-0177."),
    # public offers, events, prices
    ("Liv Crane", "?", "Liv, flu shots are free at every clinic this month."),
    ("Mae Bond", "?", "Mae, our next free CPR class is on May 3 in the auditorium."),
    ("Nia Shaw", "?", "Nia, teeth whitening is $199 through June."),
    ("Olaf Berg", "?", "Olaf, our nurses will host a free blood pressure check at the fair."),
    ("Pam Rudd", "?", "Pam, the new maternity wing opens to the public on June 1."),
    ("Quin Ash", "?", "Quin, sports physicals are $30 on Saturdays, no appointment needed."),
    ("Rita Vale", "?", "Rita, tours of the birthing suites run every Sunday at 2."),
    # jobs, volunteering, donations
    (
        "Una Park",
        "jobs",
        "Una, we'd love to have you! Our open nursing roles are on our careers page.",
    ),
    ("Ivo Sax", "jobs", "Ivo, the recruiter for our ICU positions is holding interviews Friday."),
    ("", "volunteer", "Thanks for volunteering with us; the gift shop shifts are posted online."),
    ("Wes Ford", "donate", "Wes, your donation will help buy new chairs for the infusion center."),
    ("Zoe Kent", "volunteer", "Zoe, our volunteer orientation is the first Monday of each month."),
    ("Cal Webb", "gala", "Cal, thank you for supporting the gala; we raised $40,000 for the NICU."),
    # generic thanks / apologies
    ("Tess Grey", "thanks", "Tess, thank you! We'll share this with our nursing team."),
    ("Ben Tran", "thanks", "Ben, thank you for the kind words about our nurses."),
    ("Nora King", "thanks", "Nora, we'll pass your note along to Dr. Greene."),
    ("Hugo Brandt", "thanks", "Hugo, our whole care team will be thrilled to read this."),
    ("Ivy North", "sorry", "Ivy, we're so sorry to hear about your experience."),
    ("Gil Moreno", "thanks", "Gil, your kind words made our caregivers' day."),
    ("Jon Tate", "thanks", "Thanks Jon! Our paramedics loved seeing everyone at the race."),
    ("Kara Lind", "thanks", "Kara, thank you for recognizing our respiratory therapists."),
    # Spanish
    (
        "Rosa Díaz",
        "estacionamiento",
        "Rosa, el estacionamiento ahora es gratis los fines de semana.",
    ),
    ("Luis Peña", "comida", "Luis, la cafetería ya abre a las 7 de la mañana."),
    ("Ana Gil", "privacidad", "Ana, por ley no podemos hablar de ningún paciente en internet."),
    ("Eva Soto", "queja", "Eva, por favor llame a nuestra oficina al 555-0123."),
    ("Juan Mora", "gracias", "¡Gracias, Juan! Compartiremos su mensaje con nuestras enfermeras."),
    (
        "Sara Luna",
        "empleo",
        "Sara, tenemos vacantes para enfermeras; vea nuestra página de empleos.",
    ),
    ("Iván Rey", "feria", "Iván, la próxima feria de salud gratuita es el 5 de octubre."),
    ("Marta Paz", "donar", "Marta, su donativo ayudará a comprar sillas para la sala de espera."),
    ("Tere Vela", "wifi", "Tere, el wifi de la sala de espera ya funciona."),
    ("Beto Sanz", "disculpa", "Beto, lamentamos mucho la demora en el teléfono."),
    ("Lupe Ríos", "voluntaria", "Lupe, el programa de voluntarios se reúne cada lunes."),
    ("Nico Vidal", "precio", "Nico, la limpieza dental cuesta $80 este mes."),
    # near misses found while writing the rule
    ("Ana Ruiz", "ok", "Thanks, Ana! You made our nurses smile with that post."),
    ("Ana Ruiz", "ok", "Ana, you're right that the ICU waiting area needs more chairs."),
    ("Ana Ruiz", "ok", "Ana, we've shared your concerns with the unit manager."),
    ("Ben Lo", "where", "Ben, you'll find the infusion center on level 2."),
    ("Ben Lo", "where", "Ben, the dialysis unit is on the second floor, next to the cafe."),
    ("Ben Lo", "wait", "Sorry you waited, Ben; our triage nurses see the sickest patients first."),
    # handles
    ("@sunny_lou", "coffee", "@sunny_lou thanks! The lobby coffee cart stays open until 7."),
    ("@bikerdad_tom", "race", "Tom, see you at next year's race!"),
]


@pytest.mark.parametrize(("author", "mention", "reply", "kinds"), BLOCK)
def test_care_default_blocks(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> None:
    assert_blocks(phi_screen, author, mention, reply, kinds)


@pytest.mark.parametrize(("author", "mention", "reply"), PASS)
def test_care_default_passes(phi_screen: PhiScreen, author: str, mention: str, reply: str) -> None:
    result = run(phi_screen, reply, author, mention)
    assert result.verdict == "pass", (reply, [(f.kind, f.text) for f in result.findings])


def test_enough_examples() -> None:
    assert len(BLOCK) >= 60
    assert len(PASS) >= 60


def test_finding_spans_stay_on_trigger_words(phi_screen: PhiScreen) -> None:
    reply = "Lila, Room 412 will be ready for you by noon."
    result = run(phi_screen, reply, "Lila Moss", "ok")
    texts = {f.text for f in result.findings if f.kind == "identifier"}
    assert "Room 412" in texts
    reply = "Nia, we tried (555) 201-3344 twice yesterday."
    result = run(phi_screen, reply, "Nia Shaw", "ok")
    assert "(555) 201-3344" in {f.text for f in result.findings if f.kind == "identifier"}
