"""Care implied without clinical words (implied.py): well-being and recovery wishes
about the addressed person or their relative, milestones and idioms of care, aftercare
instructions, recurring or next visits in plain words, a team helping the person — each
must block; generic sympathy, thanks, non-care topics, events, prices, policies, contact
invitations, jobs, volunteering, donations and Spanish spokesperson titles must pass.

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

# (author, mention, reply, kinds that must be among the findings)
BLOCK: list[tuple[str, str, str, set[str]]] = [
    # 1. well-being, recovery and comfort wishes
    ("Hugo Lind", "thanks", "Hugo, we're so glad you're feeling more like yourself.", {C}),
    ("", "gracias", "Nos alegra mucho que se sienta mejor.", {C}),
    ("Rosa Vidal", "gracias", "Rosa, nos alegra que ya se sienta mejor.", {C}),
    ("", "thanks", "We hope your mom is resting comfortably now.", {C, F}),
    ("Kay Moor", "thanks", "We hope you and the little one are settling in at home.", {C}),
    ("Ben Ruiz", "tired", "Ben, those first nights are tough. Hang in there.", {C}),
    ("", "thanks", "Your dad was so loved by everyone on our team.", {C, F}),
    ("Lena Fox", "thanks", "Lena, so glad you can climb the stairs again!", {C}),
    ("", "thanks", "So happy you're able to drive again.", {C}),
    ("Al Reyes", "thanks", "Al, we hope you're recovering well at home.", {C}),
    ("", "thanks", "Wishing your husband a smooth recovery.", {C, F}),
    ("Meg Toll", "thanks", "Meg, glad to hear you're back to your old self.", {C}),
    ("", "thanks", "It was wonderful to see you up and about.", {C}),
    ("", "gracias", "Esperamos que su mamá esté descansando tranquila.", {C, F}),
    ("Lupe Mora", "gracias", "Lupe, nos da gusto que ya pueda caminar otra vez.", {C}),
    ("", "gracias", "Qué alegría que su hijo ya se sienta mejor.", {C, F}),
    ("", "gracias", "Esperamos que se esté recuperando bien en casa.", {C}),
    ("Ana Paz", "thanks", "Ana, we hope your grandmother is feeling stronger every day.", {C, F}),
    ("", "thanks", "Glad you're finally sleeping through the night again.", {C}),
    ("", "gracias", "Su papá fue muy querido por todo nuestro equipo.", {C, F}),
    # 2. milestones and idioms of care
    ("Tess Vail", "done!", "Tess, we can't wait to see you ring the bell!", {C, CD}),
    ("", "done!", "Congratulations on ringing the bell today!", {C, CD}),
    ("Jo Penn", "thanks", "Jo, it's an honor walking alongside you through this journey.", {C}),
    ("", "thanks", "Give your little one a hug from all of us.", {C, F}),
    ("Ivy Shaw", "thanks", "Ivy, your little one was such a champ.", {C, F}),
    ("Nora Keel", "love them", "Nora, they turned out beautifully!", {C}),
    ("", "gracias", "Estamos orgullosos de su progreso.", {C}),
    ("", "gracias", "Fue un honor acompañarle en este camino.", {C}),
    ("Dee Hart", "thanks", "Dee, we're so proud of how far you've come.", {C}),
    ("", "gracias", "Felicidades por tocar la campana.", {C, CD}),
    ("Sam Orr", "brows", "Sam, your brows came out gorgeous!", {C}),
    # 3. aftercare instructions
    ("Kim Lo", "ok", "Kim, remember, no workouts for 24 hours after.", {C, CD}),
    ("", "ok", "Take it easy on that knee for a few weeks.", {C, CD}),
    ("Raj Das", "ok", "Raj, keep it dry for the next two days.", {C, CD}),
    ("", "ok", "Rest your voice as much as you can this week.", {C, CD}),
    ("", "ok", "Recuerde evitar el sol durante una semana.", {C, CD}),
    ("Eli Wu", "ok", "Eli, remember no heavy lifting for two weeks.", {C, CD}),
    ("", "ok", "Avoid hot showers for 48 hours.", {C, CD}),
    ("", "ok", "No swimming until it's fully healed.", {C, CD}),
    ("Mar Gil", "ok", "Mar, evite el ejercicio por 24 horas.", {C, CD}),
    ("", "ok", "Keep that arm elevated tonight and you'll be fine.", {C, CD}),
    # 4. recurring or next visits
    ("Pat Ng", "thanks", "Pat, see you at the next check-in!", {C, AH}),
    ("", "gracias", "Aquí estaremos cada martes.", {C, AH}),
    (
        "Zoe Hill",
        "thanks",
        "We'll have everything ready for the second round in three weeks.",
        {C, AH},
    ),
    ("", "gracias", "Esperamos verlos en su próximo control.", {C, AH}),
    ("Carmen Ríos", "gracias", "Carmen, ¡qué gusto verla de nuevo!", {C, AH}),
    ("", "thanks", "See you next Thursday, same time as always.", {C, AH}),
    ("Lou Barr", "thanks", "Lou, we'll see you for round three.", {C, AH}),
    ("", "thanks", "Looking forward to your next visit in six weeks.", {C, AH}),
    ("", "gracias", "Nos vemos en su siguiente consulta.", {C, AH}),
    # 5. a team helping the person or relative
    ("Wes Kane", "thanks", "Wes, our crew was glad to help.", {C}),
    ("", "thanks", "Our team was happy to care for your father.", {C, F}),
    ("Gil Poe", "thanks", "Gil, our team was so happy to help you.", {C}),
    ("", "gracias", "Nuestro equipo estuvo feliz de ayudar a su mamá.", {C, F}),
    ("Isa Cruz", "gracias", "Isa, fue un gusto para nuestro equipo ayudarle.", {C}),
    ("Kai Moe", "veneers", "Kai, your smile turned out beautifully!", {C}),
    ("Lu Fa", "thanks", "Lu, glad your son can play soccer again!", {C, F}),
    ("", "thanks", "Hope your wife is feeling better today.", {C, F}),
]

# (author, mention, reply)
PASS: list[tuple[str, str, str]] = [
    # generic sympathy and thanks with the reviewer's name
    ("Hugo Lind", "parking", "Hugo, we're sorry you had a frustrating experience with parking."),
    ("Rosa Vidal", "bad day", "Rosa, we hope your day gets better."),
    ("", "thanks", "Thank you so much for the kind words!"),
    ("Kay Moor", "thanks", "Kay, thanks for taking the time to share this."),
    ("Ben Ruiz", "angry", "Ben, we're sorry to hear this and want to make it right."),
    ("", "gracias", "¡Muchas gracias por sus amables palabras!"),
    ("Lupe Mora", "gracias", "Lupe, gracias por tomarse el tiempo de escribirnos."),
    ("Ana Paz", "thanks", "Ana, we appreciate you and hope you have a wonderful week."),
    ("", "thanks", "We hope you have a great holiday season!"),
    ("Meg Toll", "thanks", "Meg, so glad you enjoyed the new café menu!"),
    # non-care topics
    ("Al Reyes", "parking", "Al, the new parking deck opens next month."),
    ("", "wifi", "Sorry the wifi was slow; we've upgraded it since."),
    ("Lena Fox", "food", "Lena, we're glad you liked the soup in the cafeteria!"),
    ("", "comida", "Nos alegra que le haya gustado el café de la cafetería."),
    ("Tess Vail", "website", "Tess, our website is back up and running."),
    # events, prices, policies, contact invitations
    ("Jo Penn", "event", "Jo, see you at the 5K fun run next Saturday!"),
    ("", "event", "Join us for the health fair on May 3rd; it's free and open to all."),
    ("Ivy Shaw", "price", "Ivy, teeth whitening is $199 this month."),
    ("", "precio", "La consulta inicial es gratis durante octubre."),
    ("Nora Keel", "privacy", "Nora, privacy law keeps us from discussing anyone's care here."),
    ("", "privacidad", "Por ley, no podemos confirmar si alguien es paciente."),
    ("Dee Hart", "angry", "Dee, please call our patient relations team at 555-201-0000."),
    ("", "queja", "Por favor llámenos al 555-201-0000 para hablar con nosotros."),
    ("Sam Orr", "upset", "Sam, we'd love to hear more; please email feedback@clinic.org."),
    # jobs, volunteers, donors
    ("Kim Lo", "job", "Kim, we're glad you applied! Our recruiter will be in touch."),
    ("", "volunteer", "Thank you for volunteering with our team every Tuesday!"),
    ("Raj Das", "donation", "Raj, your donation helps our team care for the community."),
    ("", "empleo", "Gracias por su interés en trabajar con nosotros."),
    ("Eli Wu", "volunteer", "Eli, we'll see you at the next volunteer orientation."),
    # Spanish spokesperson titles and schedules
    ("Mar Gil", "queja", "Mar, nuestra vocera, Ana Beltrán, puede atender sus preguntas."),
    ("", "queja", "Nuestro portavoz, Luis Ortega, responderá a los medios esta tarde."),
    ("Pat Ng", "queja", "Pat, nuestro vocero Diego Salas dará más detalles mañana."),
    (
        "",
        "queja",
        "Nuestra directora de experiencia del paciente, Elena Duarte, le llamará si lo desea.",
    ),
    ("Zoe Hill", "queja", "La gerente de relaciones con pacientes, Marta Solís, está disponible."),
    ("", "horario", "La farmacia abre de lunes a sábado de 8 a 8."),
    ("Carmen Ríos", "horario", "Carmen, la farmacia abre de lunes a sábado."),
    ("", "hours", "Our pharmacy is open every Tuesday until 9 pm."),
    # near misses of the new rules
    ("Lou Barr", "thanks", "Lou, glad the new signs made it easier to find us again."),
    ("", "thanks", "We hope your team wins the tournament again!"),
    ("Wes Kane", "thanks", "Wes, our crew was glad to help with the parking mix-up."),
    ("Gil Poe", "hours", "Gil, remember, the lobby is closed for 24 hours during the move."),
    ("", "thanks", "We're so proud of our team for winning the award."),
    ("Isa Cruz", "gracias", "Isa, esperamos verla en la feria de salud del sábado."),
    ("Ana Paz", "desk", "Ana, we hope you're feeling better about your experience with our desk."),
    ("Jo Reyes", "question", "Jo, most patients feel better within a few days."),
    ("", "thanks", "Thanks for the review! See you next time."),
    ("Kai Moe", "photos", "Kai, your photos turned out beautifully in the newsletter!"),
    ("", "news", "Congrats to our team for ringing the bell at the stock exchange!"),
    ("", "thanks", "We hope you enjoy the rest of your summer and feel more rested."),
    ("Rob Li", "form", "Rob, our front desk team was glad to help you with the form."),
    ("Tina Ro", "board", "Tina, we'll see you at the next board meeting."),
    ("Dan Oz", "music", "Dan, thanks! We're glad you enjoyed the new waiting room music."),
    ("", "museo", "Nos alegra que su visita al museo de la salud le haya gustado."),
]


@pytest.mark.parametrize(("author", "mention", "reply", "kinds"), BLOCK)
def test_implied_care_blocks(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> None:
    assert_blocks(phi_screen, author, mention, reply, kinds)


@pytest.mark.parametrize(("author", "mention", "reply"), PASS)
def test_implied_care_passes(phi_screen: PhiScreen, author: str, mention: str, reply: str) -> None:
    result = run(phi_screen, reply, author, mention)
    assert result.verdict == "pass", (reply, [(f.kind, f.text) for f in result.findings])


def test_enough_examples() -> None:
    assert len(BLOCK) >= 50
    assert len(PASS) >= 40
