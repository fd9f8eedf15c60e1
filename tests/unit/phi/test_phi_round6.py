"""Round 6: general service descriptions, donor/volunteer/sponsor thanks and facilities
named after a disease must pass; preparation and follow-up instructions, staff or groups
remembering the person, and logistics that reveal ongoing care must block.

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
    # A. general descriptions of services, no addressee
    (
        "Maya Ortiz",
        "Do you have frames for kids?",
        "Yes! Brightview Eye Care's optical shop carries over 200 kids' frames, all with a one-year warranty.",
    ),
    (
        "@lena_ruiz",
        "Do you serve Oceanside?",
        "Harbor Family Clinic serves all of north county. Call 555-201-3344 to ask about a referral.",
    ),
    (
        "Tom Weller",
        "Are you taking new patients?",
        "Lakeside Dental is accepting new patients, takes most PPO plans, and offers a $99 new-patient exam special. We'd love to meet you!",
    ),
    (
        "Ava Brooks",
        "Do you see children?",
        "Yes, our pediatric team sees children from birth to 18, and same-day sick visits are available.",
    ),
    (
        "@sunnyhikes",
        "do you take Aetna?",
        "We accept most major plans, including Aetna, Cigna and Blue Shield. We'd love to meet you!",
    ),
    (
        "Priya Nair",
        "Do you need a referral?",
        "No referral is needed for physical therapy at Northgate Rehab; just call 555-777-1200 to book.",
    ),
    (
        "Jon Park",
        "Do you do braces for adults?",
        "Absolutely! Smile Studio offers clear aligners and braces for teens and adults, with free consultations.",
    ),
    (
        "Carla Diaz",
        "¿Atienden niños?",
        "¡Sí! Clínica Sol atiende a niños y adultos, y aceptamos la mayoría de los seguros. ¡Nos encantaría conocerle!",
    ),
    (
        "Luis Mena",
        "¿Aceptan pacientes nuevos?",
        "Clínica Dental Norte está aceptando pacientes nuevos y tiene una promoción de limpieza por $49.",
    ),
    (
        "@kidsmom22",
        "Do you have a play area for kids?",
        "Yes! Our waiting room has a children's play corner and our hygienists love working with kids.",
    ),
    (
        "Rita Gomez",
        "Do you offer walk-ins?",
        "Walk-ins are welcome Monday to Friday, 8 to 5, at our Main Street urgent care. We'd love to meet you!",
    ),
    (
        "Dan Cole",
        "Do you carry hearing aids?",
        "Yes, Clearsound carries hearing aids from five brands, and hearing tests for new patients are free.",
    ),
    (
        "Mia Chen",
        "Do you have evening hours?",
        "We do! Evening appointments are available Tuesday and Thursday until 8 pm, and most plans are accepted.",
    ),
    (
        "Greg Hale",
        "Do you take Medicare?",
        "Riverbend Cardiology accepts Medicare and most supplemental plans. New patients can request an appointment online.",
    ),
    (
        "Olivia Stone",
        "Do you do eye exams for kids?",
        "Yes! Kids' eye exams are covered by most vision plans, and every child gets to pick a sticker.",
    ),
    (
        "@runnerjoe",
        "Do you treat sports injuries?",
        "Yes, Peak Physio treats sports injuries for athletes of all ages; a referral is not required.",
    ),
    (
        "Nina Ross",
        "Do you have Spanish-speaking staff?",
        "Yes, several of our doctors and front-desk staff speak Spanish, and interpreters are available for other languages.",
    ),
    (
        "Ben Ortiz",
        "¿Tienen servicio de ópticas para niños?",
        "¡Sí! Nuestra óptica tiene más de 200 armazones para niños, todos con garantía de un año.",
    ),
    (
        "Eva Torres",
        "¿Necesito referencia?",
        "Centro Médico Valle atiende todo el condado; llame al 555-300-1000 para preguntar por una referencia.",
    ),
    (
        "Sara Lind",
        "Is there parking?",
        "Yes! Oakridge Pediatrics has free parking behind the building, and new patients are always welcome.",
    ),
    (
        "Kai Moreno",
        "Do you offer payment plans?",
        "We do! Bright Smiles offers interest-free payment plans and takes most PPO plans.",
    ),
    (
        "Hana Ito",
        "Do you do telehealth?",
        "Yes, Cedar Health offers video visits for new and returning patients in all of our specialties.",
    ),
    # organisation or product names are not the reviewer's name
    (
        "Brightview Optical",
        "Do you have kids frames?",
        "Brightview's optical shop carries kids' frames from six brands.",
    ),
    (
        "Sunrise Wellness",
        "hours?",
        "Sunrise Pharmacy is open until 9 pm and takes most prescription plans.",
    ),
    (
        "Grace Health Fan",
        "Do you take new patients?",
        "Grace Medical Group is accepting new patients at all three locations.",
    ),
    (
        "Jordan Valley",
        "Do you have a pediatric dentist?",
        "Jordan Dental has two pediatric dentists and a kids' play area.",
    ),
    (
        "Victoria Hall",
        "do you take kids?",
        "Victoria Clinic sees children from six months up, and most plans are accepted.",
    ),
    # B. donors, volunteers, sponsors, community partners
    (
        "Eduardo Ruiz",
        "Orgulloso de apoyar",
        "¡Muchas gracias, Eduardo, por su generosa donación! Su apoyo hace posible el nuevo centro comunitario de cáncer.",
    ),
    (
        "Linda Park",
        "Happy to give",
        "Thank you, Linda, for your generous gift! Your support makes the new cancer center possible.",
    ),
    (
        "Rob Hayes",
        "Proud sponsor",
        "Rob, thank you for sponsoring our 5K! Your support helps fund free screenings at the heart institute.",
    ),
    (
        "Amy Tran",
        "Loved volunteering",
        "Amy, thank you for volunteering at the cancer center's family day. You made so many people smile!",
    ),
    (
        "@greenfield_bank",
        "Proud partner",
        "Thank you to Greenfield Bank for being a community partner of our diabetes education program!",
    ),
    (
        "Carmen Vega",
        "Fue un placer ayudar",
        "¡Gracias, Carmen, por ser voluntaria en nuestro centro de cáncer! Su tiempo es un regalo para la comunidad.",
    ),
    (
        "Joe Lin",
        "Donated today",
        "Joe, your donation to the children's hospital foundation will help buy new toys for the playroom. Thank you!",
    ),
    (
        "Sofia Reyes",
        "Proud to support",
        "Gracias, Sofía, por patrocinar la carrera a beneficio del instituto del corazón.",
    ),
    (
        "Mark Ellis",
        "We gave blood today!",
        "Thank you, Mark, and everyone at Ellis Hardware for hosting our blood drive. Your support saves lives.",
    ),
    (
        "Tina Ford",
        "Happy to help",
        "Tina, thank you for your gift to the heart institute. Supporters like you make our new cardiac wing possible.",
    ),
    (
        "Paul Reed",
        "our company donated",
        "Thank you, Paul, and the whole Reed Construction team for sponsoring the new cancer center garden.",
    ),
    (
        "Lucia Mar",
        "¡Felices de colaborar!",
        "Muchas gracias, Lucía, por su donativo al hospital infantil. Su generosidad hace posible la nueva sala de juegos.",
    ),
    (
        "Ken Adams",
        "Volunteered Saturday",
        "Ken, our volunteers had a blast with you at the cancer center bake sale. Thanks for pitching in!",
    ),
    (
        "Rosa Blanco",
        "Gracias",
        "Rosa, gracias por su apoyo como socia comunitaria de nuestro programa de prevención de diabetes.",
    ),
    (
        "Nate Cruz",
        "Proud donor",
        "Nate, your generous donation helped open the new cancer center. We are so grateful for your support!",
    ),
    (
        "Grace Lee",
        "Ran the 5K",
        "Thanks for running with us, Grace! Every dollar raised supports the heart institute's research fund.",
    ),
    # near misses of the round-6 block rules
    ("Kim Reyes", "Great place!", "Our whole team says hello and thanks you for the kind review!"),
    ("Lee Wong", "Fun fair!", "Dr. Lee says hi to everyone who stopped by the health fair booth!"),
    ("", "hours?", "Since you asked, our clinic is open every Tuesday evening until 8."),
    (
        "",
        "new wing?",
        "The nurses assigned to the new wing start Monday, and tours are open to the public.",
    ),
    (
        "Omar Said",
        "Do you have a new location?",
        "Yes! Our new location opens in June, and we'd love to meet you there.",
    ),
    (
        "Tess Gray",
        "Do you sell braces?",
        "Yes, our pharmacy carries knee braces, wrist splints and compression socks in all sizes.",
    ),
    (
        "@valleybank",
        "Proud sponsor",
        "Thanks to our sponsors at Valley Bank for supporting the heart walk!",
    ),
    (
        "",
        "¡Qué bonito evento!",
        "Gracias a todos los voluntarios que apoyaron la caminata contra el cáncer de mama.",
    ),
    (
        "Maria Ruiz",
        "Walked today",
        "Thank you, Maria, for organizing the breast cancer awareness walk this weekend!",
    ),
    (
        "Pam Boyd",
        "do you see kids?",
        "We'd love to meet you! Our pediatric dentists see kids from age one, and most plans are accepted.",
    ),
    (
        "",
        "Do I need to fast?",
        "For most cholesterol panels, fasting for 9 to 12 hours is recommended; your doctor's office can confirm.",
    ),
    (
        "Will Grant",
        "Great staff",
        "Will, thank you! Our team truly loves what they do, and we'll pass your note along.",
    ),
    (
        "Rosa Lim",
        "¿Tienen farmacia?",
        "¡Sí! Farmacia Central está en la planta baja y acepta la mayoría de los planes.",
    ),
    (
        "Sunny Day",
        "Do you have weekend hours?",
        "Sunny Vale Clinic is open Saturdays from 9 to 1 for new and returning patients.",
    ),
    # more service descriptions and donor thanks
    (
        "Jess Mora",
        "Do you do kids' glasses?",
        "Yes! Clearview Optometry's optical shop has a huge selection of children's frames and lenses, plus a two-year breakage warranty. We'd love to meet you!",
    ),
    (
        "@hikerdad",
        "do you serve Vista?",
        "Coastal Health serves all of north county, including Vista and San Marcos. Call 760-555-0199 to ask about a referral or to book.",
    ),
    (
        "Anna Webb",
        "New patients?",
        "Yes! We're accepting new patients, take most PPO plans, and offer a $99 new-patient exam, cleaning and X-rays special. We'd love to meet you!",
    ),
    (
        "Leo Grant",
        "Do you take kids?",
        "We do! Our pediatric office sees newborns through teens, and our nurses are great with nervous kids.",
    ),
    (
        "Mara Singh",
        "Do you offer sedation?",
        "Yes, we offer nitrous oxide and oral sedation for anxious patients. Call 555-123-9876 to ask about a consultation.",
    ),
    (
        "@maria_g",
        "¿Tienen pediatra?",
        "¡Sí! Contamos con dos pediatras y atendemos a niños desde recién nacidos. Aceptamos la mayoría de los seguros.",
    ),
    (
        "Hugo Diaz",
        "¿Aceptan Medicaid?",
        "Sí, Clínica del Valle acepta Medicaid y la mayoría de los planes PPO. ¡Nos encantaría conocerle!",
    ),
    (
        "Noor Ali",
        "Do you do physicals?",
        "Yes! Sports physicals are $35 this summer, no appointment needed. Bring your form and we'll fill it out on the spot.",
    ),
    (
        "Ella Fox",
        "Is there a pediatric ER?",
        "Yes, Mercy General has a dedicated pediatric emergency department open 24/7, staffed by children's specialists.",
    ),
    (
        "Rick Vance",
        "Do you do vasectomies?",
        "Yes, our urology team performs no-scalpel vasectomies; a referral is not required for most plans. Call 555-300-4400 to learn more.",
    ),
    (
        "Cara Bloom",
        "Do you take walk-ins for flu shots?",
        "Yes! Flu shots are walk-in at every pharmacy location and covered by most plans.",
    ),
    (
        "June Park",
        "Donated!",
        "June, thank you for your generous gift to the Heart Institute. Your support funds research and care for our community.",
    ),
    (
        "Abel Ortiz",
        "¡Qué orgullo!",
        "Abel, gracias por su donación al Instituto del Corazón. Su generosidad ayuda a muchas familias.",
    ),
    (
        "Ruth Kane",
        "Volunteering was fun",
        "Ruth, thank you for volunteering in our cancer center's gift shop every Friday! Our patients love your smile.",
    ),
    (
        "Greenway Foods",
        "Proud partner",
        "Thank you, Greenway Foods, for being a community partner and sponsoring our free diabetes screening day!",
    ),
    (
        "Lily Chen",
        "Happy to support",
        "Lily, your donation helped us buy new chemotherapy chairs for the infusion center. Thank you for your support!",
    ),
    (
        "Marco Ruiz",
        "Gran evento",
        "¡Gracias, Marco, por patrocinar la carrera contra el cáncer infantil! Su apoyo hace la diferencia.",
    ),
    (
        "Dana Cole",
        "We sponsored!",
        "Dana, our volunteers and staff are so grateful for your company's sponsorship of the children's hospital gala.",
    ),
    # organisation names from handles, open invitations, support groups
    (
        "@brightview_fan",
        "frames for kids?",
        "Yes! Brightview carries over 200 kids' frames, all with a one-year warranty.",
    ),
    (
        "@lakeside_lisa",
        "new patients?",
        "Lakeside is accepting new patients, takes most PPO plans, and offers a $99 new-patient exam special. We'd love to meet you!",
    ),
    (
        "Sol Rivera",
        "¿Atienden niños?",
        "¡Sí! Sol de Vida atiende a niños y adultos, y aceptamos la mayoría de los seguros.",
    ),
    (
        "Faith Hope",
        "Do you do free screenings?",
        "We do! Free blood pressure screenings every Saturday; we hope you'll stop by.",
    ),
    (
        "Jade Moon",
        "Thanks for the tour",
        "Jade, thanks for touring our new cancer center with the Rotary Club. We hope you'll visit again!",
    ),
    (
        "",
        "Do you have a support group?",
        "Yes! Our grief support group meets every Tuesday at 6 pm in the library, and everyone is welcome.",
    ),
    (
        "Luz Peña",
        "¿Tienen grupo de apoyo?",
        "¡Sí! Nuestro grupo de apoyo para cuidadores se reúne cada martes; todos son bienvenidos.",
    ),
    (
        "Owen Hart",
        "Great team!",
        "Owen, our team is so proud to serve this community. Thank you for the kind words!",
    ),
    (
        "Ari Cole",
        "Cute office",
        "Ari, thank you! Our staff loves the new mural in the kids' waiting area too.",
    ),
    (
        "@mike_r",
        "What should I bring to a first visit?",
        "Great question! New patients should bring a photo ID, insurance card and a list of current medications.",
    ),
    # greetings and welcomes on service descriptions and donor thanks
    (
        "Maya Ortiz",
        "Do you have frames for kids?",
        "Hi Maya! Yes, our optical shop carries over 200 kids' frames. We'd love to see you and your little ones!",
    ),
    (
        "Tom Weller",
        "taking new patients?",
        "Hi Tom! We are accepting new patients and take most PPO plans. Our hygienists would love to meet you!",
    ),
    (
        "Ana Ruiz",
        "¿Aceptan pacientes nuevos?",
        "¡Hola Ana! Sí, aceptamos pacientes nuevos y la mayoría de los seguros PPO. ¡Nos encantaría conocerle a usted y a su familia!",
    ),
    (
        "Jay Kim",
        "Do you take kids?",
        "Jay, yes! Our pediatric dentists see kids as young as one, and your whole family is welcome. Call 555-404-1212 to book.",
    ),
    (
        "Lori Dunn",
        "Do you need a referral?",
        "Lori, no referral is needed for our physical therapy clinic; just call 555-101-2020 and ask for a new-patient evaluation.",
    ),
    (
        "Paz Luna",
        "¿Tienen especialista en diabetes?",
        "¡Sí, Paz! Nuestro programa de educación en diabetes acepta pacientes nuevos; llame al 555-300-2000 para más información.",
    ),
    (
        "Bo Grant",
        "Do you have a cardiologist?",
        "Yes, Bo! Our heart institute has four cardiologists accepting new patients, and most plans are accepted.",
    ),
    (
        "Eli Shaw",
        "Thanks for the 5K",
        "Eli, thank you for running in the Heart Institute 5K and raising over $500 for cardiac research!",
    ),
    (
        "Nia Cole",
        "Volunteered!",
        "Nia, our oncology nurses loved having you as a volunteer at the cancer center holiday party!",
    ),
]

# (author, mention, reply, kinds) — must block
BLOCK: list[tuple[str, str, str, set[str]]] = [
    # C. preparation and follow-up instructions to the addressed person
    (
        "Ivy Lane",
        "thanks",
        "Ivy, remember to fast for 12 hours before the repeat draw next month.",
        {C},
    ),
    ("", "ok", "Remember to fast for 12 hours before the repeat draw next month.", {C}),
    ("Tom Ruiz", "thanks", "Tom, bring your brace to the follow-up.", {C}),
    ("", "ok", "Please bring your brace to the follow-up on Friday.", {C}),
    ("Lara King", "thanks", "Lara, don't forget to bring your glucose log to the next check.", {C}),
    ("", "ok", "Remember to wear loose clothing for the second session.", {C}),
    ("Omar Haddad", "thanks", "Omar, please skip your morning coffee before the recheck.", {C}),
    ("", "gracias", "Recuerde ayunar 12 horas antes del próximo análisis.", {C}),
    ("Elena Cruz", "gracias", "Elena, traiga su férula a la cita de seguimiento.", {C}),
    ("", "gracias", "No olvide traer sus gafas a la próxima revisión.", {C}),
    (
        "Jill Moss",
        "ok",
        "Jill, stop the blood thinner three days before the follow-up procedure.",
        {C},
    ),
    ("", "ok", "Bring your walker to the follow-up so we can adjust it.", {C}),
    # D. staff or groups remembering / missing / greeting the person
    ("Nadia Bell", "thanks", "Nadia, our nurses still ask about your twins!", {C}),
    ("", "thanks", "The group has missed you the last two weeks — your seat is waiting.", {C}),
    ("Lou Park", "thanks", "Lou, the team says you're their most punctual member.", {C}),
    ("", "thanks", "Dr. Ames says hi and hopes the new blood pressure routine is working.", {C}),
    ("Gina Holt", "thanks", "Gina, your mom's laugh was a gift to our volunteers.", {C}),
    ("", "thanks", "Our therapists still talk about your grandpa's jokes.", {C}),
    ("Raj Patel", "thanks", "Raj, the whole staff misses seeing you on Thursdays.", {C}),
    ("", "gracias", "Nuestras enfermeras todavía preguntan por sus gemelos.", {C}),
    ("Pilar Soto", "gracias", "Pilar, el grupo la ha extrañado las últimas dos semanas.", {C}),
    (
        "",
        "gracias",
        "La doctora Ruiz le manda saludos y espera que la nueva rutina le esté funcionando.",
        {C},
    ),
    ("Hal Webb", "thanks", "Hal, the support group saved your chair for next week.", {C}),
    ("", "thanks", "Nurse Kelly says hello and hopes the new diet is going well.", {C}),
    ("Bea Long", "thanks", "Bea, everyone at the front desk misses your dad's stories.", {C}),
    # E. logistics that reveal ongoing care
    (
        "Ray Dunn",
        "thanks",
        "Ray, since you're in every Tuesday, ask the infusion desk about a parking pass.",
        {C},
    ),
    ("", "ok", "We've adjusted the schedule of the aide assigned to your home.", {C}),
    (
        "Meg Ross",
        "was waiting",
        "Meg, Dr. Kim was held up with an emergency that morning and sends her apologies.",
        {C},
    ),
    (
        "",
        "thanks",
        "Swelling usually settles in about two weeks — send us a selfie when you see the final result.",
        {C},
    ),
    (
        "Ana Gil",
        "gracias",
        "Ana, como viene cada martes, pregunte en la recepción de infusión por el estacionamiento.",
        {C},
    ),
    ("", "gracias", "Hemos ajustado el horario de la cuidadora asignada a su casa.", {C}),
    (
        "Sam Yoon",
        "waited",
        "Sam, Dr. Patel was delayed by an emergency that afternoon and apologizes for the wait.",
        {C},
    ),
    (
        "",
        "thanks",
        "Since you come in twice a week, we can validate your parking at the dialysis desk.",
        {C},
    ),
    (
        "Lisa Tran",
        "thanks",
        "Lisa, your home nurse will now come on Mondays instead of Wednesdays.",
        {C},
    ),
    ("", "gracias", "La doctora Vela tuvo una emergencia esa mañana y le pide disculpas.", {C}),
    (
        "Cody Fry",
        "thanks",
        "Cody, bruising usually fades in a week — send us a photo once it's healed.",
        {C},
    ),
    ("", "thanks", "We moved your standing Thursday slot to 3 pm starting next week.", {C}),
    (
        "Iris Ng",
        "thanks",
        "Iris, the therapist assigned to your son will call to set up the home visits.",
        {C},
    ),
    (
        "",
        "thanks",
        "Since you're here every Monday, the pharmacy can have your refills ready at check-in.",
        {C},
    ),
    ("Vic Hale", "thanks", "Vic, Dr. Osei apologizes for running late on Tuesday.", {C}),
    (
        "",
        "gracias",
        "La hinchazón suele bajar en dos semanas; mándenos una foto cuando vea el resultado final.",
        {C},
    ),
    (
        "Zoe Park",
        "thanks",
        "Zoe, the numbness usually wears off in a few days. Send us a pic when you see the final look!",
        {C},
    ),
    # more preparation, remembering and logistics
    (
        "Kay Lowe",
        "thanks",
        "Kay, please remember to stop eating at midnight before the scope on the 12th.",
        {C},
    ),
    ("", "ok", "Don't forget to bring your CPAP mask to your next sleep study.", {C}),
    ("Ron Diaz", "ok", "Ron, wear your compression stockings to the recheck next week.", {C}),
    ("", "gracias", "No olvide traer su lista de medicamentos a la próxima cita.", {C}),
    (
        "Sue Pike",
        "thanks",
        "Sue, our hygienists still talk about your grandson's dinosaur drawings!",
        {C},
    ),
    ("", "thanks", "The Tuesday group misses you — hope to see you back soon.", {C}),
    (
        "Ted Moss",
        "thanks",
        "Ted, your wife's stories were a bright spot for our nurses every morning.",
        {C},
    ),
    ("", "thanks", "Nurse Joy says hi and hopes your new walking routine is going well!", {C}),
    (
        "Lia Gray",
        "thanks",
        "Lia, since you're in three times a week, the dialysis desk can hold a parking spot for you.",
        {C},
    ),
    (
        "",
        "ok",
        "We've changed the caregiver assigned to your father so the visits start earlier.",
        {C},
    ),
    (
        "Ben Sato",
        "waited",
        "Ben, Dr. Reyes was called away to an emergency and sends his apologies for the wait.",
        {C},
    ),
    (
        "",
        "thanks",
        "Most bruising fades within 10 days, so send us a photo once you're healed!",
        {C},
    ),
    ("Ema Ruiz", "gracias", "Ema, el equipo siempre pregunta por su mamá.", {C}),
    (
        "",
        "gracias",
        "Como usted viene todos los lunes, la recepción le tendrá lista la receta.",
        {C},
    ),
    # more variants
    (
        "Joan Fry",
        "thanks",
        "Joan, our front desk team always asks how your little guy is doing.",
        {C},
    ),
    (
        "",
        "thanks",
        "Everyone in the Wednesday class misses you and hopes to see you back soon.",
        {C},
    ),
    (
        "Rob Lin",
        "thanks",
        "Rob, Dr. Hale sends his best and hopes the new inhaler is helping.",
        {C},
    ),
    (
        "",
        "gracias",
        "El doctor Ramos le manda saludos y espera que la nueva dieta le esté funcionando.",
        {C},
    ),
    (
        "Mae Ruiz",
        "thanks",
        "Mae, please fast after midnight before your repeat labs on Monday.",
        {C},
    ),
    ("", "ok", "Remember to bring your glasses to the follow-up visit.", {C}),
    ("Ida Ray", "gracias", "Ida, recuerde traer la férula a la cita de control.", {C}),
    (
        "",
        "thanks",
        "Since your mom comes in every Friday, we reserved a wheelchair at the door for her.",
        {C},
    ),
    (
        "Dot Kim",
        "late again",
        "Dot, Dr. Ngo had an emergency that morning and is so sorry you had to wait.",
        {C},
    ),
    ("", "gracias", "Extrañamos a su papá en el grupo de los jueves.", {C}),
]


@pytest.mark.parametrize(("author", "mention", "reply"), PASS)
def test_round6_passes(phi_screen: PhiScreen, author: str, mention: str, reply: str) -> None:
    result = run(phi_screen, reply, author, mention)
    assert result.verdict == "pass", (reply, [(f.kind, f.text) for f in result.findings])


@pytest.mark.parametrize(("author", "mention", "reply", "kinds"), BLOCK)
def test_round6_blocks(
    phi_screen: PhiScreen, author: str, mention: str, reply: str, kinds: set[str]
) -> None:
    assert_blocks(phi_screen, author, mention, reply, kinds)


def test_no_patient_name_without_a_name(phi_screen: PhiScreen) -> None:
    """An organisation or product name is not the reviewer's name."""
    cases = [
        ("Brightview Optical", "Brightview Eye Care is proud of our optometrists."),
        ("Lakeside Fan", "Lakeside Dental is sorry about the long wait at the front desk."),
        ("Harbor Health", "Harbor Family Clinic sees patients with asthma and diabetes."),
    ]
    for author, reply in cases:
        result = run(phi_screen, reply, author, "")
        assert "patient_name" not in result.kinds, (reply, result.kinds)


def test_enough_examples() -> None:
    assert len(PASS) >= 50
    assert len(BLOCK) >= 40
