"""Regular expressions for care-relationship phrases, dates, identifiers and cues.

These are general phrasings of English and Spanish replies, not examples: "we saw
you", "our records show", "you missed two appointments", "la doctora le explicó".
Vocabulary (what counts as a condition, a test, an insurer…) lives in ``data/``.
All patterns run on normalised text with ``re.IGNORECASE`` unless noted.
"""

from __future__ import annotations

import re

_F = re.IGNORECASE

# --- people ---------------------------------------------------------------------

SECOND_PERSON = re.compile(
    r"\b(?:you|your|yours|yourself|ya|ur|usted|ustedes|su|sus|le|les|te|tu|tus|ti|contigo)\b",
    _F,
)
# health promotion: "don't forget to schedule your mammogram", "so get your flu shot"
_PROMOTION = (
    r"(?:^\W*|[.!?]\s*|\b(?:to|please|remember to|don't forget to|time to|now|so|and|be sure "
    r"to|make sure to)\s+)(?:get|book|schedule|make|request|programe|agende|reserve)"
)
PROMOTION = re.compile(_PROMOTION + r"\s+(?:your|su)\s+(?:[\w-]+\s+){0,2}$", _F)
PROMOTION_YOUR = re.compile(_PROMOTION + r"\s+(?:your|su)\s*$", _F)
# "you" that says nothing about the reader's care
GENERIC_YOU = re.compile(
    r"\b(?:thank(?:s)?\s+you|thank-you|see you (?:there|soon|at (?:the|our|next))|"
    r"(?:let|help|invite|welcome|remind|encourage|assure|serve|update|inform)\s+you|"
    r"you(?:'re| are) welcome|for you and your family)\b"
    r"|" + _PROMOTION + r"\s+your\b",
    _F,
)
POSSESSIVE = re.compile(r"\b(?:your|yours|su|sus|tu|tus)\b", _F)

# --- sentence cues ------------------------------------------------------------

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
OFFER = re.compile(
    r"\b(?:we|our(?: \w+){1,3}) (?:now |also |proudly )?(?:offer|offers|provide|provides|"
    r"host|hosts|run|runs|accept|accepts|perform|performs|specialize|specializes|"
    r"are accepting|is accepting|opens|opened|launched|added|are adding|is adding)\b"
    r"|\bwe(?:'re| are)\s+(?:now\s+)?(?:in[- ]network|contracted|participating|a provider)\b"
    r"|\b(?:aceptamos|ofrecemos|contamos con|brindamos|realizamos|atendemos|tenemos)\b"
    r"|\b(?:class|classes|seminar|workshop|course|event|fair|open house|support group|"
    r"webinar|info session|programs?|(?<!date of )services?|pavilion|wing|hiring|"
    r"roles|jobs|careers|recruiter|price list|pricing|fee is|fees are|led by|"
    r"now available|is available to all|community)\b",
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
EMPATHY = re.compile(
    r"\b(?:sorry|apolog\w*|regret|glad|hope|hear(?:ing)?|understand|lament\w*|sentimos|"
    r"disculp\w*|esperamos)\b",
    _F,
)

# --- care relationship ----------------------------------------------------------

_CARE_VERBS_PAST = (
    r"saw|seen|treated|examined|admitted|discharged|diagnosed|prescribed|operated on|"
    r"tested|scanned|x-rayed|vaccinated|sedated|stitched|referred|evaluated|assessed|"
    r"monitored|cared for|took care of|looked after|delivered|billed|charged|"
    r"intubated|triaged|transferred|induced|casted|injected|drew blood from|"
    r"checked on|followed up with"
)
CARE_VERB = re.compile(
    r"\b(?:" + _CARE_VERBS_PAST + r"|treat|treating|diagnose|prescribe|prescribing|"
    r"performed|placed|removed|extracted|cleaned|drawn|drew|filled|started|discharged|"
    r"recommended|recommend|operated|following|follow|monitoring|completed|done|"
    r"administered|given|gave|ran|sent out|came back|showed|revealed|healed|healing|"
    r"recovering|matched|fitted|adjusted|reset|uploaded|repeated|processed|"
    r"atendimos|atendi[oó]|revis[oó]|oper[oó]|recet[oó]|explic[oó]|tratamos|trat[oó]|"
    r"aplic[oó]|hicimos|realizamos|realiz[oó]|atendid[oa]s?|operad[oa]s?|tratad[oa]s?|"
    r"internad[oa]s?|hospitalizad[oa]s?|diagnosticad[oa]s?|revisad[oa]s?|vacunad[oa]s?|"
    r"estabiliz\w+|dad[oa]s? de alta)\b",
    _F,
)

# phrases that confirm a care relationship on their own
CONFIRM = re.compile(
    r"\b(?:we|i|our (?:\w+ ){0,2}(?:team|staff|doctors?|nurses?|providers?|physicians?|"
    r"surgeons?|dentists?|clinicians?|therapists?|pharmacists?))\s+(?:have\s+|had\s+|'ve\s+)?"
    r"(?:" + _CARE_VERBS_PAST + r")\s+you\b"
    r"|\byou\s+(?:were|was|got|have been|'ve been|had been)\s+(?:\w+\s+)?(?:seen|treated|"
    r"admitted|discharged|diagnosed|prescribed|examined|sedated|intubated|triaged|"
    r"transferred|tested|scanned|x-rayed|vaccinated|operated on|referred|evaluated|induced|"
    r"hospitalized|checked in|in our care|under our care|our patient|a patient (?:here|of ours|"
    r"with us|at)|here (?:for|with|last|on|in|yesterday|today))\b"
    r"|\b(?:our|the)\s+(?:medical\s+)?(?:records?|charts?|files?|notes|system|chart notes)\s+"
    r"(?:show|shows|indicate|indicates|reflect|reflects|say|says|state|states|confirm|"
    r"confirms|note|notes)\b"
    r"|\b(?:according to|in|per|from)\s+(?:our|your)\s+(?:medical\s+)?(?:records?|charts?|"
    r"files?|notes)\b(?!\s+(?:team|department|office|staff|desk|request|line|policy))"
    r"|\bon file\b"
    r"|\byour\s+(?:\w+\s+)?(?:nights?|days?|weeks?)\s+(?:in|on|at)\s+(?:the|our)\s+"
    r"(?:[\w-]+\s+)?(?:floor|unit|ward|hospital|icu|er|wing|center|rehab|facility)\b"
    r"|\b(?:thank(?:s| you)|grateful)\s+(?:\w+\s+){0,2}for\s+(?:coming in|visiting us|your visit|"
    r"choosing us for your|trusting us with your)\b"
    r"|\b(?:when|since|after|before)\s+you\s+(?:came in|were (?:here|in|seen|admitted))\b"
    r"|\b(?:pulled up|pulled|reviewed|looked (?:at|into|up|over)|checked|went (?:over|through)|"
    r"accessed|opened)\s+(?:your|the)\s+(?:\w+\s+)?(?:file|chart|records?|notes|history|"
    r"account|results|case)\b"
    r"|\byou(?:'re| are)\s+(?:\w+\s+)?(?:recovering|healing|feeling better|on the mend|"
    r"doing better|home from)\b(?!\s+about\b)"
    r"|\b(?:le|lo|la|te)\s+(?:atendimos|atendi[oó]|atendieron|vimos|vio|revisamos|revis[oó]|"
    r"operamos|oper[oó]|examinamos|examin[oó]|diagnosticamos|diagnostic[oó]|recetamos|"
    r"recet[oó]|explicamos|explic[oó]|internamos|hicimos|hizo|tratamos|trat[oó]|pusimos|"
    r"puso|aplicamos|aplic[oó]|inyectamos|vacunamos|dimos de alta|dieron de alta)\b"
    r"(?!\s+(?:sentir|sentirse|pasar un|saber|llegar))"
    r"|\b(?:seg[uú]n|en)\s+(?:nuestros|sus)\s+(?:registros|expedientes|archivos)\b",
    _F,
)
# "you had / you got / you chose": a care relationship when the sentence is about care
CONFIRM_IN_CONTEXT = re.compile(
    r"\b(?:the|that|this|your|those|these)\s+(?:[\w'-]+\s+){0,3}?(?:that\s+|which\s+)?"
    r"(?:we|our (?:\w+ ){0,2}(?:team|surgeon|doctor|dentist|staff|nurse|provider))\s+"
    r"(?:had\s+|have\s+)?(?:removed|performed|did|ran|drew|took|prescribed|placed|extracted|"
    r"biopsied|repaired|ordered|sent|gave you|treated|found|started|adjusted|fitted|"
    r"implanted|inserted|administered|filled|dispensed)\b|"
    r"\byou\s+(?:had|got|received|underwent|took|completed|started|finished|began|chose|"
    r"declined|refused|opted|preferred|requested|asked for|signed|consented|came in|came to|"
    r"visited|arrived|checked in|left|dropped off|picked up|filled|were here|were in|"
    r"worked with|saw)\b"
    r"|\b(?:usted|ud\.?)\s+(?:fue|estuvo|vino|tuvo|recibi[oó]|se hizo|ingres[oó]|eligi[oó])\b",
    _F,
)

_VISITS = (
    r"(?:appointments?|appts?|visits?|sessions?|checks?|check-?ups?|follow-?ups?|"
    r"weigh-?ins?|consults?|consultations?|infusions?|treatments?|doses?|therapy|labs?|"
    r"tests?|scans?|exams?|cleanings?|adjustments?|shots?|injections?|cycles?|fills?|"
    r"refills?|classes|citas?|consultas?|sesiones|sesi[oó]n|dosis|vacunas?)"
)
APPOINTMENT = re.compile(
    r"\b(?:missed|missing|skipped|skipping|canceled|cancelled|canceling|cancelling|"
    r"no-showed|rescheduled|postponed|didn't (?:show up|come|keep|make)|did not (?:show up|"
    r"come|keep|make)|failed to (?:attend|show up for|keep)|haven't (?:scheduled|booked|come "
    r"to|made)|have not (?:scheduled|booked|made)|never (?:scheduled|booked|showed up for))"
    r"\s+(?:for\s+|to\s+)?(?:\w+\s+){0,4}?" + _VISITS + r"\b"
    r"|\b" + _VISITS + r"\s+(?:that\s+|which\s+)?you\s+(?:missed|canceled|cancelled|skipped|"
    r"haven't|have not|didn't|did not|never|rescheduled|booked|scheduled|had|attended)\b"
    r"|\b(?:your|his|her|their|su|sus)\s+(?:next|last|previous|prior|upcoming|first|second|"
    r"third|fourth|final|remaining|recent|latest|most recent|two|three|several|past|earlier|"
    r"scheduled|pr[oó]xima|[uú]ltima|siguiente|primera|segunda)\s+(?:[\w'-]+\s+){0,2}?"
    + _VISITS
    + r"\b"
    r"|\b(?:all|the)\s+remaining\s+(?:sessions|visits|appointments|treatments|doses)\b"
    r"|\byou(?:'ve| have)?\s+(?:rescheduled|canceled|cancelled|missed|skipped|no-showed|"
    r"come in|been in)\s+(?:\w+\s+){0,2}?(?:twice|three times|four times|\d+ times|"
    r"(?:two|three|four|five|several|many|a few) times)\b"
    r"|\b(?:you(?:'ve| have)\s+been\s+(?:in|here|seen|coming in)|you came in|you visited(?: us)?)"
    r"\s+(?:twice|once|three times|four times|\d+ times|(?:two|three|four|five|several|"
    r"many|a few) times)\b"
    r"|\b(?:held|holding|saved|reserved|booked|scheduled|set up|penciled in|moved)\s+"
    r"(?:\w+\s+){0,3}?(?:for you|you in|you for)\b"
    r"|\b\d+\s+(?:of|out of)\s+\d+\s+(?:sessions|visits|treatments|appointments)\b"
    r"|\b(?:falt[oó]|no vino|no asisti[oó]|cancel[oó]|reprogram[oó])\s+(?:a\s+)?"
    r"(?:\w+\s+){0,3}?(?:citas?|consultas?|sesiones)\b",
    _F,
)
# --- everyday care words, pharmacy, fee explanations, visits ------------------------

# a device or symptom used as a noun: "keep the brace on", "ice the swelling", "your
# crutches", "la férula", "sus muletas" (not "brace yourself", "cast a wide net")
ITEM_NOUN_BEFORE = re.compile(
    r"\b(?:the|your|yours|that|this|those|these|a|an|new|old|su|sus|tu|tus|el|la|los|las|"
    r"un|una|unos|unas|ese|esa|esos|esas|este|esta|estos|estas|del|al)\s+"
    r"(?:[\w-]+\s+)?$"
    r"|\b(?:wear|wearing|keep|keeping|use|using|ice|icing|elevate|elevating|change|changing|"
    r"clean|cleaning|rinse|remove|removing|adjust|adjusting|refit|fit|soak|watch|monitor|"
    r"treat|treating|put on|take off|use of|use su|use la|use el|mantenga|use|usar|lleve|"
    r"llevar|ponga|poner|quite|quitar|limpie|vigile)\s+(?:[\w-]+\s+)?$",
    _F,
)
ITEM_POSSESSED_BEFORE = re.compile(
    r"\b(?:your|su|sus|tu|tus)\s+(?:[\w-]+\s+)?$",
    _F,
)
# "your refills", "your prescription is ready", "your pickup", "your order at the
# pharmacy counter", "su receta ya está lista"
_RX_THINGS = (
    r"(?:refills?|re-?fills?|prescriptions?|rx|scripts?|meds|medications?|medicines?|"
    r"pick-?ups?|orders?|fills?|recetas?|resurtidos?|medicamentos?|medicinas?|pedidos?)"
)
_RX_STATUS = (
    r"(?:ready|filled|refilled|waiting|on hold|held|being (?:filled|processed|prepared)|"
    r"delayed|sent|transferred|processed|available|out of stock|back-?ordered|approved|"
    r"denied|in stock|set aside|bagged|list[oa]s?|surtid[oa]s?|preparad[oa]s?|"
    r"esperando|retrasad[oa]s?|detenid[oa]s?|aprobad[oa]s?)"
)
PHARMACY_LINK = re.compile(
    r"\b(?:your|su|sus|tu|tus)\s+(?:[\w-]+\s+)?" + _RX_THINGS + r"\s+(?:(?:is|are|was|were|"
    r"has been|have been|had been|will be|should be|is now|are now|was already|ya|est[aá]n?|"
    r"estaba|estaban|estar[aá]n?|fue|fueron|qued[oó]|sigue|siguen)\s+)?(?:still\s+|now\s+|"
    r"all\s+)?" + _RX_STATUS + r"\b"
    r"|\b(?:your|su|sus|tu|tus)\s+(?:[\w-]+\s+)?" + _RX_THINGS + r"\b[^.!?;]{0,50}?\b"
    r"(?:pharmacy|pharmacist|counter|drive-?thru|drive-?through|pick-?up window|farmacia|"
    r"farmac[eé]utic[oa]|mostrador|ventanilla)\b"
    r"|\b(?:pharmacy|pharmacist|counter|drive-?thru|drive-?through|farmacia|mostrador)\b"
    r"[^.!?;]{0,50}?\b(?:your|su|sus|tu|tus)\s+(?:[\w-]+\s+)?" + _RX_THINGS + r"\b"
    r"|\b(?:your|su|sus|tu|tus)\s+(?:remaining\s+|next\s+|last\s+|pr[oó]xim[oa]s?\s+)?"
    r"(?:refills|re-?fills|resurtidos)\b",
    _F,
)
# fee and policy explanations about this person's own appointment: "the appointment on
# the 14th was missed", "your visit on Tuesday", "la cita del martes", "you cancelled late"
_VISIT_ONE = (
    r"(?:appointments?|appts?|visits?|sessions?|check-?ups?|follow-?ups?|consults?|"
    r"consultations?|exams?|cleanings?|procedures?|citas?|consultas?|sesi[oó]n|sesiones|"
    r"revisi[oó]n|limpieza|waits?|wait times?|stays?|trip|time (?:here|with us)|experience|"
    r"er visit|espera|estancia|estad[ií]a|visitas?)"
)
_WEEKDAY_ONE = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
APPOINTMENT_DATED = re.compile(
    r"\b(?:the|that|this|your|his|her|their|su|sus|tu|tus|la|el|esa|esta|aquella)\s+"
    r"(?:[\w-]+\s+){0,2}?" + _VISIT_ONE + r"\s+(?:(?:on|of|from|for|at|scheduled for|"
    r"booked for|set for|el|del|de|para|programad[oa] para)\s+)?(?:the\s+|el\s+|este\s+|"
    r"last\s+|this\s+past\s+|pasado\s+)?(?:\d{1,2}(?:st|nd|rd|th)\b|\d{1,2}/\d{1,2}\b|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\d{1,2}\s+de\s+[a-z]+|"
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|"
    r"mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo)\b|"
    r"(?:last|this past)\s+(?:week|month|night|weekend)|yesterday|ayer|la semana pasada|"
    r"el mes pasado|this (?:morning|afternoon|evening)|over the weekend|earlier today|"
    r"el fin de semana|anoche|esta ma[nñ]ana)"
    r"|\b(?:your|su|tu)\s+(?:" + _WEEKDAY_ONE + r")(?:'s)?\s+(?:morning\s+|afternoon\s+|"
    r"evening\s+|night\s+)?(?:appointment|visit|wait|stay|session|exam|check-?up)\b",
    _F,
)
APPOINTMENT_YOU = re.compile(
    r"\byou\s+(?:had\s+)?(?:cancell?ed|canceled|missed|skipped|no-showed|rescheduled|"
    r"didn't (?:show|come|call)|did not (?:show|come|call)|arrived late|were late|showed up "
    r"late|came (?:in )?late|checked in late|forgot)\b"
    r"|\b(?:usted|ud\.?)\s+(?:cancel[oó]|falt[oó]|reprogram[oó]|no se present[oó]|"
    r"no asisti[oó]|no vino|lleg[oó] tarde)\b"
    r"|\b(?:cancelaste|faltaste|reprogramaste|llegaste tarde|no te presentaste|"
    r"no asististe|no viniste)\b"
    r"|\b(?:se le cobr[oó]|le cobramos|te cobramos|you were (?:charged|billed)|we (?:charged|"
    r"billed) you)\b",
    _F,
)
# fee, charge and cancellation words of a fee explanation
FEE_CONTEXT = re.compile(
    r"\b(?:fees?|charges?|charged|billed|penalt(?:y|ies)|no-?shows?|missed|cancell?ed|"
    r"canceled|cancell?ations?|late|rescheduled|cargos?|cobr\w*|multas?|cuotas?|tarifas?|"
    r"penalizaci[oó]n|cancel\w*|falt\w*|reprogram\w*|tarde)\b",
    _F,
)
# Spanish first-person-plural verbs are the same in present and past: "con gusto le
# explicamos cómo" is an offer, not "we explained to you"
OFFER_NOT_PAST_BEFORE = re.compile(
    r"(?:con (?:mucho )?gusto|gustosamente|podemos|queremos|nos encantar[ií]a|"
    r"ser[aá] un placer|siempre)\s*$",
    _F,
)
OFFER_NOT_PAST_AFTER = re.compile(
    r"^\s*(?:c[oó]mo|qu[eé]|cu[aá]les?|d[oó]nde|cu[aá]ndo|los pasos|el proceso|las opciones|"
    r"sus opciones|todo lo que)\b",
    _F,
)
# "fees for missed appointments": a general rule, not somebody's appointment
GENERAL_VISITS = re.compile(
    r"^(?:missed|missing|cancell?ed|canceled|late[- ]cancell?ed|rescheduled|skipped|"
    r"no-showed)\s+(?:(?:or|and|and/or|y|o)\s+[\w-]+\s+)?(?:appointments|appts|visits|"
    r"sessions|citas|consultas)$",
    _F,
)
# a visit or return to the practice, in the second person: "haya regresado a vernos",
# "gracias por visitarnos", "cuando vino a su cita", "you came back to see us"
VISIT_RETURN = re.compile(
    r"\b(?:haya|hayas|ha|has|hubiera|hubieras)\s+(?:regresado|vuelto|venido|visitado|acudido|"
    r"asistido|estado)\b(?:\s+(?:a\s+vernos|con\s+nosotros|aqu[ií]|a\s+(?:la|nuestra|su|tu)"
    r"\s+\w+))?"
    r"|\b(?:gracias|agradecemos)\s+(?:\w+\s+){0,2}?por\s+(?:visitarnos|venir|regresar|volver|"
    r"acudir|su visita|tu visita|elegirnos|confiar en nosotros para)\b"
    r"|\b(?:que|cuando|desde que|la vez que|porque|como)\s+(?:usted\s+|ud\.?\s+|t[uú]\s+)?"
    r"(?:(?:nos\s+)?visit[oó]|vino|regres[oó]|volvi[oó]|acudi[oó]|asisti[oó]|estuvo aqu[ií]|"
    r"(?:nos\s+)?visitaste|viniste|regresaste|volviste|acudiste|asististe|estuviste aqu[ií])"
    r"\b"
    r"|\b(?:regres[oó]|volvi[oó]|vino|regresaste|volviste|viniste)\s+(?:a\s+vernos|con\s+"
    r"nosotros|a\s+(?:su|tu)\s+(?:cita|consulta|sesi[oó]n|revisi[oó]n|control))\b"
    r"|\byou\s+(?:came back|returned|stopped (?:by|in)|dropped (?:by|in)|popped in|"
    r"came (?:by|to see us))\b",
    _F,
)
# --- care without clinical words -------------------------------------------------------

# programmes, units and wards a person takes part in or stays on
_PROGRAM = (
    r"(?:(?:[\w-]+\s+){0,3}?(?:programs?|programmes?|rehab|rehabilitation|therapy|"
    r"detox|withdrawal management|iop|php|unit|floor|ward|wing|sessions?)|"
    r"programa|tratamiento|terapia|rehabilitaci[oó]n|unidad|piso|sala)"
)
# "our team loved caring for you", "it was a joy treating you", "we enjoyed having you on
# the unit", "watching you get back on your feet", "glad you completed the program",
# "fue un placer atenderle", "nos alegra que haya terminado el programa"
WARM_CARE = re.compile(
    r"\b(?<!forward to )(?<!to )(?:caring for|treating|taking care of|looking after|nursing|"
    r"tending to|rehabbing|cuidando a|cuidando de|atendiendo a)\s+(?:you|usted|ti)\b"
    r"|\b(?:lov\w*|enjoy\w*|joy|pleasure|privilege|honou?r|delight\w*|blessing|fun|"
    r"great|wonderful|highlight|proud|glad|happy|thrilled)\b[^.!?;]{0,40}?\b"
    r"(?:(?:having|had|have) you\s+(?:here\s+)?(?:on|in|at|with us (?:on|in|at))\s+(?:the|our)\s+"
    + _PROGRAM
    + r"|(?:working|worked) with you\s+(?:in|during|through|at|on)\s+(?:the|our|your)\s+"
    + _PROGRAM
    + r"|(?:seeing|watching|saw|watched|see|watch) you\s+(?:\w+\s+){0,3}?(?:progress|"
    r"recover|improve|heal|get (?:stronger|better|well)|grow stronger|on your feet|"
    r"back on your feet|walk|walking|on the treadmill|on the bike|take (?:your|those) "
    r"first steps|stand|standing|climb|climbing|regain|breathe|breathing))\b"
    r"|\b(?:seeing|watching|saw|watched) you\s+(?:\w+\s+){0,3}?(?:progress|recover|improve|"
    r"heal|get (?:stronger|better)|grow stronger|back on your feet|on your feet again|"
    r"on the treadmill|on the bike|walk(?:ing)? again|take (?:your|those) first steps|"
    r"stand(?:ing)? again|regain)\b"
    r"|\b(?:the work|the progress|everything|all (?:the work|the progress|you)|how hard|"
    r"what) you(?:'ve| have)?\s+(?:did|made|put in|have done|done|accomplished|achieved|"
    r"worked)\s+(?:\w+\s+){0,2}?(?:in|during|through|at|on)\s+(?:the|our|your)\s+"
    + _PROGRAM
    + r"\b"
    r"|\byou(?:'re|'ve| are| were| have)?\s+(?:all\s+|just\s+|finally\s+|successfully\s+|"
    r"now\s+|still\s+)?(?:finished|finishing|complet(?:ed|ing)|graduat(?:ed|ing) from|"
    r"made it through|got through|stuck with|went through|(?:still\s+)?with us in|in|"
    r"enrolled in|participat(?:ed|ing) in|joined|back in|back on)\s+(?:(?:the|our|your)\s+)?"
    + _PROGRAM
    + r"\b"
    r"|\b(?:fue|ha sido|era|es) (?:un|una) (?:verdadero |gran )?(?:placer|gusto|honor|"
    r"alegr[ií]a|privilegio)\s+(?:atender(?:le|la|lo|te)|cuidar(?:le|la|lo|te)|"
    r"trat(?:arle|arla|arlo|arte)|cuidar de usted|trabajar con usted|tenerle|tenerla|"
    r"tenerlo|verle|verla|verlo)\b"
    r"|\b(?:disfrutamos|nos encant[oó]|nos gust[oó]|nos alegr[oó])\s+(?:mucho\s+)?"
    r"(?:atender(?:le|la|lo|te)|cuidar(?:le|la|lo|te)|tener(?:le|la|lo|te)\s+(?:en|con))\b"
    r"|\b(?:haya|hayas|ha|has)\s+(?:terminado|completado|concluido|finalizado|"
    r"culminado|superado)\s+(?:con [eé]xito\s+)?(?:el|la|su|tu|nuestro|nuestra)\s+"
    + _PROGRAM
    + r"\b"
    r"|\b(?:verle|verla|verlo|verte)\s+(?:\w+\s+)?(?:recuperarse|recuperad[oa]|caminar|"
    r"de pie|progresar|mejorar)\b",
    _F,
)
# programmes that are not care ("the volunteer program", "our residency program")
NOT_CARE_PROGRAM = re.compile(
    r"\b(?:volunteer|internship|intern|residency|fellowship|training|mentorship|career|job|"
    r"scholarship|loyalty|rewards?|referral|summer|reading|art|music|youth|voluntariado|"
    r"pr[aá]cticas|becas?)\b",
    _F,
)
# results in plain words: "everything came back clear", "the results look good", "your
# report is ready", "todo salió bien en los resultados"
RESULT_PLAIN = re.compile(
    r"\b(?:(?:the|your) (?:\w+\s+)?(?:results?|tests?|labs?|scans?|reports?|numbers|"
    r"bloodwork|pathology)\s+(?:all\s+)?(?:were|was|are|is|look(?:s|ed)?|showed|show|"
    r"came back|come back|have come back|has come back|returned|turned out)|"
    r"(?:everything|it all|all of it)\s+(?:came back|has come back|turned out))\s+"
    r"(?!to\s|into\s)(?:\w+\s+)?(?:clear|normal|negative|fine|good|great|clean|okay|ok|"
    r"benign|healthy|positive|perfect|reassuring|unremarkable|within normal)\b"
    r"|\b(?:your|su|sus|tu|tus)\s+(?:\w+\s+)?(?:results?|reports?|labs?|bloodwork|"
    r"resultados?|informes?|reportes?|estudios|an[aá]lisis)\s+(?:is|are|was|were|est[aá]n?|"
    r"ya est[aá]n?|have|has)\s+(?:now\s+|finally\s+|all\s+)?(?:ready|in|back|available|"
    r"complete|finalized|listos?|listas?|disponibles?|come back|came back)\b"
    r"|\b(?:todo|todos)\s+(?:\w+\s+)?(?:sali[oó]|salieron|result[oó]|resultaron|est[aá]|"
    r"estuvo|est[aá]n)\s+(?:muy\s+)?(?:bien|normal(?:es)?|negativos?|limpios?)\s+"
    r"(?:en|con)\s+(?:los|sus|tus|el|su)\s+(?:resultados|estudios|an[aá]lisis|ex[aá]menes|"
    r"informe|reporte)\b"
    r"|\b(?:los|sus|tus)\s+(?:resultados|estudios|an[aá]lisis|ex[aá]menes)\s+(?:ya\s+)?"
    r"(?:salieron|resultaron|son|est[aá]n|fueron|llegaron)\s+(?:muy\s+)?(?:bien|normal(?:es)?|"
    r"negativos?|limpios?|listos?|perfectos?)\b",
    _F,
)
# "if your results are normal…": a condition, not a result
CONDITIONAL_BEFORE = re.compile(
    r"\b(?:if|once|when|whether|until|unless|after|cuando|si|una vez que|hasta que)\b", _F
)
# a birth or a pregnancy: "congratulations on your twins", "baby Theo", "felicidades por
# su bebé"
_BABY = (
    r"(?:new (?:baby|addition|arrival|son|daughter|little one)|baby(?: (?:boy|girl))?|"
    r"babies|twins|triplets|newborn|little one|bundle of joy|arrival|delivery|birth|"
    r"pregnancy|bump|beb[eé]s?|gemel[oa]s|mellizos?|mellizas?|reci[eé]n nacid[oa]|"
    r"nacimiento|parto|embarazo|nuev[oa] (?:hij[oa]|integrante|beb[eé]))"
)
BIRTH = re.compile(
    r"\b(?:congratulations|congrats|felicidades|felicitaciones|enhorabuena|mazel tov)\b"
    r"[^.!?;]{0,30}?\b(?:on|to|por|a|de)\s+(?:the\s+|your\s+|su\s+|tu\s+|el\s+|la\s+|los\s+|"
    r"las\s+|sus\s+|tus\s+)?(?:[\w-]+\s+){0,2}?" + _BABY + r"\b"
    r"|\b(?:congratulations|congrats|felicidades|felicitaciones|enhorabuena)\b[^.!?;]{0,40}?"
    r"\bbaby\s+(?-i:[A-Z])\w+"
    r"|\b(?:welcome|bienvenid[oa])\s+(?:to the world\s*,?\s+)?(?:baby|little|al mundo)\b"
    r"|\b(?:your|su|tu)\s+(?:new\s+)?(?:baby|newborn|twins|triplets|little one|beb[eé]|"
    r"reci[eé]n nacid[oa]|gemel[oa]s)(?:'s)?\s+(?:arrival|birth|delivery|llegada|"
    r"nacimiento)\b"
    r"|\b(?:the|su|el)\s+(?:birth|nacimiento)\s+(?:of|de)\s+(?:your|su|tu)\b",
    _F,
)
# a relative's status after care: "your mother is home now", "su esposo ya está en casa"
FAMILY_STATUS_AFTER = re.compile(
    r"^\s*(?:'s\s+|s\s+)?(?:\w+\s+){0,2}?(?:(?:is|was|are|were|'s|got|made it|went|came|"
    r"has been|have been|is now|are now|finally)\s+(?:finally\s+|now\s+|safely\s+|back\s+)?"
    r"(?:home|back home|discharged|released|out of (?:the hospital|surgery|the icu|the er)|"
    r"recovering|on the mend|doing better|feeling better|stable|awake|improving|"
    r"out of the woods)"
    r"|(?:ya\s+)?(?:est[aá]|se encuentra|regres[oó]|volvi[oó]|lleg[oó])\s+(?:ya\s+)?"
    r"(?:en casa|a casa|mejor|estable|recuper[aá]ndose|fuera de peligro)"
    r"|(?:ya\s+)?(?:sali[oó] del hospital|fue dad[oa] de alta|se (?:est[aá] )?recupera\w*|"
    r"est[aá] mejor))\b",
    _F,
)
# "her time in the hallway", "his stay on the unit", "their nights in the ICU"
THIRD_PERSON_STAY = re.compile(
    r"\b(?:his|her|their)\s+(?:\w+\s+)?(?:stay|time|wait|waits|nights?|days?|hours|weeks?|"
    r"admission|visit|recovery)\s+(?:in|on|at)\s+(?:the|our)\s+(?:[\w&-]+\s+){0,2}?"
    r"(?:hallway|hall|corridor|er|ed|emergency room|emergency department|floor|unit|ward|"
    r"icu|nicu|picu|hospital|room|wing|bay|rehab|facility|urgent care)\b"
    r"|\b(?:su|sus)\s+(?:estancia|estad[ií]a|tiempo|espera|noches|d[ií]as)\s+en\s+(?:el|la|"
    r"los|las|nuestr[oa])\s+(?:pasillo|urgencias|hospital|piso|unidad|sala|uci|terapia)\b",
    _F,
)
# a care unit named in a reply about the reader's experience: "long nights on the
# cardiac floor", "days in the NICU", "su estancia en urgencias"
_UNIT = (
    r"(?:(?:cardiac|heart|cardiology|oncology|cancer|maternity|labor and delivery|l&d|"
    r"postpartum|mother-baby|neuro|neurology|surgical|medical|med-surg|psych|psychiatric|"
    r"behavioral health|pediatric|peds|burn|stroke|ortho|orthopedic|transplant|dialysis|"
    r"step-?down|telemetry|progressive care|trauma|rehab|detox|hospice|palliative|"
    r"respiratory|covid|isolation|icu|intensive care|critical care)\s+(?:floor|unit|ward|"
    r"wing)|icu|nicu|picu|cicu|micu|sicu|ccu|l&d|labor and delivery|postpartum|"
    r"emergency room|emergency department|(?-i:ER|ED)|uci|ucin|urgencias|terapia intensiva|"
    r"cuidados intensivos|sala de partos|maternidad)"
)
UNIT_EXPERIENCE = re.compile(
    r"\b(?:nights?|days?|hours|weeks?|time|stay|stays|wait|waits|spent|stayed|slept|sleeping|"
    r"shifts?|noches|d[ií]as|horas|semanas|estancia|estad[ií]a|espera|tiempo)\s+"
    r"(?:\w+\s+){0,2}?(?:in|on|at|en)\s+(?:(?:the|our|el|la|nuestr[oa])\s+)?" + _UNIT + r"\b",
    _F,
)
# a contact about this person on a date: "voicemails on 10/2", "we called you Monday"
CONTACT_DATE_BEFORE = re.compile(
    r"\b(?:call(?:ed|s)?|phoned|voicemails?|messages?|texts?|texted|e-?mailed|e-?mails?|"
    r"letters?|spoke|talked|reached out|left|wrote|mailed|llamamos|llamadas?|mensajes?|"
    r"correos?)\b(?:\s+[\w-]+){0,3}?\s+(?:on|el|del)\s*$",
    _F,
)
# an event or campaign offered to the public: "we're hosting free screening
# mammograms … call to register", "jornada gratuita para la comunidad"
EVENT = re.compile(
    r"\b(?:hosting|host(?:s|ed)?|holding|sponsoring|organi[sz]ing)\s+(?:a\s+|an\s+|our\s+|"
    r"the\s+)?(?:\w+\s+){0,3}?(?:free|community|screenings?|events?|fair|clinic|drive|day|"
    r"night|walk|run|class|classes|seminar|workshop|talk|open house)\b"
    r"|(?<!-)\bfree\s+(?:[\w-]+\s+){0,2}?(?:screenings?|mammograms?|clinics?|checks?|"
    r"check-?ups?|exams?|shots?|vaccines?|vaccinations?|tests?|testing|classes|events?|"
    r"health fair|consultations?|workshops?)\b"
    r"|\b(?:to|and|please|can|you can)\s+(?:pre-?)?register\b|\bregistration\b|"
    r"\bopen to (?:the public|all|everyone|anyone|the community)\b"
    r"|\b(?:ofrecemos|tendremos|habr[aá]|realizaremos|organizamos)\b[^.!?;]{0,60}?"
    r"\bgratuit[oa]s?\b|\b(?:jornada|campa[nñ]a|feria)\s+(?:de|gratuita)\b|"
    r"\binscr[ií]b\w*|\bpara la comunidad\b|\babiert[oa]s? al p[uú]blico\b",
    _F,
)


# "your nurse coordinator Tasha", "su enfermera Rosa": a clinician who is this person's
STAFF_POSSESSED_BEFORE = re.compile(
    r"\b(?:your|su|tu)\s+(?:[\w-]+\s+){0,2}?(?:nurse|doctor|physician|surgeon|therapist|"
    r"dentist|hygienist|provider|pharmacist|technician|tech|midwife|doula|counselor|"
    r"psychiatrist|psychologist|clinician|specialist|coordinator|navigator|case manager|"
    r"care manager|coach|aide|caregiver|pediatrician|ob|ob-?gyn|np|pa|enfermer[oa]|"
    r"m[eé]dic[oa]|doctora|terapeuta|coordinador[a]?|cuidador[a]?|partera|dentista)\s*,?\s*$",
    _F,
)
STAFF_ROLE_LINK = re.compile(
    r"\b(?:the|your|our|la|el|su)\s+(?:\w+\s+)?(?:nurse|doctor|physician|surgeon|therapist|"
    r"dentist|hygienist|provider|pharmacist|technician|tech|midwife|counselor|psychiatrist|"
    r"psychologist|clinician|specialist|resident|paramedic|phlebotomist|anesthesiologist|"
    r"radiologist|pediatrician|obstetrician|audiologist|doctora|enfermera|enfermero|"
    r"m[eé]dic[oa]|terapeuta)\s+(?:(?:who|that)\s+(?:\w+\s+)?\w+\s+(?:you|your)\b|"
    r"(?:who|that|whom|que)?\s*(?:you\s+(?:saw|worked with|met|"
    r"spoke (?:with|to)|had|see|talked to)|(?:saw|treated|examined|cared for|helped|"
    r"operated on|seen|treating|following|looked after|took care of|assisted|drew|cleaned|"
    r"is following|has been treating|le atendi[oó]|la atendi[oó]|lo atendi[oó])\s*"
    r"(?:you|your)?))\b",
    _F,
)

# --- dates and times --------------------------------------------------------------

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
DATE_WITH_YEAR = re.compile(r"(?:19|20)\d{2}\b|/\d{2}$")

# --- identifiers --------------------------------------------------------------------

_ID_LABEL = (
    r"(?:mrn|m\.r\.n\.?|medical record (?:number|no\.?|#)|record (?:number|no\.?|#)|"
    r"chart (?:number|no\.?|#)|patient (?:id|number|no\.?|#)|account(?: (?:number|no\.?|#))?|"
    r"acct\.?(?: (?:number|no\.?|#))?|statement|invoice|claim|case|member (?:id|number|no\.?)|"
    r"policy (?:number|no\.?)|subscriber (?:id|number)|group (?:number|no\.?)|rx|"
    r"prescription (?:number|no\.?|#)|order|accession|specimen|encounter|visit (?:id|number)|"
    r"reference|ref\.?|confirmation|ticket|expediente|historia cl[ií]nica|"
    r"n[uú]mero de (?:expediente|cuenta|paciente|p[oó]liza|afiliado|seguro)|cuenta|"
    r"ssn|social security(?: number)?|driver'?s license|license|medicare (?:id|number)|"
    r"medicaid (?:id|number)|insurance id|id)"
)
IDENTIFIER = re.compile(
    r"\b" + _ID_LABEL + r"\s*(?:#|no\.?|number|num\.?|n[º°o]\.?)?\s*[:#]?\s*"
    r"(?:(?:is|was|es|de|=)\s+)?"
    r"(?:(?-i:[A-Z]{1,4})-?)?\d[\d\s-]{2,}\d\b"
    r"|#\s?[A-Z]{0,4}-?\d{4,}\b"
    r"|\b\d{3}-\d{2}-\d{4}\b",
    _F,
)
IDENTIFIER_WEAK = re.compile(r"\b[A-Z]{2,4}-\d{4,}\b|\b\d{8,}\b")
DOB = re.compile(
    r"\b(?:dob|d\.o\.b\.?|date of birth|birth ?date|birthday|born(?: on)?|"
    r"fecha de nacimiento|f\. de nac\.?|nacid[oa] el)\s*[:\-]?\s*(?:is\s+|was\s+|el\s+)?"
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
    r"\b\d{1,6}\s+(?:[A-Z][\w.'-]*\s+){1,4}(?:street|st|avenue|ave|road|rd|boulevard|blvd|"
    r"lane|ln|drive|dr|court|ct|way|place|pl|terrace|ter|circle|cir|parkway|pkwy|trail|trl)"
    r"\b\.?(?:,?\s*(?:apt|apartment|unit|suite|ste|#)\.?\s*\w+)?"
    r"|\b(?:calle|avenida|av\.|camino|privada|colonia|col\.)\s+(?:[\w.'-]+\s+){1,4}?"
    r"(?:#|no\.?|n[uú]m\.?)?\s*\d{1,5}\b",
    re.IGNORECASE,
)
ADDRESS_PATIENT_CUE = re.compile(
    r"\b(?:your|su|tu)\s+(?:\w+\s+)?(?:home|house|address|apartment|residence|place|"
    r"domicilio|direcci[oó]n|casa)\b|\b(?:mailed|sent|delivered|shipped|drove|came)\s+"
    r"(?:\w+\s+){0,3}?to\s+(?:you at|your)\b|\bwhere you live\b"
    r"|\b(?:went|drove|stopped|came|arrived|knocked|visited|delivered|mailed|sent)\b"
    r"(?:\s+\w+){0,2}?\s+(?:to|at|by)\s*$",
    _F,
)

# --- contacts -------------------------------------------------------------------

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
    r"|\b(?:le|te)\s+(?:llamamos|llam[oó]|marcamos|escribimos)\s+(?:al|a)\b",
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

# -- organisation and facility names (round 6) ------------------------------------------
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
ORG_NAME_WORD = re.compile(r"^(?:" + _ORG_WORDS + r")$")
# "el centro comunitario de cáncer", "el programa de prevención de diabetes", "la
# fundación contra la leucemia": a facility, programme or cause named after a disease
SERVICE_BEFORE_ES = re.compile(
    r"\b(?:centros?|institutos?|fundaci[oó]n|hospital|programas?|cl[ií]nicas?|unidad|"
    r"departamento|servicios?|campa[nñ]as?|carreras?|caminatas?|asociaci[oó]n|sociedad|"
    r"investigaci[oó]n|ala|pabell[oó]n|jornadas?|semana|mes|d[ií]a|grupo|talleres?|"
    r"clases?)\b(?:\s+[\w]+){0,3}?\s+(?:de|del|contra)(?:\s+(?:la|el|los|las))?\s*$",
    re.I,
)
# thanks to donors, volunteers, sponsors and partners: not the person's care
DONOR = re.compile(
    r"\b(?:donations?|donat(?:e|ed|es|ing)|donors?|generous gift|your gift|gifts? to|"
    r"sponsor\w*|volunteer\w*|supporters?|community partners?|partnering|fundrais\w*|"
    r"raised|bake sale|blood drive|donativos?|donaci[oó]n(?:es)?|donantes?|patrocin\w*|"
    r"voluntari\w*|soci[oa]s? comunitari[oa]s?|aliad[oa]s? comunitari[oa]s?|recaud\w*|"
    r"generosidad|generosity)\b",
    re.I,
)

__all__ = [name for name in dir() if name.isupper()] + ["sentence_spans"]
