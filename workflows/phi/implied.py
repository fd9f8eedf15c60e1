"""Care implied without clinical words, written as shapes.

Well-being and recovery wishes about the addressed person or a relative ("glad you're
feeling more like yourself", "nos alegra que se sienta mejor", "hope your mom is resting
comfortably"), milestones and idioms of care ("ring the bell", "walking alongside you",
"your little one", "they turned out beautifully", "orgullosos de su progreso"),
aftercare instructions addressed to the reader ("no workouts for 24 hours after", "keep
it dry", "evite el sol"), recurring or next visits in plain words ("see you at the next
check-in", "aquí estaremos cada martes", "verla de nuevo") and a team helping the person
("our crew was glad to help"). ``rules.Decision.implied_care`` applies them.
Everything runs on normalised text.
"""

from __future__ import annotations

import re

from workflows.phi.structural import BODY, KIN

_F = re.IGNORECASE
_POSS = r"(?:your|his|her|their|su|sus|tu|tus)"
_NUM = (
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|ten|twelve|a few|a couple(?: of)?|"
    r"several|the next|the first|un|una|unos|unas|dos|tres|cuatro|cinco|seis|siete|diez|"
    r"las pr[oó]ximas|los pr[oó]ximos)"
)
_SPAN = (
    r"(?:(?:for|over|during|durante|por)\s+(?:at least\s+|another\s+|the next\s+|al menos\s+)?"
    + _NUM
    + r"(?:\s+\w+)?\s+(?:hours?|hrs?|days?|nights?|weeks?|months?|horas?|d[ií]as?|noches?|"
    r"semanas?|mes(?:es)?)|\d+\s*(?:h|hrs?)\b|until\s+(?:it|the|your|it's|you)\b|hasta\s+que\b|"
    r"tonight|this week(?:end)?|esta noche|esta semana|afterwards?\b|after\s*[.!]|"
    r"after (?:the|your)\s+\w+|despu[eé]s)"
)
_WEEKDAYS = (
    r"(?:mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|lunes|martes|"
    r"mi[eé]rcoles|jueves|viernes|s[aá]bados?|domingos?)"
)

# 1. well-being, recovery and comfort of a person
WELLBEING = re.compile(
    r"\bfeel(?:ing|s)?\s+(?:(?:so|much|a lot|a little|a bit)\s+)?(?:more\s+like\s+"
    r"(?:yourself|himself|herself|themselves)|better|stronger|more comfortable|"
    r"like (?:your|his|her|their) old self)\b(?!\s+about\b)"
    r"|\bback\s+to\s+(?:your|his|her|their)\s+(?:old\s+|usual\s+|normal\s+)?self\b"
    r"|\bresting\s+(?:comfortably|peacefully|well|easier|easy)\b"
    r"|\brecover(?:ing|ed)\s+(?:well|nicely|so well|beautifully|at home)\b"
    r"|\b(?:smooth|speedy|quick|full|swift|easy|gentle)\s+recovery\b|\bon\s+the\s+mend\b"
    r"|\bheal(?:ing)?\s+(?:well|nicely|up)\b|\bup\s+and\s+(?:about|around|moving)\b"
    r"|\bsettl(?:ing|ed|e)\s+in\s+(?:at\s+home|back\s+home)\b|\bhome\s+safe\s+and\s+sound\b"
    r"|\bthose\s+first\s+(?:few\s+)?(?:nights|days|weeks)\s+(?:are|can be|were)\b"
    r"|\b(?:so\s+|truly\s+|deeply\s+)?loved\s+by\s+(?:everyone|all of us|all)\s+"
    r"(?:on|at|in|of)\s+our\s+(?:team|staff|unit|floor|clinic)\b"
    r"|\b(?:se|te)\s+(?:sienta|siente|sent[ií]a)\s+(?:(?:mucho|much[ií]simo|un poco|ya)\s+)?"
    r"(?:mejor|m[aá]s fuerte|m[aá]s c[oó]mod[oa]|como (?:usted|t[uú]) mism[oa])\b"
    r"|\b(?:est[eé]|est[aá]|siga|sigue)\s+(?:descansando|reposando)\b"
    r"|\b(?:se|te)\s+(?:est[eé]|est[aá])\s+recuperando\b|\bpronta\s+recuperaci[oó]n\b"
    r"|\bfue\s+(?:muy\s+|tan\s+)?querid[oa]\s+por\s+(?:todo\s+)?nuestro\s+equipo\b",
    _F,
)
# a restored ability: "you can climb the stairs again", "pueda caminar otra vez"
RESTORED = re.compile(
    r"\b(?:you|he|she|they|"
    + _POSS
    + r"\s+(?:\w+\s+)?"
    + KIN
    + r")\s*(?:'re|'s|are|is|can|could|were|was)?\s+"
    r"(?:(?:now|finally|already|able\s+to|back|so)\s+)*[a-z]+(?:\s+[\w']+){0,4}?\s+"
    r"(?:again|once more)\b"
    r"|\b(?:pueda|puede|pudo|pueden|puedan|est[aá]|est[eé])\s+(?:ya\s+)?[a-záéíóúñ]+"
    r"(?:\s+\w+){0,3}?\s+(?:otra\s+vez|de\s+nuevo|nuevamente)\b",
    _F,
)
GLAD = re.compile(
    r"\b(?:glad|happy|thrilled|delighted|so good|wonderful|great|amazing|love|loved|"
    r"hope|hoping|wishing|alegr[ae]\w*|gusto|feliz|felices|encanta|esperamos|ojal[aá])\b",
    _F,
)
# 2. milestones and idioms of care
BELL = re.compile(
    r"\bring(?:s|ing)?\s+(?:that|the)\s+bell\b|\btoc(?:ar|[oó]|ando)\s+la\s+campana\b", _F
)
LITTLE_ONE = re.compile(
    r"\b(?:your|the|su|tu)\s+(?:new\s+)?(?:little\s+(?:one|guy|girl|man|lady)|newborn|"
    r"peque[nñ]it?[oa]|reci[eé]n\s+nacid[oa]|beb[eé])\b",
    _F,
)
JOURNEY = re.compile(
    r"\b(?:walk(?:ing|ed)?|be(?:ing)?|stand(?:ing)?)\s+(?:alongside|beside|with)\s+you\s+"
    r"(?:through|on|in|during)\b"
    r"|\b(?:part of|share in|with you (?:on|through))\s+(?:your|this)\s+(?:healing\s+|recovery\s+)?"
    r"journey\b"
    r"|\bacompa[nñ]ar(?:le|la|lo|te)?\s+en\s+(?:este|su|tu)\s+(?:camino|proceso|recorrido)\b"
    r"|\bproud\s+of\s+(?:your|his|her|their)\s+(?:progress|recovery|hard work)\b"
    r"|\bhow\s+far\s+(?:you|he|she|they)(?:'ve|'s|\s+ha(?:ve|s))\s+come\b"
    r"|\borgullos[oa]s\s+de\s+(?:su|tu)\s+(?:progreso|avance|recuperaci[oó]n|esfuerzo)\b",
    _F,
)
RESULTS_LOOK = re.compile(
    r"\b(?:they|(?:your|sus?)\s+(?:new\s+)?(?:"
    + BODY
    + r"|brows|eyebrows|lashes|nails|lips|smile|hair|skin|results|veneers|crowns?|cejas|"
    r"pesta[nñ]as|u[nñ]as|labios|sonrisa|resultados))\s+(?:turned|came|come|turn)\s+out\s+(?:so\s+|really\s+|"
    r"just\s+)?(?:beautiful(?:ly)?|gorgeous|great|amazing|perfect(?:ly)?|stunning|lovely|"
    r"natural|fantastic)\b"
    r"|\b(?:quedaron|qued[oó])\s+(?:hermos[oa]s?|preciosos?|preciosas?|perfect[oa]s?|"
    r"divin[oa]s?|bell[oa]s?)\b",
    _F,
)
# 3. aftercare instructions addressed to the reader
_LEAD = (
    r"(?:^|[,:;]\s*|\band\s+)(?:(?:remember|just|please|and|also|so|recuerde|recuerda|"
    r"por favor|y|tambi[eé]n)\W*\s*)*"
)
AFTERCARE = re.compile(
    _LEAD + r"(?:(?:no|avoid|skip|hold off on|stay off|limit)\s+(?:any\s+|the\s+|hot\s+|heavy\s+|"
    r"strenuous\s+|direct\s+|intense\s+)*(?:workouts?|exercise|lifting|swimming|running|"
    r"makeup|alcohol|sun|sunlight|saunas?|hot\s+tubs?|baths?|showers?|driving|smoking|"
    r"straws?|gym|sex|contacts|caffeine|[a-z]+ing)\b"
    r"|(?:keep|leave)\s+(?:it|them|that|the\s+\w+|your\s+\w+|that\s+\w+)\s+(?:dry|clean|covered|"
    r"elevated|iced|wrapped|bandaged|still|moist|on|up)\b"
    r"|(?:rest|ice|elevate)\s+(?:your|that|the)\s+(?:\w+\s+)?" + BODY + r"\b"
    r"|rest\s+your\s+voice\b"
    r"|take\s+it\s+easy(?:\s+on\s+(?:that|your|the)\s+\w+)?"
    r"|(?:evite|evita|evitar|no\s+(?:haga|hagas|se\s+moje|moje|levante|se\s+exponga|tome|use))\s+"
    r"(?:el\s+|la\s+|los\s+|las\s+)?(?:sol|ejercicio|esfuerzos?|maquillaje|alcohol|agua|"
    r"piscina|nadar|cargar|levantar|peso|calor|mojar\w*|fumar|[a-záéíóúñ]+ar)\b"
    r"|(?:mantenga|mant[eé]n)\s+(?:la|el|su|tu)\s+\w+\s+(?:seca|seco|limpia|limpio|elevad[oa]|"
    r"cubiert[oa])\b"
    r"|(?:descanse|repose)\s+(?:la|el|su)\s+\w+)",
    _F,
)
SPAN = re.compile(r"\b" + _SPAN, _F)
# 4. recurring or next visits of this person
NEXT_VISIT = re.compile(
    r"\bsee\s+(?:you|him|her|them|y'all)\s+(?:(?:at|for|on)\s+(?:the|your|his|her|our)\s+)?"
    r"(?:next|second|third|final|last|follow-up)\s+(?:check-?ins?|visit|appointment|round|"
    r"session|treatment|cleaning|one|week|month|" + _WEEKDAYS + r")\b"
    r"|\bsee\s+(?:you|him|her|them)\s+(?:for|at)\s+round\s+\w+\b"
    r"|\bsee\s+(?:you|him|her|them)\s+next\s+" + _WEEKDAYS + r"\b"
    r"|\bsame\s+time\s+as\s+(?:always|usual)\b"
    r"|\b(?:second|third|fourth|final|last|next)\s+(?:round|cycle|infusion)\b"
    r"|\bround\s+(?:two|three|four|five|\d)\b"
    r"|\b(?:next|upcoming)\s+check-?in\b"
    r"|\b(?:aqu[ií]\s+)?(?:estaremos|le\s+veremos|la\s+veremos|lo\s+veremos|le\s+esperamos|la\s+esperamos|lo\s+esperamos|"
    r"los\s+esperamos|nos\s+vemos)\s+(?:aqu[ií]\s+)?(?:cada|todos\s+los)\s+" + _WEEKDAYS + r"\b"
    r"|\bver(?:la|lo|le|los|las)\s+(?:en\s+)?(?:su|tu)\s+(?:pr[oó]xim[oa]|siguiente)\b"
    r"|\b(?:en|para)\s+(?:su|tu)\s+(?:pr[oó]xim[oa]|siguiente)\s+(?:control|consulta|cita|"
    r"visita|sesi[oó]n|revisi[oó]n|tratamiento)\b"
    r"|\bver(?:la|lo|le|los|las|te)\s+(?:de\s+nuevo|otra\s+vez|nuevamente|pronto\s+de\s+nuevo)\b"
    r"|\b(?:great|good|so nice|lovely|wonderful)\s+to\s+see\s+you\s+(?:again|back)\b",
    _F,
)
# 5. a team helping the person
TEAM_HELPED = re.compile(
    r"\b(?:our|the)\s+(?:\w+\s+)?(?:team|crew|staff|folks|nurses|people)\s+(?:here\s+)?"
    r"(?:was|were)\s+(?:so\s+|very\s+|more than\s+|truly\s+|really\s+)?(?:glad|happy|honou?red|"
    r"delighted|pleased|thrilled|privileged|grateful)\s+to\s+(?:help|care\s+for|look\s+after|"
    r"assist|support|be\s+there\s+for|take\s+care\s+of)\b"
    r"|\b(?:nuestro\s+equipo|nuestro\s+personal)\s+(?:estuvo|est[aá]|fue)\s+(?:muy\s+)?"
    r"(?:feliz|content[oa]|honrad[oa])\s+de\s+(?:ayudar|atender|cuidar|acompa[nñ]ar)\w*"
    r"|\bfue\s+un\s+(?:gusto|placer|honor)\s+para\s+(?:nuestro\s+equipo|todos\s+nosotros)\s+"
    r"(?:ayudar|atender|cuidar|acompa[nñ]ar)\w*",
    _F,
)
# a relative possessed by the reader
KIN_POSSESSED = re.compile(
    r"\b" + _POSS + r"\s+(?:(?:little|new|querid[oa])\s+)?" + KIN + r"\b", _F
)
CONGRATS = re.compile(r"\b(?:congrat\w*|felicidades|felicitaciones|enhorabuena)\b", _F)
# the organisation as the subject: "our team", "nuestro equipo"
ORG_SUBJECT = re.compile(
    r"\b(?:our|nuestr[oa]s?)\s+(?:\w+\s+)?(?:team|staff|equipo|personal)\b", _F
)
# Spanish forms that address the reader: "se sienta", "acompañarle", "su progreso"
SPANISH_YOU = re.compile(r"\b(?:se|le|su|sus|usted|ustedes)\b|\b\w+r(?:le|la|lo)\b", _F)
# a named spokesperson or public-facing title introducing a person: the organisation's
SPOKES = re.compile(
    r"\b(?:vocer[oa]|portavoz|spokes(?:person|woman|man)|media relations|"
    r"director[a]?\s+de\s+(?:experiencia|relaciones|comunicaci[oó]n)\w*|"
    r"gerente\s+de\s+(?:relaciones|experiencia|comunicaci[oó]n)\w*|"
    r"relaciones\s+(?:con\s+(?:los\s+)?pacientes|p[uú]blicas)|experiencia\s+del\s+paciente|"
    r"patient\s+(?:experience|relations)|public\s+relations)\b",
    _F,
)
OFFER_INVITE = re.compile(
    r"\bsi\s+(?:lo\s+)?(?:desea|gusta|prefiere)\b|\bif\s+you(?:'d|\s+would)\s+(?:like|prefer)\b",
    _F,
)

# aftercare that needs no time span: "rest your voice", "ice that ankle", "evite el sol"
STANDALONE_CARE = re.compile(
    r"\bvoice\b|\bsol\b|take\s+it\s+easy\s+on\b|\b(?:rest|ice|elevate)\s+(?:your|that|the)\s+",
    _F,
)
# next-round words outside care: games, hiring, grants
NOT_VISIT = re.compile(
    r"\b(?:golf|tournament|game|match|league|interviews?|hiring|funding|grants?|raffle|"
    r"voting|applications?|auditions?|meetings?(?!\s+(?:you|your|him|her|them|su|sus)\b)|"
    r"board|rehearsals?|practice|book club|torneo|"
    r"partido|entrevistas?|concurso|reuni[oó]n(?:es)?|junta)\b",
    _F,
)

# -- round 6: preparation, people remembering the person, ongoing-care logistics ---------
_NEXT_EVENT = (
    r"(?:the|your|his|her|their|su|sus|tu|la|el|al|del)\s+(?:(?:next|repeat|follow-?up|second|"
    r"third|upcoming|final|pr[oó]xim[oa]|siguiente|segund[oa])\s+(?:[\w-]+\s+){0,2}?"
    r"(?:draw|blood\s*work|blood\s+draw|labs?|lab\s+work|tests?|check|check-?up|recheck|"
    r"visit|appointment|appt|session|follow-?up|procedure|scan|fitting|treatment|infusion|"
    r"round|an[aá]lisis|cita|revisi[oó]n|control|seguimiento|consulta|sesi[oó]n|"
    r"extracci[oó]n|examen|procedimiento|toma)|(?:follow-?up|recheck|check-?up|re-?draw|"
    r"seguimiento)\b|(?:cita|consulta|visita)\s+de\s+(?:seguimiento|control|revisi[oó]n)"
    r"|(?:[\w-]+\s+){0,2}?(?:draw|labs?|scope|scan|procedure|surgery|test|appointment|visit|"
    r"session|infusion|cita|consulta|an[aá]lisis|procedimiento|cirug[ií]a|examen)\s+"
    r"(?:on\s+(?:the\s+)?\d|on\s+" + _WEEKDAYS + r"|this\s+\w+day|next\s+\w+|tomorrow|"
    r"el\s+\d|del\s+\d|ma[nñ]ana|este\s+\w+|el\s+pr[oó]ximo|el\s+" + _WEEKDAYS + r"))"
)
# "remember to fast for 12 hours before the repeat draw", "bring your brace to the
# follow-up", "recuerde ayunar antes del próximo análisis"
PREP = re.compile(
    r"(?:^|[,:;.!]\s*|\band\s+|\bto\s+)(?:(?:remember|don't forget|do not forget|be sure|"
    r"make sure|please|just|also|kindly|recuerde|no olvide|favor de|por favor)\W*\s*(?:to\s+)?)*"
    r"(?:fast|bring|wear|skip|stop|hold|pause|take|avoid|drink|arrive|eat|pack|have|keep|"
    r"ayun(?:ar|e)|traer|traiga|tra(?:e|iga)|use|usar|suspend(?:er|a)|tom(?:ar|e)|deje|"
    r"dejar|evit(?:ar|e)|beb(?:er|a)|lleg(?:ar|ue)|venga|venir)\b(?:\s+[\w'-]+){0,8}?\s+"
    r"(?:antes\s+(?=del\b)|(?:before|to|for|at|until|ahead of|antes\s+de|a|para|en|hasta)\s+)"
    + _NEXT_EVENT,
    _F,
)
_GROUP = (
    r"(?:team|staff|nurses?|therapists?|group|class|crew|volunteers|aides|docs|doctors|"
    r"front\s+desk|desk|unit|floor|hygienists?|techs?|equipo|personal|enfermer[oa]s|grupo|"
    r"terapeutas|voluntari[oa]s|cuidador[ae]s|doctor[ae]s)"
)
# "our nurses still ask about your twins", "the group has missed you", "the team says
# you're their most punctual member", "nuestras enfermeras preguntan por sus gemelos"
REMEMBERED = re.compile(
    r"\b(?:our|the|everyone|everybody|all\s+of\s+(?:us|our)|the\s+whole|todo\s+el|todos|"
    r"nuestr[oa]s?|el|la|las|los)\s+(?:[\w-]+\s+){0,3}?" + _GROUP + r"\s+(?:here\s+)?"
    r"(?:(?:still|all|really|truly|already|also|sure|todav[ií]a|a[uú]n|siempre|so|has|have|"
    r"ha|han)\s+)*"
    r"(?:(?:miss(?:es|ed)?|asks?\s+about|asked\s+about|asking\s+about|talks?\s+about|"
    r"talking\s+about|remembers?|saved|kept|loved\s+(?:seeing|having))\s+(?:seeing\s+)?"
    r"(?:you|your|him|his|her|them|their)\b"
    r"|says?\s+(?:that\s+)?(?:you|he|she)(?:'re|'s|\s+(?:are|is|was|were))"
    r"|(?:la|lo|le|los|las)\s+(?:ha|han|hemos)\s+extra[nñ]ado"
    r"|(?:la|lo|le|los|las)\s+extra[nñ]a\w*"
    r"|(?:preguntan?|pregunta)\s+por\s+(?:su|sus|usted|ella|[eé]l)\b"
    r"|(?:extra[nñ]an?|recuerdan?|hablan?\s+de)\s+(?:a\s+)?(?:su|sus|usted|ella|[eé]l)\b)",
    _F,
)
# "we miss you at the Tuesday group", "extrañamos a su papá en el grupo de los jueves"
MISSED_IN = re.compile(
    r"\b(?:we|we've|we have|we all|we really|we truly|we sure)\s+(?:\w+\s+)?miss(?:ed)?\s+"
    r"(?:seeing\s+|having\s+)?(?:you|your\s+\w+|him|her)\s+(?:\w+\s+){0,3}?(?:in|at)\s+"
    r"(?:the|our)\s+(?:[\w-]+\s+){0,2}?(?:group|class|sessions?|meetings?|circle|unit|floor|"
    r"clinic|program)\b"
    r"|\b(?:extra[nñ]amos|hemos\s+extra[nñ]ado)\s+(?:a\s+)?(?:usted|su\s+\w+|sus\s+\w+|verle|"
    r"verla|verlo|tenerle)\s+(?:\w+\s+){0,3}?(?:en|a)\s+(?:el|la|las|los|nuestr[oa]s?)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:grupo|clase|sesi[oó]n|sesiones|reuni[oó]n|c[ií]rculo|unidad|"
    r"programa)\b",
    _F,
)
# "your seat is waiting", "saved your chair", "su lugar la espera"
SEAT = re.compile(
    r"\b(?:your|his|her)\s+(?:usual\s+|regular\s+)?(?:seat|chair|spot|place)\s+(?:is|will be)\s+"
    r"(?:waiting|saved|open|ready)\b|\bsaved\s+(?:your|his|her)\s+(?:usual\s+)?(?:seat|chair|"
    r"spot)\b|\b(?:su|tu)\s+(?:silla|lugar|asiento)\s+(?:la|lo|le|te)\s+espera\b",
    _F,
)
# "your mom's laugh was a gift to our volunteers"
GIFT_TO_STAFF = re.compile(
    r"\b(?:your|his|her|their|su)\s+(?:[\w-]+(?:'s)?\s+)?(?:laugh|smile|stories|jokes|"
    r"humou?r|spirit|energy|kindness|presence|visits|risa|sonrisa|historias|chistes|"
    r"alegr[ií]a)\s+(?:[\w-]+\s+){0,6}?(?:our|nuestr[oa]s)\s+(?:[\w-]+\s+)?" + _GROUP + r"\b",
    _F,
)
# a clinician greeting or apologising to the reader: "Dr. Ames says hi", "Dr. Kim was held
# up with an emergency and sends her apologies", "la doctora Vela le pide disculpas"
STAFF_GREETS = re.compile(
    r"\b(?i:dr|dra|doctor|doctora|nurse|enfermer[oa]|therapist|terapeuta|la\s+doctora|"
    r"el\s+doctor)\.?\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?\s+(?i:(?:also\s+|still\s+|le\s+|te\s+)?"
    r"(?:says?\s+(?:hi|hello|hey)\b(?!\s+to\s+(?:everyone|all|the))|sends?\s+(?:(?:her|his|their|you|"
    r"you\s+her|you\s+his)\s+)?(?:best|love|regards|greetings|hugs|apologies|well\s+wishes)|"
    r"(?:manda|env[ií]a)\s+saludos|pide\s+disculpas|apologi[sz]es|is\s+sorry|was\s+sorry|"
    r"was\s+(?:held\s+up|delayed|running\s+(?:late|behind)|called\s+away)|"
    r"(?:had|tuvo)\s+(?:an?\s+|una\s+)emergen\w+))"
)
# "since you're in every Tuesday", "since you come in twice a week", "como viene cada martes"
REGULAR = re.compile(
    r"\b(?:you|he|she|your\s+\w+)(?:'re|'s|\s+are|\s+is)?\s+(?:(?:in|here|coming\s+in|come\s+in|"
    r"comes\s+in|coming\s+by|stop\s+by|with\s+us|visiting|visit)\s+)"
    r"(?:(?:every|each)\s+(?:other\s+)?(?:" + _WEEKDAYS[3:-1] + r"|week|morning|afternoon|day)|"
    r"(?:twice|once|three\s+times|\w+\s+times)\s+(?:a|per)\s+(?:week|month))\b"
    r"|\b(?:viene|vienen|asiste|est[aá]\s+aqu[ií])\s+(?:cada|todos\s+los|dos\s+veces|"
    r"tres\s+veces)\b",
    _F,
)
# "the aide assigned to your home", "la cuidadora asignada a su casa"
ASSIGNED = re.compile(
    r"\b(?:assigned|asignad[oa]s?)\s+(?:to|a)\s+(?:your|his|her|their|su|sus|you|usted)\b", _F
)
# "send us a selfie when you see the final result", "mándenos una foto cuando…"
SEND_PHOTO = re.compile(
    r"\bsend\s+us\s+(?:a\s+|an\s+)?(?:quick\s+)?(?:selfie|photo|pic|picture|snap)s?\s+"
    r"(?:when|once|after|as\s+soon\s+as)\b"
    r"|\b(?:m[aá]nd|env[ií])(?:e|a)nos\s+(?:una\s+)?(?:foto|selfie)s?\s+(?:cuando|en\s+cuanto)\b",
    _F,
)

# general advice to see one's own doctor: "your doctor's office can confirm", "ask your
# doctor", "consulte con su médico" — not this organisation's care of the person
OWN_DOCTOR_ADVICE = re.compile(
    r"\b(?:ask|check\s+with|talk\s+(?:to|with)|consult|speak\s+(?:to|with))\s+your\s+"
    r"(?:own\s+|primary\s+care\s+|regular\s+|family\s+)?(?:doctor|physician|provider|pcp|"
    r"dentist|pharmacist)\b|\byour\s+(?:own\s+|primary\s+care\s+|regular\s+|family\s+)?"
    r"(?:doctor|physician|provider|pcp|dentist|pharmacist)(?:'s\s+office)?\s+(?:can|will|"
    r"should|may)\s+(?:confirm|tell|advise|let you know|help|recommend)\b"
    r"|\bconsult(?:e|ar)\s+(?:con\s+)?su\s+(?:m[eé]dico|doctor[a]?|dentista|farmac[eé]utico)\b",
    _F,
)

# -- round 7: homecoming, births, casual aftercare, refills, milestones, billing -----------
_N7 = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d+|"
    r"un|una|dos|tres|cuatro|cinco|seis|diez)"
)
# (pattern, kinds) pairs, each a disclosure that this person is a patient
ROUND7: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    # 1. welcome back and homecoming
    (
        re.compile(
            r"\b(?:we(?:'ve|\s+have)?|everyone\s+(?:here\s+)?(?:has|have))\s+(?:all\s+|really\s+|truly\s+|so\s+)?"
            r"missed\s+(?:you|seeing\s+you|having\s+you)\b(?!\s+at\s+(?:the|our)\s+(?:gala|party|"
            r"picnic|fair|event|walk|run|open\s+house|fundraiser|meeting))"
            r"|\bwelcome\s+(?:back|home)\b(?!\s+to\s+(?:our|the)\s+(?:website|site|page|blog|"
            r"newsletter|feed|channel|board|team|staff))"
            r"|\b(?:bienvenid[oa]s?\s+de\s+(?:nuevo|vuelta|regreso)|(?:le|la|lo|te|los)\s+(?:hemos\s+)?"
            r"extra[nñ]ad[oa]s?|(?:le|la|lo|te)\s+extra[nñ]amos)\b"
            r"|\b(?:first|1st)\s+(?:full\s+)?(?:night|day|week|weekend|month)\s+(?:back\s+)?home\b"
            r"|\bprimer[oa]?\s+(?:noche|d[ií]a|semana|mes|fin\s+de\s+semana)\s+(?:de\s+vuelta\s+)?en\s+casa\b"
            r"|\brecovery\s+at\s+home\b|\bhome\s+recovery\b|\brecuperaci[oó]n\s+en\s+casa\b"
            r"|\b(?:the\s+)?(?:stairs|steps|walks?|walking|mornings|nights)\s+(?:are|is)\s+getting\s+easier\b"
            r"|\b(?:see|seeing|saw)\s+(?:you|him|her|them)\s+(?:looking|doing|walking|up)\s+(?:so\s+)?"
            r"(?:strong|well|great|healthy|good|better|stronger|around)\b"
            r"|\bafter\s+everything\s+(?:you(?:'ve|\s+have)?|he(?:'s|\s+has)|she(?:'s|\s+has))\s+"
            r"(?:been|gone)\s+through\b"
            r"|\bdespu[eé]s\s+de\s+todo\s+lo\s+que\s+(?:ha|han|has)\s+(?:pasado|vivido)\b",
            _F,
        ),
        (),
    ),
    # 2. births and children met at the practice
    (
        re.compile(
            r"\b(?:your|the|su|tu)\s+growing\s+family\b|\bnew\s+(?:arrival|addition\s+to\s+(?:your|the)\s+family)\b"
            r"|\bbundle\s+of\s+joy\b|\b(?:su|tu)\s+(?:nuev[oa]\s+)?(?:beb[eé]|bebita|bebito)\b"
            r"|\bfamilia\s+(?:que\s+)?crec(?:e|iendo)\b|\bla\s+llegada\s+de\s+(?:su|tu)\b"
            r"|\b(?:love|loved|enjoy|enjoyed|adore)\s+(?:seeing|meeting)\s+(?:you|your)\b",
            _F,
        ),
        ("family_member",),
    ),
    (
        re.compile(
            r"\b(?i:tell|give)\s+[A-Z][a-z]+(?:\s+and\s+[A-Z][a-z]+)?\s+(?i:we\s+said\s+hi|a\s+hug|"
            r"hi\s+from\s+us|our\s+love)\b|\b(?i:say\s+hi\s+to)\s+[A-Z][a-z]+(?:\s+and\s+[A-Z][a-z]+)?\s+"
            r"(?i:for\s+us)\b"
            r"|\b(?i:salud(?:e|os)\s+a)\s+[A-Z][a-z]+(?:\s+y\s+[A-Z][a-z]+)?\s+(?i:de\s+nuestra\s+parte)\b",
        ),
        ("family_member",),
    ),
    # 3. aftercare and preparation in casual words
    (
        re.compile(
            r"\bnothing\s+(?:too\s+)?(?:crunchy|chewy|hard|hot|spicy|sticky|heavy|strenuous|acidic|"
            r"salty)\b|\bstick\s+(?:to|with)\s+soft\s+foods?\b|\bsoft\s+foods?\s+(?:only|for)\b"
            r"|\bnada\s+(?:muy\s+|demasiado\s+)?(?:duro|crujiente|caliente|picante|pegajoso)\b"
            r"|\bice\s+(?:it\s+)?after\s+(?:practice|workouts?|games?|runs?|training)\b"
            r"|\b(?:don't|do\s+not|never)\s+skip\s+(?:the|your)\s+(?:band\s+work|bands?|stretch\w*|"
            r"exercises?|home\s+(?:program|exercises)|rehab|icing|drops|rinses?|retainer|elastics|"
            r"night\s+guard|mouthguard)\b"
            r"|\bno\s+(?:deje|dejes)\s+(?:de\s+hacer\s+)?(?:sus|tus)\s+(?:ejercicios|estiramientos|gotas)\b"
            r"|\bno\s+need\s+to\s+(?:fast|prep|stop\s+eating|skip\s+breakfast)\b"
            r"|\bno\s+(?:necesita|tiene\s+que|hace\s+falta)\s+(?:venir\s+en\s+)?(?:ayun\w+|estar\s+en\s+ayunas)\b"
            r"|\bunlike\s+(?:the\s+)?last\s+time\b"
            r"|\b(?:stitch|patch|sew|bandag|splint|cast|tap)(?:ed|ped)?\s+(?:you|him|her|them)?\s*up\b"
            r"|\bget(?:ting)?\s+(?:you|him|her|them)\s+(?:\w+\s+up\s+and\s+)?(?:back\s+)?home\b"
            r"|\bback\s+on\s+(?:your|his|her|their)\s+feet\b"
            r"|\b(?:le|la|lo)\s+(?:cosimos|suturamos|vendamos|enyesamos)\b",
            _F,
        ),
        ("clinical_detail",),
    ),
    # 4. recurring pharmacy and refill logistics
    (
        re.compile(
            r"\byour\s+usual\s+(?:order\s+|refill\s+|fill\s+)?(?:will\s+be|is|should\s+be)\s+"
            r"(?:ready|waiting|in)\b"
            r"|\bready\s+(?:for\s+(?:you|pickup)\s+)?(?:(?:on\s+)?\w+\s+)?as\s+(?:always|usual)\b"
            r"|\b(?:your|this\s+month's|next\s+month's)\s+(?:monthly\s+|90-day\s+|30-day\s+|usual\s+)?"
            r"(?:order|refill|fill|supply|pickup|delivery)\s+(?:is|will\s+be)\s+(?:ready|waiting|on)\b"
            r"|\byour\s+(?:monthly|90-day|30-day|regular)\s+(?:order|refill|fill|supply|pickup|delivery)\b"
            r"|\b(?:su|tu)\s+(?:pedido|surtido|resurtido|medicamento|medicina|receta|entrega)\s+"
            r"(?:de\s+(?:este|cada)\s+mes|mensual|de\s+siempre)\b"
            r"|\b(?:le|te)\s+tenemos\s+list[oa]s?\b|\b(?:como|igual\s+que)\s+(?:siempre|cada\s+mes)\s*,?\s+"
            r"(?:su|tu)\s+(?:pedido|receta)\b"
            r"|\b(?:the|your)\s+new\s+(?:dos(?:e|es|ing|age)|regimen|meds?|medications?|prescription|"
            r"inhaler|insulin)(?:\s+(?:schedule|plan|routine))?\s+(?:is|are|has\s+been|seems?)\s+"
            r"(?:working|helping|agreeing|going)\b"
            r"|\b(?:la|su|tu)\s+nueva\s+(?:dosis|medicina|medicaci[oó]n|receta)\s+(?:le\s+|te\s+)?"
            r"(?:est[eé]|est[aá])\s+(?:funcionando|sirviendo|cayendo)\b",
            _F,
        ),
        ("clinical_detail",),
    ),
    # 5. milestones repeated back
    (
        re.compile(
            r"\b" + _N7 + r"\s+(?:full\s+)?(?:years?|months?|days?|a[nñ]os?|meses|mes|d[ií]as)\s+"
            r"(?:sober|clean|cancer[- ]free|smoke[- ]free|seizure[- ]free|tumou?r[- ]free|"
            r"drug[- ]free|"
            r"in\s+remission|in\s+recovery|sin\s+(?:beber|fumar|alcohol|consumir|recaer)|"
            r"libre\s+de\s+\w+|sobri[oa]s?|limpi[oa]s?|en\s+remisi[oó]n)\b"
            r"|\b(?:sobriety|recovery|remission|sober)\s+(?:anniversary|birthday|milestone)\b"
            r"|\baniversario\s+de\s+(?:sobriedad|recuperaci[oó]n|remisi[oó]n)\b",
            _F,
        ),
        ("clinical_detail",),
    ),
    # 6. billing about them and their appointments in our system
    (
        re.compile(
            r"\b(?:your|su|tu)\s+(?:account|balance|bill|cuenta|saldo|factura)\s+(?:is|est[aá])\s+"
            r"(?:already\s+|now\s+|still\s+|ya\s+)?(?:on|in|enrolled\s+in|set\s+up\s+(?:on|with)|en)\s+"
            r"(?:our|a|the|un|nuestro)\s+(?:[\w-]+\s+){0,2}?(?:payment\s+)?plan\b"
            r"|\b(?:you(?:'re|\s+are)|usted\s+est[aá])\s+(?:already\s+|now\s+|ya\s+)?(?:on|in|en)\s+"
            r"(?:our|a|the|un|nuestro)\s+(?:[\w-]+\s+){0,2}?(?:payment\s+plan|plan\s+de\s+pagos?)\b"
            r"|\byour\s+payment\s+plan\b|\bsu\s+plan\s+de\s+pagos?\b"
            r"|\b(?:en|seg[uú]n)\s+nuestro\s+sistema\s+(?:ya\s+)?(?:aparece|aparecen|figura|figuran|"
            r"consta|constan|tenemos|vemos|muestra|se\s+ve|se\s+ven|usted)\b"
            r"|\b(?:citas?|visitas?|consultas?|recetas?|pagos?|facturas?|cuentas?)\s+(?:\w+\s+)?suy[oa]s?\b"
            r"|\bour\s+system\s+(?:shows|has|lists|says)\s+(?:\w+\s+){0,3}?(?:appointments?|visits?|"
            r"cancell?ations?|no-shows?|payments?|balance|you|your)\b"
            r"|\b(?:in|on)\s+our\s+system,?\s+(?:we\s+see|it\s+shows|there\s+are|you\s+have|you)\b",
            _F,
        ),
        ("appointment_history",),
    ),
)
# "¡Un año! Qué orgullo", "Six months! So proud of you": a short milestone and pride
SHORT_MILESTONE = re.compile(
    r"(?:^|[.!?¡]\s*)¡?\s*" + _N7 + r"\s+(?:whole\s+|full\s+)?(?:years?|months?|days?|weeks?|"
    r"a[nñ]os?|meses|mes|d[ií]as|semanas)(?:\s+(?:enteros?|completos?))?\s*(?:!|…|\.\.\.)",
    _F,
)
PRIDE = re.compile(
    r"\bproud\s+of\s+you\b|\bso\s+proud\b|\bqu[eé]\s+orgullo\b|"
    r"\borgullos[oa]s?\s+de\s+(?:usted|ti|ustedes)\b|\bmuy\s+orgullos[oa]s?\b",
    _F,
)
# the people one thanks for a building: foundations, funds, endowments
FOUNDATION = re.compile(
    r"\b(?:foundations?|fund|endowment|fundaci[oó]n|fondo|made\s+possible|hicieron\s+posible|"
    r"hizo\s+posible|hacer\s+posible|make\s+(?:\w+\s+){0,4}?possible)\b",
    _F,
)
# community complaints about operations: sirens, noise, parking of crews and vehicles
OPERATIONS = re.compile(
    r"\b(?:sirens?|noise|noisy|parking|park|parked|engines?|idl(?:e|ing)|driveways?|traffic|"
    r"residential|neighbou?rs?|neighbou?rhood|helicopter|flight\s+path|honking|quiet|"
    r"(?:your|our|the\s+back|the\s+main)\s+(?:street|block|gate|entrance)|sirenas?|ruido|"
    r"estacionar\w*|vecin[oa]s?|v[ií]as?\s+p[uú]blicas|motores?|calles?\s+residenciales)\b",
    _F,
)
OPS_ACTOR = re.compile(
    r"\b(?:ambulances?|ems|paramedics|crews?|drivers?|partners|dispatch|fleet|ambulancias?|"
    r"param[eé]dicos|socios|choferes|conductores|trucks|vans)\b",
    _F,
)
# a clinician's availability, said as a service
ACCEPTING = re.compile(
    r"\b(?:is|are|has\s+been|remains?|est[aá]n?|sigue|siguen)\s+(?:currently\s+|now\s+|still\s+|"
    r"actualmente\s+|ahora\s+)?(?:accepting|taking|welcoming|aceptando|recibiendo)\s+"
    r"(?:new\s+|nuev[oa]s\s+)?(?:patients|pacientes)\b",
    _F,
)

__all__ = [name for name in dir() if name.isupper()]
