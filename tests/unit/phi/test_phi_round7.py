"""Round 7: homecoming and welcome-back wishes, births and children met at the practice,
aftercare and preparation in casual words, recurring refill logistics, milestones
repeated back, and billing or appointments of this person in our system must block;
thanks to foundations for a facility, answers to neighbours about crews and vehicles,
and a clinician's availability must pass.

Every example is written for these tests (English and Spanish), not taken from any
evaluation set.
"""

from __future__ import annotations

import pytest

from tests.unit.phi.conftest import assert_blocks, run
from workflows.phi.types import PhiScreen

C = "confirms_patient"

# (author, mention, reply) — must pass
PASS: list[tuple[str, str, str]] = [
    # 7. thanks to foundations and donors for a facility
    (
        "",
        "new wing",
        "We're grateful to the Hendricks Family Foundation for helping make the new NICU wing possible.",
    ),
    (
        "Greg Hill",
        "Who paid for the new wing?",
        "Thank you for asking! We're deeply grateful to the Hendricks Family Foundation for helping make the new NICU wing possible.",
    ),
    (
        "Greg Hill",
        "new wing looks great",
        "Thanks, Greg! The new NICU wing was made possible by the Hendricks Family Foundation, and our neonatal team loves it.",
    ),
    (
        "Lori Fay",
        "beautiful building",
        "We're grateful to the Alvarez family and the Hope Cancer Fund for the new oncology infusion suite.",
    ),
    (
        "Lori Fay",
        "beautiful building",
        "Thank you, Lori! The Martin Family Foundation funded our pediatric ICU expansion, and the whole family came to the ribbon cutting.",
    ),
    (
        "",
        "¿quién pagó?",
        "Agradecemos a la Fundación Familia Ortega por hacer posible la nueva sala de maternidad.",
    ),
    (
        "",
        "qué bonito",
        "Gracias a la familia Ruiz y a su fundación, nuestra nueva unidad de diálisis abrió este mes.",
    ),
    (
        "Rae Diaz",
        "New NICU?",
        "The Hendricks Family Foundation gave $2 million to help make our new NICU wing possible, and we're so grateful.",
    ),
    (
        "Sal Ortiz",
        "lovely event",
        "We're thankful to the Rivera family for their generous gift to the new cancer center wing.",
    ),
    (
        "Nia Cole",
        "the garden is lovely",
        "Thanks, Nia! The healing garden outside the stroke unit was made possible by the Okafor Family Fund.",
    ),
    # 8. neighbours and operations: crews, vehicles, noise
    (
        "Neighbor Ann",
        "sirens all night",
        "Ambulance crews must use sirens on public roads, but we've asked our EMS partners to cut them near the residential blocks.",
    ),
    (
        "Pat Neal",
        "sirens all night",
        "Pat, ambulance crews must use sirens on public roads, but we've asked our EMS partners to cut them near the residential blocks.",
    ),
    (
        "Pat Neal",
        "helicopter noise",
        "Thanks for letting us know, Pat. The medical helicopter has to land on the roof for trauma transfers, but we've asked the flight crew to use the northern approach.",
    ),
    (
        "Joan Ito",
        "ambulances block my driveway",
        "Joan, we're sorry! We've reminded our ambulance partners and EMS crews not to park on Elm Street while they wait to unload patients.",
    ),
    (
        "",
        "parking lot lights",
        "Our security team dims the ER parking lot lights after midnight, and we've asked the ambulance crews to turn off their engines while they wait.",
    ),
    (
        "Carmen Gil",
        "sirenas",
        "Carmen, las ambulancias deben usar la sirena en vías públicas, pero pedimos a nuestros socios de emergencias que la apaguen cerca de las casas.",
    ),
    (
        "Mike Ross",
        "delivery trucks",
        "Mike, our pharmacy delivery vans now use the back entrance, and the EMS crews have agreed to stage on Oak Avenue instead of your street.",
    ),
    (
        "Lena Park",
        "idling ambulances",
        "Lena, thanks for flagging this. Our paramedics and ambulance drivers will no longer idle their engines outside the neighbours' homes.",
    ),
    (
        "Hugo Ruiz",
        "ruido de ambulancias",
        "Hugo, gracias por avisarnos: pedimos a los paramédicos que no usen la sirena en las calles residenciales de noche.",
    ),
    (
        "Dee Wong",
        "trucks at 5am",
        "Dee, our supply trucks and ambulance fleet now use the Main Street gate so the residential side stays quiet.",
    ),
    # 9. a clinician's availability
    (
        "Tom Ray",
        "Is Dr. Feld taking patients?",
        "Dr. Feld is currently accepting new patients. You can request an appointment at 555-201-3344.",
    ),
    (
        "Tom Ray",
        "Is Dr. Feld taking new patients?",
        "Hi Tom! Dr. Feld is currently accepting new patients. You can request an appointment at 555-201-3344.",
    ),
    (
        "Tom Ray",
        "Is Dr. Feld taking new patients?",
        "Tom, yes — Dr. Feld is accepting new patients and sees adults with diabetes and thyroid conditions. Call us at 555-201-3344 to book.",
    ),
    (
        "Ana Sol",
        "¿La Dra. Pérez acepta pacientes nuevos?",
        "¡Hola Ana! Sí, la Dra. Pérez está aceptando pacientes nuevos. Puede pedir una cita al 555-201-3344.",
    ),
    (
        "Bo Lin",
        "does Dr. Shah see kids?",
        "Dr. Shah sees patients from age 12 and up, and she is accepting new patients this fall. You can book online.",
    ),
    (
        "Bo Lin",
        "any openings with the dermatologist?",
        "Dr. Kim has openings next week for new patients. You can request an appointment at 555-300-1000.",
    ),
    (
        "Ivy Chen",
        "Is NP Lee still there?",
        "Yes, Ivy! NP Lee is still with us and is currently accepting new patients. You can request an appointment online.",
    ),
    (
        "Raj Das",
        "Is Dr. Moss taking patients?",
        "Raj, Dr. Moss is taking new patients with heart failure and arrhythmias at our Elm Street office.",
    ),
    (
        "",
        "¿El Dr. Gil recibe pacientes?",
        "Sí, el Dr. Gil sigue recibiendo pacientes nuevos con diabetes. Llame al 555-100-2000.",
    ),
    # not a patient event: round-7 words outside care
    (
        "Kai Long",
        "great seminar",
        "Welcome back to our blog, Kai! Our next seminar is on nutrition for seniors.",
    ),
    ("", "loved the fundraiser", "We missed you at the gala, but the 5K fun run is next month!"),
]

# (author, mention, reply, kinds) — must block
BLOCK: list[tuple[str, str, str, set[str]]] = [
    # 1. welcome back and homecoming
    ("Jenna Holt", "thanks!", "We've missed you these past few months — welcome back!", {C}),
    ("Jenna Holt", "thanks!", "Happy first week home!", {C}),
    (
        "Mark Lee",
        "great staff",
        "We hope recovery at home is going smoothly and the stairs are getting easier.",
        {C},
    ),
    (
        "Ruth Ames",
        "thank you",
        "The nurses were so happy to see you looking strong after everything.",
        {C},
    ),
    ("", "gracias", "¡Bienvenida de nuevo! La hemos extrañado estos meses.", {C}),
    ("", "gracias", "Esperamos que su primera semana en casa vaya muy bien.", {C}),
    (
        "Ola Berg",
        "nice nurses",
        "Ola, it was so good to see you walking around after everything you've been through.",
        {C},
    ),
    ("", "gracias a todos", "Después de todo lo que ha pasado, nos alegra verla tan bien.", {C}),
    # 2. births and children
    (
        "Dana Wu",
        "thanks",
        "Congratulations to your growing family! The whole team loved meeting your little one.",
        {C},
    ),
    (
        "Kim Ortiz",
        "love this place",
        "We love seeing you too, and your kids! Tell Mia and Jacob we said hi.",
        {C},
    ),
    (
        "",
        "gracias",
        "¡Felicidades por la llegada de su bebé! Todo el equipo le manda cariños.",
        {C},
    ),
    ("Lia Fox", "best OB", "Congrats on the new arrival, Lia!", {C}),
    ("", "thanks", "Say hi to Noah and Ella for us!", {C}),
    # 3. aftercare and preparation, casual
    ("Sam Cole", "thanks", "Nothing too crunchy for a couple more days.", {C}),
    ("Leo Park", "great PT", "Ice after practice and don't skip the band work.", {C}),
    ("Ana Cruz", "thanks", "No need to fast for this one, unlike last time.", {C}),
    ("Ben Fox", "ER was fast", "Glad we could get you stitched up and home by 11 p.m.", {C}),
    ("", "gracias", "Nada muy duro por unos días más, y no deje de hacer sus ejercicios.", {C}),
    ("", "gracias", "Esta vez no necesita venir en ayunas.", {C}),
    ("Gus Hale", "urgent care", "Gus, we're glad we could patch you up so quickly!", {C}),
    # 4. recurring pharmacy logistics
    ("Tia Moss", "pharmacy", "Your usual will be ready Friday as always.", {C}),
    ("Rosa Vega", "farmacia", "Ya le tenemos listo su pedido de este mes.", {C}),
    ("Joe Hart", "thanks", "We hope the new dosing schedule is working better for you.", {C}),
    ("", "gracias", "Esperamos que la nueva dosis le esté funcionando mejor.", {C}),
    ("Ed Marsh", "great pharmacy", "Thanks, Ed! Your monthly refill is ready for pickup.", {C}),
    # 5. milestones
    ("Luz Mora", "gracias", "¡Un año! Qué orgullo… aquí seguimos para lo que necesites.", {C}),
    ("Amy Roe", "thanks", "One year cancer-free — we're so proud of you!", {C}),
    ("", "thank you", "Six months! We're so proud of you.", {C}),
    ("", "gracias", "¡Dos años sin beber! Aquí estamos siempre.", {C}),
    ("Vic Lane", "thanks team", "Happy sobriety anniversary, Vic!", {C}),
    # 6. billing and appointments in our system
    ("Nick Dunn", "billing", "Your account is already on our 12-month plan.", {C}),
    ("Eva Ruiz", "citas", "En nuestro sistema aparecen dos citas suyas canceladas.", {C}),
    (
        "Ray Cho",
        "billing mess",
        "Ray, our system shows two cancelled appointments on your side.",
        {C},
    ),
    ("", "cobros", "Usted ya está en nuestro plan de pagos de seis meses.", {C}),
    # the round-7 pass rules do not hide a patient
    (
        "Maria Lopez",
        "thanks",
        "The EMS crew brought Maria in off the street after her fall and our ER stabilised her.",
        {C},
    ),
    (
        "Tom Ray",
        "thanks",
        "Our ambulance crew was glad to drive you home after your surgery, Tom.",
        {C},
    ),
    (
        "",
        "thanks",
        "Dr. Feld is accepting new patients, and he's glad your son's asthma is under control.",
        {C},
    ),
]


@pytest.mark.parametrize(("author", "mention", "reply"), PASS)
def test_round7_passes(phi_screen: PhiScreen, author: str, mention: str, reply: str) -> None:
    result = run(phi_screen, reply, author, mention)
    assert result.verdict == "pass", (reply, [(f.kind, f.text) for f in result.findings])


@pytest.mark.parametrize(("author", "mention", "reply", "kinds"), BLOCK)
def test_round7_blocks(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> None:
    assert_blocks(phi_screen, author, mention, reply, kinds)


def test_enough_examples() -> None:
    assert len(PASS) >= 30
    assert len(BLOCK) >= 30
