"""Regular expressions for the deterministic part of the screen: dates, identifiers,
whose phone or e-mail a reply gives, organisation names, sentence boundaries, and the
sentence cues those rules need ("call us at", "we called you at", "anyone").

Whether a reply discloses care is the classifier's decision, not a pattern's.
All patterns run on normalised text with ``re.IGNORECASE`` unless noted.
"""

from __future__ import annotations

import re

_F = re.IGNORECASE

# --- people and sentence cues ------------------------------------------------

SECOND_PERSON = re.compile(
    r"\b(?:you|your|yours|yourself|ya|ur|usted|ustedes|su|sus|le|les|te|tu|tus|ti|contigo)\b",
    _F,
)

# health promotion: "don't forget to schedule your mammogram", "so get your flu shot"
_PROMOTION = (
    r"(?:^\W*|[.!?]\s*|\b(?:to|please|remember to|don't forget to|time to|now|so|and|be sure "
    r"to|make sure to)\s+)(?:get|book|schedule|make|request|programe|agende|reserve)"
)

# "you" that says nothing about the reader's care
GENERIC_YOU = re.compile(
    r"\b(?:thank(?:s)?\s+you|thank-you|see you (?:there|soon|at (?:the|our|next))|"
    r"(?:let|help|invite|welcome|remind|encourage|assure|serve|update|inform)\s+you|"
    r"you(?:'re| are) welcome|for you and your family)\b"
    r"|" + _PROMOTION + r"\s+your\b",
    _F,
)

POLICY = re.compile(
    r"\b(?:privacy|private(?:ly)?|confidential(?:ity)?|hipaa|privacidad|confidencialidad)\b"
    r"|\b(?:can't|cannot|can not|unable to|not able to|aren't able to|are not able to|"
    r"won't|will not|never|don't|do not|may not|not allowed to|not permitted to|"
    r"(?:doesn't|does not|don't|do not) (?:allow|permit) us to|prevents? us from|keeps? us "
    r"from|prohibits? us from|no (?:podemos|es posible|nos permite))\s+(?:\w+\s+){0,3}?"
    r"(?:discuss(?:ing)?|confirm(?:ing)?|shar(?:e|ing)|disclos(?:e|ing)|comment(?:ing)?|"
    r"acknowledg(?:e|ing)|respond(?:ing)?|speak(?:ing)? (?:to|about|for)|review(?:ing)?|"
    r"talk(?:ing)? about|identify(?:ing)?|release|hablar|confirmar|compartir|comentar|"
    r"revelar|dar informaci[oó]n)\b"
    r"|\bwhether (?:or not )?(?:anyone|someone|a person|any person|any individual|they|you) "
    r"(?:is|are|was|were|has|have|received|receives)\b"
    r"|\b(?:ning[uú]n caso|casos? individual(?:es)?|en particular)\b"
    r"|\b(?:(?:we|you|they) can only|(?:we|you|they) may only|(?:we|you|they) are only "
    r"(?:able|allowed|permitted) to|only (?:with|to) the patient|(?:s[oó]lo|solamente|"
    r"[uú]nicamente)\s+(?:\w+\s+)?(?:podemos|puede|pueden|se puede|es posible|nos permite))\s+"
    r"(?:\w+\s+){0,2}?(?:share|discuss|release|disclose|give out|talk about|speak about|"
    r"compartir|hablar|dar|revelar|divulgar|entregar|comentar|proporcionar)\b"
    r"|\b(?:by law|under (?:federal |state )?law|the law (?:allows|requires|permits|prohibits|"
    r"says)|por ley|la ley (?:nos )?(?:permite|exige|obliga|proh[ií]be|establece)|"
    r"seg[uú]n la ley|de acuerdo con la ley)\b",
    _F,
)

GENERIC = re.compile(
    r"\b(?:anyone|anybody|everyone|everybody|any (?:patient|person|individual|one|family|"
    r"child|adult|member|statement|account|order)s?|all (?:patients|families|visitors|ages|"
    r"our patients)|every (?:patient|family|visitor|one)|most (?:patients|people|carriers|"
    r"plans|insurers|cases)|many (?:patients|people|families)|some (?:patients|people)|"
    r"patients who|people who|those who|families who|if you(?:'re| are| have|'ve| need)?|"
    r"whether you|you can|you may|cualquier(?:a)?|todos los pacientes|si usted|"
    r"si (?:tiene|tienes|presenta|presentas|necesita|necesitas|siente|sientes|desea|deseas)|"
    r"the patient (?:or|and|has|have|may|must|can)|(?:el|la) paciente "
    r"(?:o|y|haya|pueda|puede|debe|tiene)|un paciente|las personas que|the people (?:who|"
    r"that|the patient)|c[oó]mo (?:hacer|solicitar|pedir|obtener|tramitar|llenar|completar|"
    r"dar|otorgar|autorizar|firmar)|how to (?:set up|request|submit|file|complete|fill out|"
    r"sign|give|authorize)|"
    r"to (?:confirm|verify|check|see|find out|learn)(?: whether| if)?|"
    r"(?:most|many|all|some|few)\s+(?:[\w-]+\s+)?[\w-]+s|la mayor[ií]a de|"
    r"(?:every|each)\s+\w+|at (?:all|any) (?:of )?(?:our )?\w+|usually|typically|generally|"
    r"normally|often|in general|as a rule|por lo general|normalmente)\b"
    r"|^\W*(?:please\s+)?(?:call|contact|ask|visit|bring|check|email|text|book|schedule|"
    r"sign up|stop by|reach out|l[lá]menos|llame|visite|traiga)\b",
    _F,
)

CONTACT = re.compile(
    r"\b(?:call|calling|reach|contact|email|e-mail|write|text|phone|dial|message|"
    r"speak (?:with|to)|talk (?:with|to)|reach out|get in touch|connect with|ask for|"
    r"available|welcomes?|would (?:like|love) to (?:talk|speak|hear|listen|connect)|"
    r"happy to (?:talk|speak|help|discuss|listen)|glad to (?:talk|help|listen)|"
    r"ll[aá]menos|llame|comun[ií]quese|cont[aá]ctenos|escr[ií]banos|hable con|"
    r"le atender[aá]|atenderle|escucharle)\b"
    r"|\b(?:at|al|en el)\s+\+?\(?\d|\boption \d",
    _F,
)


# --- dates and identifiers ---------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre)"
)

_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|"
    r"mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)"
)

_TIME = r"\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)"

DATE = re.compile(
    r"\b" + _MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?:,?\s+\d{4})?"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+|de\s+)?" + _MONTH + r"\b(?:,?\s+(?:de\s+)?\d{4})?"
    r"|\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:/(?:\d{4}|\d{2}))?\b"
    r"|\b(?:0?[1-9]|1[0-2])[-.](?:0?[1-9]|[12]\d|3[01])[-.](?:\d{4}|\d{2})\b"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?:(?:last|this|next|on|that|this past|el|este|pasado|pr[oó]ximo)\s+)?"
    + _WEEKDAY
    + r"(?!s)\b(?:\s+the\s+\d{1,2}(?:st|nd|rd|th))?(?:,?\s+(?:at\s+)?"
    + _TIME
    + r")?"
    r"|\b(?:yesterday|tonight|tomorrow|this (?:morning|afternoon|evening|past week)|"
    r"last (?:night|week|month|visit|time|year)|that (?:morning|afternoon|evening|night|day)|"
    r"the other day|earlier (?:today|this week)|(?:two|three|four|a few|\d+)\s+(?:days|weeks|"
    r"months)\s+ago|on the \d{1,2}(?:st|nd|rd|th)|ayer|anoche|ma[nñ]ana|esta ma[nñ]ana|"
    r"la semana pasada|el mes pasado)\b(?:\s+at\s+" + _TIME + r"|\s+at\s+\d{1,2}\b)?"
    r"|\b(?:at\s+)?" + _TIME + r"\b"
    r"|\btoday\b",
    _F,
)

_ID_LABEL = (
    r"(?:m[\s.]{0,2}r[\s.]{0,2}n\b\.?|medical record (?:number|no\.?|#)|record (?:number|no\.?|#)|"
    r"chart (?:number|no\.?|#)|patient (?:id|number|no\.?|#)|account(?: (?:number|no\.?|#))?|"
    r"acct\.?(?: (?:number|no\.?|#))?|statement|invoice|claim|case|member (?:id|number|no\.?)|"
    r"policy (?:number|no\.?)|subscriber (?:id|number)|group (?:number|no\.?)|rx|"
    r"prescription (?:number|no\.?|#)|order|accession|specimen|encounter|visit (?:id|number)|"
    r"custody (?:control )?form|ccf|requisition|collection (?:id|number)|"
    r"reference|ref\.?|confirmation|ticket|expediente|historia cl[ií]nica|"
    r"n[uú]mero de (?:expediente|cuenta|paciente|p[oó]liza|afiliado|seguro)|cuenta|"
    r"ssn|social security(?: number)?|driver'?s license|license|medicare (?:id|number)|"
    r"medicaid (?:id|number)|insurance id|id)"
)

IDENTIFIER = re.compile(
    r"\b" + _ID_LABEL + r"\s*(?:#|no\.?|number|n[uú]m(?:ero|\.)?|nro\.?|n[º°o]\.?)?\s*[:#]?\s*"
    # a tail only: "ends 4471", "ending in 4471", "last four 4471", "terminada en 4471"
    r"(?:(?:(?:that\s+|which\s+)?(?:ends?|ending)(?:\s+(?:in|with))?\s*:?\s+"
    r"|\(?last\s+(?:four|4)(?:\s+digits)?\)?\s*:?\s*"
    r"|(?:que\s+)?termina(?:da|do)?\s+en\s+)(?!(?:19|20)\d\d\b)"
    r"|(?:(?:is|was|es|de|=)\s+)?)"
    r"(?:(?-i:[A-Z]{1,4})-?)?\d[\d\s-]{2,}\d\b"
    r"|#\s?[A-Z]{0,4}-?\d{4,}\b"
    r"|\b\d{3}-\d{2}-\d{4}\b",
    _F,
)

# the organisation's own reference for a complaint, a review or a job opening ("complaint
# ref: PX-23115", "we've opened ticket #ML-55019", "logged this review under reference
# …", "Req. #…"): what precedes the number of a complaint or a job, not of a patient
ORG_REFERENCE = re.compile(
    r"(?:\b(?:complaint|feedback|grievance|ticket|queja|reclamo|reclamaci[oó]n|incidencia)"
    r"(?:\s+(?:ticket|ref(?:erence)?\.?|number|no\.?|id|n[uú]mero))?"
    r"|\b(?:n[uú]mero|folio|referencia)\s+de\s+(?:queja|reclamo|reclamaci[oó]n|incidencia)"
    r"|\b(?:review|rese[ñn]a|comment|comentario)\b"
    r"(?:(?!\b(?:your|su|sus|tu|tus)\b)[^.!?\n]){0,25}"
    r"\b(?:ref(?:erence)?\.?|referencia|number|n[uú]mero)"
    r"|\b(?:req(?:uisition)?\.?|job(?:\s+(?:id|posting|opening|number|no\.?))?|vacante|"
    r"plaza|convocatoria))"
    r"\s*(?:#|no\.?|number)?\s*[:#]?\s*$",
    _F,
)

# a bare reference label in a sign-off or footer ("Ref: QA-88-1207", "Ticket for this
# post: CS-5521", "Folio 7730"), or a case for this review; the organisation's own,
# unless a possessive or a record word comes before it (``REFERENCE_OF_A_PERSON``).
# A bare "case #…" stays an identifier: it may be a billing or clinical case.
ORG_REFERENCE_BARE = re.compile(
    r"\b(?:(?:ref(?:erence)?|referencia|ticket|folio)\.?"
    r"|(?:ticket|case|caso|ref(?:erence)?|referencia|folio)\s+(?:for|on|of|de|para|del)\s+"
    r"(?:(?:this|that|the|este|esta|el|la)\s+)?(?:thread|post|review|comment|conversation|"
    r"message|chat|hilo|publicaci[oó]n|comentario|rese[ñn]a|conversaci[oó]n|mensaje))"
    r"\s*(?:#|no\.?|number|n[uú]m(?:ero|\.)?|nro\.?|n[º°o]\.?)?\s*[:#]?\s*(?:[A-Z0-9]{1,6}-)*$",
    _F,
)
REFERENCE_OF_A_PERSON = re.compile(
    r"\b(?:your|yours|his|her|their|su|sus|tu|tus|account|cuenta|claim|"
    r"chart|records?|expediente|visit|appointment|cita|bill|factura|statement|invoice|"
    r"prescription|receta|orders?|orden|mrn|member|policy|p[oó]liza)\b",
    _F,
)

IDENTIFIER_WEAK = re.compile(r"\b[A-Z]{2,4}-\d{4,}\b|\b\d{8,}\b")

DOB = re.compile(
    r"\b(?:d[\s.]{0,2}o[\s.]{0,2}b\b\.?|date of birth|birth ?date|birthday|born(?: on)?|"
    r"fecha de nacimiento|f\. de nac\.?|nacid[oa] el)"
    r"(?:\s+(?:on file|in (?:our|the) (?:system|records?|chart)|we have|listed|registrada?|"
    r"en (?:el|su) expediente))?\s*[:,\-]?\s*(?:is\s+|was\s+|es\s+|el\s+|of\s+)?"
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|" + _MONTH + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|"
    r"\d{1,2}\s+(?:de\s+)?" + _MONTH + r",?\s+(?:de\s+)?\d{4}|\d{4}-\d{2}-\d{2})",
    _F,
)

PHONE = re.compile(
    r"(?<![\w.-])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])?\d{3}[\s.-]\d{4}(?![\w-])"
    r"(?:\s*(?:ext\.?|x)\s*\d{1,5})?"
    r"|(?<![\w.-])\+\d{1,3}[\s.-]?\d{1,4}(?:[\s.-]\d{2,4}){2,4}(?![\w-])",
    _F,
)

URL = re.compile(
    r"\b(?:https?://)?(?:www\.)?(?:[a-z0-9-]+\.)+(?:com|org|net|edu|gov|health|care|clinic|"
    r"io|us|co|mx|es|info|biz|med|hospital|dental|md)\b(?:/[^\s,;)]*)?",
    _F,
)

URL_PERSONAL = re.compile(r"[?&](?:patient|mrn|pid|dob|member|acct|account|name)\w*=", _F)

ADDRESS = re.compile(
    # a house number: not the 7 of "24/7", not followed by "in", "at", ..., and not a
    # time of day ("4 p.m. Please don't drive", "9 a.m. with Dr.")
    r"(?<![/\d])\b\d{1,6}\s+(?!(?:in|at|on|to|of|by|for|and|or|per)\s|[ap]\.?m\b)"
    r"(?:[A-Z][\w.'-]*\s+){1,4}(?:street|st|avenue|ave|road|rd|boulevard|blvd|"
    r"lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|circle|cir|parkway|pkwy|trail|trl)"
    r"\b\.?(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*\w+)?"
    r"|\b(?:calle|avenida|av\.|camino|privada|colonia|col\.)\s+(?:[\w.'-]+\s+){1,4}?"
    r"(?:#|no\.?|n[uú]m\.?)?\s*\d{1,5}\b",
    re.IGNORECASE,
)


# --- whose contact is it -----------------------------------------------------

# the public sends things to the address: "gifts can be mailed to", "please send it to"
ADDRESS_ORG_DESTINATION = re.compile(
    r"\b(?:can|may|could|should)\s+(?:also\s+)?be\b[^.!?]*\b(?:mailed|sent|delivered|"
    r"dropped off|brought|returned)\s+(?:\w+\s+){0,2}?(?:to|at)\s*$"
    r"|\b(?:please\s+)?(?:mail|send|bring|drop off|return)\s+(?:it|them|your|any|all|the)?"
    r"\s*(?:\w+\s+){0,2}?(?:to|at)\s*$"
    r"|\b(?:pueden?|puedes)\s+(?:\w+\s+){0,3}?(?:enviar\w*|mandar\w*|entregar\w*)\s+"
    r"(?:\w+\s+){0,2}?(?:a|en)\s*$|\benv[ií]e(?:l[oa]s?)?\s+(?:\w+\s+){0,2}?a\s*$",
    _F,
)
ADDRESS_PATIENT_CUE = re.compile(
    r"\b(?:your|su|tu)\s+(?:\w+\s+)?(?:home|house|address|apartment|residence|place|"
    r"domicilio|direcci[oó]n|casa)\b|\b(?:mailed|sent|delivered|shipped|drove|came)\s+"
    r"(?:\w+\s+){0,3}?to\s+(?:you at|your)\b|\bwhere you live\b"
    r"|\b(?:went|drove|stopped|came|arrived|knocked|visited|delivered|mailed|sent)\b"
    r"(?:\s+\w+){0,2}?\s+(?:to|at|by)\s*$",
    _F,
)

PHONE_PATIENT_BEFORE = re.compile(
    r"\b(?:we|i|the \w+|our \w+|they|(?:s)?he)\s+(?:(?:have|had|'ve)\s+)?(?:called|phoned|"
    r"texted|rang|dialed|messaged|tried(?: calling| to call| to reach)?|reached out|"
    r"left (?:a |you a )?(?:message|voicemail|text)(?: for you)?)\s+(?:\w+\s+){0,2}?"
    r"(?:at|on|to)\s*$"
    r"|\b(?:called|phoned|texted|dialed|rang|messaged|faxed)\s*$"
    r"|(?:call(?:ed|ing)?|phon(?:e|ed)|text(?:ed)?|rang|ring|reach(?:ed)?|tr(?:y|ied)(?: to "
    r"(?:call|reach))?|left (?:you )?(?:a )?(?:message|voicemail)(?: for you)?|contact(?:ed)?|"
    r"dial(?:ed)?|messag(?:e|ed)|follow up with|get back to)\s+you\s+(?:back\s+)?(?:at|on)"
    r"\s*$"
    r"|\b(?:your|su|tu)\s+(?:\w+\s+){0,2}(?:number|phone|cell|mobile|line|tel[eé]fono|celular|"
    r"n[uú]mero)\b"
    r"|\b(?:number|phone)\s+(?:on|in)\s+(?:your\s+)?(?:file|chart|record|account)\b"
    r"|\b(?:we have on file|on file|you gave us|you provided|you listed|you left)\b"
    r"|\b(?:le|te|les)\s+(?:llamamos|llam[oó]|marcamos|escribimos|mandamos|enviamos|dejamos|"
    r"texteamos)(?:\s+(?:un|una|el|dos)?\s*(?:sms|mensajes?|mensajito|texto|whatsapp|recado|"
    r"recordatorio|correo))?\s+(?:al|a)\b",
    _F,
)

CONTACT_ORG_BEFORE = re.compile(
    r"\b(?:call|reach|contact|text|phone|dial|ring|write(?: to)?|email|e-mail|message|"
    r"ask for)\s+(?:us|our|the|me|them|him|her)\b"
    r"|\b(?:call|text|dial|phone|ring|fax|write|email|e-mail|message|contact)\s*(?:us\s*)?"
    r"(?:at|on|to)?\s*$"
    r"|\b(?:our|the|this)\s+(?:[\w&'-]+\s+){0,5}?(?:team|office|line|desk|department|center|"
    r"clinic|pharmacy|practice|manager|coordinator|advocate|director|administrator|liaison|"
    r"specialists?|counselor|nurse line|hotline|scheduler|scheduling|billing|front desk|"
    r"help desk|staff|recruiter|representative|concierge|receptionist|main number|"
    r"number|hospital|lab)\b"
    r"|\b(?:ll[aá]menos|llame|comun[ií]quese|cont[aá]ctenos|escr[ií]banos|nuestr[oa]s?)\b"
    r"|\b(?:escr[ií]ba(?:nos)?|env[ií]e(?:nos)?|m[aá]nde(?:nos)?)(?:\s+un\s+correo)?\s+al?\s*$"
    r"|\b(?:us|we)\s+(?:at|on)\s*$",
    _F,
)

EMAIL_PATIENT_BEFORE = re.compile(
    r"\b(?:your|su|tu)\s+(?:\w+\s+){0,2}(?:e-?mail|address|correo)\b"
    r"|\b(?:emailed|e-mailed|wrote|sent|messaged|replied|writing|write|reply|contact(?:ed)?|"
    r"reach(?:ed)?)\s+(?:\w+\s+){0,3}?(?:to\s+)?you\s+(?:at|on)\s*$"
    r"|\b(?:on file|you gave us|you provided|you listed|you used)\b",
    _F,
)


# --- organisation names ------------------------------------------------------

_ORG_WORDS = (
    r"Pharmacy|Pharmacies|Dental|Dentistry|Clinics?|Health|Healthcare|Medical|Medicine|"
    r"Eye|Eyecare|Optical|Optometry|Optometric|Vision|Pediatrics|Paediatrics|Hospitals?|"
    r"Cent(?:er|re)s?|Group|Studio|Wellness|Physio|Physiotherapy|Rehab|Rehabilitation|"
    r"Cardiology|Orthopa?edics|Orthodontics|Dermatology|Labs?|Laborator(?:y|ies)|Urgent|"
    r"Smiles?|Spa|MedSpa|Institute|Foundation|Associates|Partners|Practice|Ortho|"
    r"Aesthetics|Hearing|Audiology|Chiropractic|Therapy|Therapies|Surgery|Surgical|"
    r"Imaging|Diagnostics|Radiology|Oncology|Fertility|Vet|Veterinary|Cl[ií]nica|Farmacia|"
    r"Consultorio|Laboratorio|[OÓ]ptica|Instituto|Grupo|Centro|Salud|Sonrisas?"
)

# "Sunrise Pharmacy", "Jordan Dental", "Brightview's optical shop": a name followed by an
# organisation word is the organisation's, not a person's
ORG_WORD_AFTER = re.compile(
    r"^(?:'s|’s)?[ \t]+(?:[A-Z][\w&-]*[ \t]+)?(?:" + _ORG_WORDS + r")\b"
    r"|^(?:'s|’s)[ \t]+(?:optical|dental|pharmacy|clinic|eye|vision|hearing|urgent|"
    r"medical|practice|offices?|shops?|stores?|locations?)\b"
)

# "Clínica Sol", "Farmacia San Juan": an organisation word before the name
ORG_WORD_BEFORE = re.compile(
    r"\b(?:Cl[ií]nica|Farmacia|Centro(?:[ \t]+M[eé]dico)?|Hospital|[OÓ]ptica|Consultorio|"
    r"Laboratorio|Instituto|Grupo)(?:[ \t]+(?:Dental|M[eé]dic[oa]|Familiar))?[ \t]+$"
)


# --- sentences ---------------------------------------------------------------


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences and clauses (split at . ! ? ; : and line breaks, not abbreviations)."""
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        boundary = False
        if ch == "\n":
            boundary = True
        elif ch in "!?;" or (ch == ":" and i + 1 < n and text[i + 1] == " "):
            boundary = True
        elif ch == "." and (i + 1 >= n or text[i + 1] in " \n\"')"):
            word = re.search(r"(\w+)$", text[max(start, i - 24) : i])
            w = word.group(1).lower() if word else ""
            if w not in _ABBREVIATIONS and not (len(w) == 1 and w.isalpha()):
                boundary = True
        if boundary:
            j = i + 1
            while j < n and text[j] in "!?.;:\"') ":
                j += 1
            if text[start:j].strip():
                spans.append((start, j))
            start = j
            i = j
            continue
        i += 1
    if text[start:].strip():
        spans.append((start, n))
    return spans


_ABBREVIATIONS = frozenset(
    {
        "dr",
        "dra",
        "mr",
        "mrs",
        "ms",
        "mx",
        "sr",
        "sra",
        "srta",
        "st",
        "jr",
        "prof",
        "rev",
        "vs",
        "etc",
        "approx",
        "no",
        "lic",
        "ud",
        "uds",
        "av",
        "col",
        "dept",
        "ste",
        "apt",
        "inc",
        "ltd",
        "co",
        "mt",
        "ft",
        "ave",
        "blvd",
        "rd",
        "ext",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
    }
)


__all__ = [name for name in dir() if name.isupper()] + ["sentence_spans"]
