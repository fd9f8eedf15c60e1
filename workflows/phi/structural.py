"""Structural cues of someone's care, written as shapes rather than phrases.

Each pattern is a small grammar: a care verb and its object (a relative, a possessed
person, a capitalised name), a possessed body part and an outcome word, a progress
word tied to a person, a clinician named as the subject of praise or a report, a
future visit for this person. Word lists come from ``data/`` (relatives, body parts,
outcomes); the shapes are here. Everything runs on normalised text.
"""

from __future__ import annotations

import re

from workflows.phi.vocab import read_lines

_F = re.IGNORECASE


def _alternation(*files: str, regex: bool = False) -> str:
    words: set[str] = set()
    for name in files:
        for line in read_lines(name):
            w = line.lstrip("=").strip()
            if not w:
                continue
            words.add(w if regex else re.escape(w).replace(r"\ ", r"\s+"))
    # longest first so "little one" wins over "little"
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


KIN = _alternation("family.en.txt", "family.es.txt")
BODY = _alternation("body_parts.en.txt", "body_parts.es.txt")
OUTCOME = _alternation("outcomes.en.txt", "outcomes.es.txt", regex=True)

# an object that is a person other than the organisation: "your dad", "your husband",
# "his wife", "doña Rosa", "Chloe", "a Sofía", "de su mamá"
_POSS = r"(?:your|his|her|their|su|sus|tu|tus)"
_HONORIFIC = r"(?:don|do[nñ]a|mr\.?|mrs\.?|ms\.?|miss|se[nñ]or(?:a|ita)?|sra\.?|sr\.?|srta\.?)"
_NAME = r"(?-i:[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+(?:[ -][A-ZÁÉÍÓÚÑ][a-záéíóúñü]+)?)"
PERSON_OBJECT = re.compile(
    r"(?:(?:a|de|al|del)\s+)?(?:"
    r"(?P<kin>" + _POSS + r"\s+(?:(?:little|new|sweet|dear|beloved|late|querid[oa]|"
    r"peque[nñ][oa])\s+)?" + KIN + r")\b"
    r"|(?P<hon>" + _HONORIFIC + r"\s+" + _NAME + r")\b"
    r"|(?:(?:little|baby|sweet|dear|young|peque[nñ][oa])\s+)?(?P<name>"
    + _NAME
    + r")\b(?!\s*(?:'s\s+)?(?:team|staff|clinic|center|hospital|"
    r"health|medical|family|foundation|program))"
    r")",
    _F,
)
# a care verb whose object is the person cared for; not an offer or a plan
CARE_OBJECT_VERB = re.compile(
    r"\b(?:(?:to\s+)?(?:care|cared|caring)\s+for|(?:take|took|taking|takes)\s+care\s+of|"
    r"look(?:ed|ing)?\s+after|treat(?:ed|ing)?|nurs(?:ed|ing)|tend(?:ed|ing)?\s+to|"
    r"support(?:ed|ing)?|help(?:ed|ing)?\s+(?:care\s+for|heal|recover)|"
    r"(?:trust(?:ed|ing)?|entrust(?:ed|ing)?)\s+us\s+with|"
    r"(?:having|had)\s+(?=\S+\s+(?:here|with us|in our care|on the (?:unit|floor)))|"
    r"cuidar(?:le|la|lo)?|cuidando|cuidamos|cuid[oó]|atender|atendiendo|atendimos|"
    r"atendi[oó]|tratar|tratamos|trat[oó]|acompa[nñ]ar|acompa[nñ]amos|acompa[nñ]ando|"
    r"confiar(?:nos)?\s+(?:el\s+cuidado\s+de|a)|confi[oó]\s+en\s+nosotros\s+(?:para\s+cuidar)?)"
    r"\s+",
    _F,
)
# "we look forward to caring for your mom", "we'd love to care for Ana", "we can treat"
CARE_OFFER_BEFORE = re.compile(
    r"\b(?:look(?:ing)? forward to|would (?:love|like|be (?:happy|glad|honou?red)) to|"
    r"we'd (?:love|like|be happy) to|can|could|able to|ready to|here to|available to|"
    r"offer(?:s)? to|want to|hope to|plan to|if|when|whenever|anyone|we offer|we provide|"
    r"podemos|podr[ií]amos|nos encantar[ií]a|queremos|estamos listos para|si)\b[^.!?;]{0,25}$",
    _F,
)
# "your wife is with us in Room 12", "su papá está en la habitación 4"
PRESENCE = re.compile(
    r"\b" + _POSS + r"\s+" + KIN + r"(?:'s)?\s+(?:is|was|has been|will be|'s|est[aá]|"
    r"estuvo|sigue)\s+(?:(?:still|now|resting|comfortable|comfortably|safely|ya|todav[ií]a|c[oó]mod[oa])\s+){0,2}"
    r"(?:(?:with us|here|in our care|con nosotros|aqu[ií])\s+)?"
    r"(?:in|on|at|en)\s+(?:the\s+|our\s+|la\s+|el\s+|nuestr[oa]\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:room|rm\.?|bed|bay|unit|ward|floor|suite|wing|icu|nicu|habitaci[oó]n|cuarto|cama|"
    r"piso|sala|unidad)\b",
    _F,
)

# --- outcomes and progress ---------------------------------------------------------

# "your heel has finally closed up", "his knee is healing", "su rodilla ya sanó"
BODY_OUTCOME = re.compile(
    r"\b(?P<who>" + _POSS + r"|(?-i:[A-Z][a-z]+)'s)\s+(?:(?:left|right|new|sore|bad|"
    r"izquierd[oa]|derech[oa])\s+)?" + BODY + r"\b"
    r"(?:'s)?\s+(?:[\w'-]+\s+){0,3}?" + OUTCOME + r"\b"
    r"|\b" + BODY + r"\s+(?:de\s+)?" + _POSS + r"\s+(?:\w+\s+){0,2}?" + OUTCOME + r"\b",
    _F,
)
# "six weeks post-ACL", "three days post-op", "a month out from surgery"
POST_PROCEDURE = re.compile(
    r"\b(?:\w+\s+)?(?:days?|weeks?|wks?|months?|years?|d[ií]as|semanas|meses)\s+"
    r"(?:post[- ]?(?:op|surgery|partum|[a-z]{2,})|out from (?:the\s+|your\s+|his\s+|her\s+)?"
    r"(?:surgery|op|procedure|operation|transplant|delivery|replacement|repair)|"
    r"(?:after|since)\s+(?:the\s+|your\s+|his\s+|her\s+)(?:surgery|op|procedure|operation|"
    r"transplant|delivery|replacement|repair)|despu[eé]s de (?:la|su)\s+(?:cirug[ií]a|"
    r"operaci[oó]n|intervenci[oó]n))\b"
    r"|\bpost[- ]?op(?:erative)?\b",
    _F,
)
# "already jogging", "walking again", "back on the court so soon after everything"
PROGRESS = re.compile(
    r"\b(?:already|finally|now)\s+(?:back\s+)?(?:jogging|running|walking|skating|dancing|"
    r"swimming|driving|lifting|climbing|biking|cycling|hiking|playing|training|"
    r"back (?:on|at|in|to))\b"
    r"|\b(?:jogging|running|walking|skating|dancing|swimming|driving|lifting|climbing|"
    r"biking|cycling|hiking|playing|training|eating|sleeping|breathing|talking|standing)\s+"
    r"(?:on (?:it|(?:his|her|your|their) own)\s+)?(?:again|without (?:pain|the (?:cane|"
    r"walker|crutches|brace)))\b"
    r"|\bback\s+(?:on|at|in|to)\s+(?:the|your|his|her|their)\s+[\w-]+\s+(?:\w+\s+){0,2}?"
    r"(?:so soon|already|after (?:everything|all (?:that|this|of that))|again)\b"
    r"|\bso soon after (?:everything|all (?:that|this|of that)|(?:the|your|his|her) "
    r"(?:surgery|accident|injury|fall|procedure|operation|break|fracture))\b"
    r"|\b(?:caminando|corriendo|jugando|bailando|nadando|manejando)\s+(?:de nuevo|otra vez|"
    r"sin dolor)\b|\bya\s+(?:camina|corre|juega|baila|nada|maneja)\b",
    _F,
)
# "helped you heal", "glad we could help your mom recover", "ayudarle a recuperarse"
HELP_RECOVER = re.compile(
    r"\b(?:help|helped|helping|get|got|getting)\s+(?:you|him|her|them|"
    + _POSS
    + r"\s+"
    + KIN
    + r"|(?-i:[A-Z][a-z]+))\s+(?:to\s+)?(?:heal|recover|get (?:better|well|stronger)|"
    r"feel (?:better|like (?:yourself|himself|herself))|walk again|back on (?:your|his|her|"
    r"their) feet|through (?:recovery|rehab|treatment|surgery|labor|delivery))\b"
    r"|\bayud(?:arle|arla|arlo|arte|amos|[oó])\s+(?:a\s+)?(?:su\s+\w+\s+a\s+)?"
    r"(?:sanar|recuperarse|mejorar|caminar de nuevo)\b",
    _F,
)
# a person's state: "he's thriving at home", "your mom is recovering", "she's on the mend"
_SUBJECT = r"(?:he|she|they|you|(?-i:[A-Z][a-z]+)|" + _POSS + r"\s+(?:little\s+)?" + KIN + r")"
PERSON_STATE = re.compile(
    r"\b(?P<subject>"
    + _SUBJECT
    + r")(?:'s|'re|\s+is|\s+are|\s+was|\s+were|\s+has been|\s+have been|"
    r"\s+seems?|\s+looks?|\s+keeps?)\s+(?:\w+\s+)?(?:thriving|recovering|healing|on the mend|"
    r"getting stronger|bouncing back|back on (?:his|her|their|your) feet|back to "
    r"(?:him|her|them|your)sel(?:f|ves))\b"
    r"|\b(?:se\s+)?(?:est[aá]|sigue)\s+(?:recuper[aá]ndose|mejorando|sanando|"
    r"cicatrizando)\b",
    _F,
)
# "your numbers are looking better", "her levels are trending down"
NUMBERS = re.compile(
    r"\b" + _POSS + r"\s+(?:[\w-]+\s+)?(?:numbers|levels|counts?|readings|sugars?|"
    r"a1c|blood pressure|bp|cholesterol|labs|values|vitals|weight|n[uú]meros|niveles|"
    r"valores|az[uú]car|presi[oó]n)\s+(?:are|is|were|was|have been|has been|son|est[aá]n?|"
    r"van)\s+(?:\w+\s+)?(?:looking|trending|coming|getting|holding|going)?\s*(?:better|"
    r"down|up|good|great|stable|steady|improved|improving|in range|normal|mejor|bien|"
    r"estables?|mejorando|bajando)\b"
    r"|\b(?:numbers|levels|counts|readings|labs|a1c)\s+(?:are|were)\s+(?:looking|"
    r"trending)\s+(?:so\s+much\s+)?(?:better|good|great)\b",
    _F,
)
# "glad we could pin down the thyroid issue", "we finally figured out what was causing"
FOUND_CAUSE = re.compile(
    r"\b(?:we|our team|the doctor|dr\.?\s+\w+|they)\s+(?:\w+\s+){0,2}?(?:pin(?:ned)?\s+down|"
    r"figure(?:d)?\s+out|get\s+to\s+the\s+bottom\s+of|got\s+to\s+the\s+bottom\s+of|"
    r"track(?:ed)?\s+down|identif(?:y|ied)|diagnos(?:e|ed)|rule(?:d)?\s+out|catch|caught|"
    r"find|found|sort(?:ed)?\s+out|solve(?:d)?)\s+(?:the|your|his|her|their|what(?:'s| was| "
    r"is)\s+(?:causing|behind))\s*(?P<rest>(?:[\w-]+\s+){0,3}?)(?:issue|problem|cause|"
    r"culprit|trouble|pain|infection|condition|thing|rash|ache|cough|symptoms?|"
    r"(?=your|his|her|the))",
    _F,
)
# admin problems that are not care: "we sorted out the billing issue"
NOT_CARE_ISSUE = re.compile(
    r"\b(?:billing|bill|parking|wifi|wi-fi|website|web|portal|login|app|phone|scheduling|"
    r"payment|account|insurance|invoice|statement|food|cafeteria|noise|elevator|door|"
    r"hvac|heating|cooling|shuttle|signage|printer|system|email|mail|technical|it|"
    r"password|software|calendar|booking|delivery|order|shipping|refund)\b",
    _F,
)

# --- staff and future visits ---------------------------------------------------------

# "Dr. Adams says keep up the walking", "Nurse Alma still talks about his fishing
# stories", "Ms. Patel is so proud of him", "Marisa says she's thriving"
STAFF_SAYS_AFTER = re.compile(
    r"^\s*(?:,[^,]{1,40},\s*)?(?:still\s+|also\s+|really\s+|just\s+|always\s+)?"
    r"(?:says|said|wants you to|asked (?:about|after)|asks (?:about|after)|talks about|"
    r"talked about|mentions|mentioned|remembers|misses|sends|sent|told|tells|wanted|"
    r"is (?:so |very |really )?(?:proud|thrilled|happy|glad|delighted)|was (?:so |very |"
    r"really )?(?:proud|thrilled|happy|glad|delighted)|can't stop talking|keeps talking|"
    r"loved|loves|enjoyed|dice|dijo|pregunt[oó] por|pregunta por|manda|env[ií]a|recuerda|"
    r"est[aá] (?:muy )?(?:orgullos[oa]|feliz|content[oa])|(?:la|lo|le|los|las)\s+"
    r"(?:ver[aá]|veremos|espera|esperamos|recibir[aá]|atender[aá]))\b",
    _F,
)
# the speech is about this person: a pronoun, "you", a relative, or an instruction
ABOUT_PERSON = re.compile(
    r"\b(?:you|your|him|his|her|hers|them|their|he|she|they|usted|su|sus|la|lo|le)\b"
    r"|^\s*(?:says|said|dice|dijo)\s+(?:to\s+|que\s+)?(?:keep|stay|continue|take|try|don't|do not|"
    r"remember|no more|avoid|rest|ice|walk|stretch|hydrate|siga|contin[uú]e|tome|evite|"
    r"descanse)\b",
    _F,
)
# a possessed clinician role before a name: "her therapist, Marisa", "su audióloga, la
# Dra. Vega", "his nurse, Alma"
STAFF_OF_PERSON_BEFORE = re.compile(
    r"\b(?:his|her|their|su|sus)\s+(?:[\w-]+\s+){0,2}?(?:nurse|doctor|physician|surgeon|"
    r"therapist|dentist|hygienist|provider|pharmacist|technician|tech|midwife|doula|"
    r"counselor|psychiatrist|psychologist|clinician|specialist|coordinator|navigator|"
    r"aide|caregiver|pediatrician|audiologist|optometrist|dietitian|nutritionist|"
    r"enfermer[oa]|m[eé]dic[oa]|doctora|terapeuta|coordinador[a]?|cuidador[a]?|"
    r"audi[oó]log[oa]|dentista|fisioterapeuta|pediatra|nutri[oó]log[oa]|psic[oó]log[oa])"
    r"\s*,?\s*(?:(?:la|el)\s+)?$",
    _F,
)
# a future visit of this person: "see you in 6 months for your touch-up", "we'll see you
# at your next cleaning", "la verá de nuevo en agosto"
FUTURE_VISIT = re.compile(
    r"\bsee\s+(?:you|him|her|them|(?-i:[A-Z][a-z]+))\s+(?:again\s+|back\s+)?"
    r"(?:(?:in|within)\s+(?:\d+|a|an|one|two|three|four|five|six|eight|nine|ten|twelve|"
    r"a few|several|a couple(?: of)?)\s+(?:days?|weeks?|months?|years?)\b"
    r"(?:\s+for\s+(?:your|his|her|their|a|the)\s+[\w-]+)?"
    r"|(?:next\s+\w+\s+)?for\s+(?:your|his|her|their)\s+(?:next\s+|follow-?up\s+|"
    r"\w+\s+)?[\w-]+"
    r"|at\s+(?:your|his|her|their)\s+(?:next\s+|follow-?up\s+|\w+\s+)?[\w-]+)"
    r"|\b(?:le|la|lo|te|los|las)\s+(?:veremos|ver[aá]|vemos|esperamos|esperaremos|"
    r"recibiremos|atenderemos|atender[aá])\s+(?:de nuevo|otra vez|nuevamente|pronto para|"
    r"en (?:su|tu) (?:pr[oó]xim[oa]|siguiente)|dentro de|para (?:su|tu))\b",
    _F,
)
# "see you at your next meeting/shift/game": not a visit
NOT_VISIT_WORD = re.compile(
    r"\b(?:event|gala|party|meeting|shift|game|class|reunion|fundraiser|race|run|walk|"
    r"concert|show|orientation|interview|training|volunteer\w*|evento|reuni[oó]n|"
    r"entrevista|fiesta|carrera)\b",
    _F,
)

# --- offers and prices -----------------------------------------------------------------

# "Botox is $12 per unit this month", "consultations are always free", "20% off": a
# public offer, not this person's bill
PRICE_OFFER = re.compile(
    r"\bper\s+(?:unit|syringe|session|visit|area|treatment|vial|month|class)\b|"
    r"\b\d+\s?%\s?off\b|\bdiscount(?:ed|s)?\b|\b(?:promo(?:tion)?s?|specials?|deals?|"
    r"pricing|price list)\b|\b(?:always|are|is)\s+(?:completely\s+)?free\b|"
    r"\bfree\s+consultations?\b|\bthis month only\b|\bstarting at\s+[$€£]|"
    r"\bonly\s+[$€£]\s?\d|\bprecio|\bpor\s+unidad\b|\bdescuento|\bpromoci[oó]n\b|"
    r"\bgratis\b|\bsiempre\s+gratuit[oa]s?\b"
    r"|\b(?:is|are|costs?|runs?|cuesta|cuestan|son|vale|valen|for just|for only|por s[oó]lo)\s+"
    r"(?:just\s+|only\s+|s[oó]lo\s+)?[$€£]\s?\d",
    _F,
)
# a bill of this person, not a price list: "you were charged", "your balance"
PERSONAL_BILL = re.compile(
    r"\b(?:charged|billed|paid|owe[sd]?|balance|statement|invoice|refund(?:ed)?|"
    r"copay|deductible|cobr\w*|pag[oó]|saldo|factura)\b",
    _F,
)

__all__ = [name for name in dir() if name.isupper()]
