"""Unit tests of every recogniser (English and Spanish)."""

from __future__ import annotations

import pytest

from workflows.phi.names import build_profile
from workflows.phi.normalize import normalize
from workflows.phi.recognizers import ReviewerRecognizer
from workflows.phi.screen import ClassifierPhiScreen


def cands(screen: ClassifierPhiScreen, text: str, author: str = "") -> list[tuple[str, str]]:
    norm = normalize(text).text
    ad_hoc = [
        ReviewerRecognizer(build_profile(author, screen.analyser.vocab), screen.analyser.vocab)
    ]
    results = screen.analyser.analyzer.analyze(text=norm, language="en", ad_hoc_recognizers=ad_hoc)
    return sorted((r.entity_type, norm[r.start : r.end]) for r in results)


def has(found: list[tuple[str, str]], entity: str, words: str) -> bool:
    return any(e == entity and w.lower() == words.lower() for e, w in found)


# --- vocabulary recogniser -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "entity", "words"),
    [
        ("the basal cell carcinoma margins", "PHI_CONDITION", "basal cell carcinoma"),
        ("after the tonsillectomy", "PHI_PROCEDURE", "tonsillectomy"),
        ("your Humalog copay", "PHI_MEDICATION", "Humalog"),
        ("the X - RAY was clear", "PHI_TEST", "X - RAY"),
        ("two echocardiograms", "PHI_TEST", "echocardiograms"),
        ("billed to Aetna", "PHI_INSURER", "Aetna"),
        ("your Part D plan", "PHI_INSURER", "Part D"),
        # Spanish
        ("los resultados de su mamografía", "PHI_TEST", "mamografía"),
        ("su mamografia", "PHI_TEST", "mamografia"),
        ("su diabetes gestacional", "PHI_CONDITION", "diabetes gestacional"),
    ],
)
def test_vocabulary_terms(
    presidio_screen: ClassifierPhiScreen, text: str, entity: str, words: str
) -> None:
    assert has(cands(presidio_screen, text), entity, words)


def test_case_sensitive_insurer_names(presidio_screen: ClassifierPhiScreen) -> None:
    assert has(cands(presidio_screen, "covered by Oscar"), "PHI_INSURER", "Oscar")
    assert not any(e == "PHI_INSURER" for e, _ in cands(presidio_screen, "an oscar party"))
    assert has(cands(presidio_screen, "your CHIP coverage"), "PHI_INSURER", "CHIP")
    assert not any(e == "PHI_INSURER" for e, _ in cands(presidio_screen, "a chip in the mug"))


def test_misspelled_clinical_words_fuzzy(presidio_screen: ClassifierPhiScreen) -> None:
    found = cands(presidio_screen, "the hernea repair was done laproscopic")
    assert has(found, "PHI_CONDITION", "hernea")
    assert has(found, "PHI_PROCEDURE", "laproscopic")


def test_ordinary_words_are_not_fuzzed(presidio_screen: ClassifierPhiScreen) -> None:
    found = cands(presidio_screen, "the stations and the pharmacy counter")
    assert not any(e == "PHI_MEDICATION" for e, _ in found)


def test_obfuscated_terms_found(presidio_screen: ClassifierPhiScreen) -> None:
    found = cands(presidio_screen, "your meto\u200cprolol and basal 🔬 cell 🔬 carcinoma")
    assert has(found, "PHI_MEDICATION", "metoprolol")
    assert has(found, "PHI_CONDITION", "basal cell carcinoma")


# --- reviewer's name -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "text", "words"),
    [
        ("Yvette Caron", "yVeTtE, your sample", "yVeTtE"),
        ("Reginald Achterberg", "Regi\u2060nald Achter\u2060berg, for a gout flare", "Reginald"),
        ("Benedikt Sauer", "B e n e d i k t\nS a u e r, your fusion", "B e n e d i k t"),
        ("Benedikt Sauer", "Bene dikt, your fusion", "Bene dikt"),
        ("Consuelo Quintana", "&#67;onsuelo, your pills", "Consuelo"),
        ("Oliver Brandt", "Оlivеr, your test", "Oliver"),
        ("Bernice Albee", "Bernise, your hearing aids", "Bernise"),
        ("Marcus Bell", "Mr. Bell, your plan", "Bell"),
        ("@hollowmom_amy", "@hollowmom_amy Amy, your son", "@hollowmom_amy"),
        ("@hollowmom_amy", "@hollowmom_amy Amy, your son", "Amy"),
        ("@sunnyskies_courtney", "Courtney so sorry", "Courtney"),
        ("Margaret Lowe", "Maggie, your results", "Maggie"),
        ("Paloma Ramirez-Lund", "Ms. Ramirez-Lund, your plan", "Ramirez"),
        ("Marta Ruiz", "Sra. Ruiz, la Dra. Ochoa le explicó", "Ruiz"),
    ],
)
def test_reviewer_name(
    presidio_screen: ClassifierPhiScreen, author: str, text: str, words: str
) -> None:
    found = cands(presidio_screen, text, author)
    norm_words = normalize(words).text
    assert any(e == "PHI_REVIEWER" and norm_words.lower() in w.lower() for e, w in found), found


@pytest.mark.parametrize(
    ("author", "text"),
    [
        ("Wendell Price", "Prices are posted online. Price lists are free."),
        ("Dorothy Bell", "The bell rings at noon."),
        ("Will Grant", "We will grant access to the portal."),
        ("Real Talk Reviews", "Thanks for the real talk about our reviews."),
    ],
)
def test_common_words_are_not_the_reviewer(
    presidio_screen: ClassifierPhiScreen, author: str, text: str
) -> None:
    assert not any(e == "PHI_REVIEWER" for e, _ in cands(presidio_screen, text, author))


def test_common_word_name_written_as_name(presidio_screen: ClassifierPhiScreen) -> None:
    found = cands(presidio_screen, "We're sorry, Price, about your stay.", "Wendell Price")
    assert has(found, "PHI_REVIEWER", "Price")


# --- other people ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Dr. Fenn prescribed it", "Dr. Fenn"),
        ("la Dra. Ochoa le explicó", "Dra. Ochoa"),
        ("we'll keep you with Bridget for all sessions", "Bridget"),
        ("amoxicillin for Noah because", "Noah"),
        ("Tomás's coverage lapsed", "Tomás"),
        ("our practice manager, Ivy Chen, at 555-0178", "Ivy Chen"),
    ],
)
def test_person_names(presidio_screen: ClassifierPhiScreen, text: str, words: str) -> None:
    assert has(cands(presidio_screen, text), "PHI_PERSON", words)


# --- phrases, dates, identifiers, contacts ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "on January 30",
        "from 2/27",
        "Monday the 5th",
        "Friday at 1 am",
        "last week",
        "that afternoon",
        "on the 9th",
        "el lunes",
        "el 3 de marzo",
        "la semana pasada",
        "03/14/2024",
    ],
)
def test_dates(presidio_screen: ClassifierPhiScreen, text: str) -> None:
    assert any(e == "PHI_DATE" for e, _ in cands(presidio_screen, text)), text


def test_recurring_weekdays_are_not_dates(presidio_screen: ClassifierPhiScreen) -> None:
    assert not any(e == "PHI_DATE" for e, _ in cands(presidio_screen, "open Thursdays"))


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("MRN 20451877", "PHI_ID"),
        ("statement #LH-7720418", "PHI_ID"),
        ("account LA-30917", "PHI_ID"),
        ("case #MP-55120", "PHI_ID"),
        ("the custody control form 7731-20045 shows", "PHI_ID"),
        ("requisition 88-41720 was", "PHI_ID"),
        ("número de expediente 4482019", "PHI_ID"),
        ("en el expediente núm. 0093-4471-2", "PHI_ID"),
        ("cuenta nro. 4455-1234", "PHI_ID"),
        ("SSN 123-45-6789", "PHI_ID"),
        ("the account ending in 5532", "PHI_ID"),
        ("acct. no. ends 8810", "PHI_ID"),
        ("policy number (last four) 3307", "PHI_ID"),
        ("la cuenta terminada en 7719", "PHI_ID"),
        ("DOB 04/22/1979", "PHI_DOB"),
        ("date of birth: March 3, 1980", "PHI_DOB"),
        ("fecha de nacimiento 3 de marzo de 1980", "PHI_DOB"),
        ("call 555-0151", "PHI_PHONE"),
        ("(602) 555-1834", "PHI_PHONE"),
        ("+52 55 1234 5678", "PHI_PHONE"),
        ("1420 Maple Ave, Apt 3", "PHI_ADDRESS"),
        ("Calle Juárez 118", "PHI_ADDRESS"),
        ("lakeshorehealth.org/estimates", "PHI_URL"),
        ("write to smile@sunnyslopedental.com", "EMAIL_ADDRESS"),
    ],
)
def test_identifiers_and_contacts(
    presidio_screen: ClassifierPhiScreen, text: str, entity: str
) -> None:
    assert any(e == entity for e, _ in cands(presidio_screen, text)), cands(presidio_screen, text)


def test_email_validation_is_offline() -> None:
    import tldextract

    from workflows.phi.recognizers import OfflineEmailRecognizer, offline_tld_extractor

    extractor = offline_tld_extractor()
    assert extractor.suffix_list_urls == ()
    rec = OfflineEmailRecognizer(extractor)
    assert rec.validate_result("a@clinic.org")
    assert not rec.validate_result("a@clinic.notarealsuffix")
    # after build_screen the module-level extractor used by stock Presidio is offline too
    assert tldextract.tldextract.TLD_EXTRACTOR.suffix_list_urls == ()


@pytest.mark.parametrize(
    ("word", "entity"),
    [
        ("labyrinthitis", "PHI_CONDITION"),
        ("retinopathy", "PHI_CONDITION"),
        ("hematoma", "PHI_CONDITION"),
        ("thyroidectomy", "PHI_PROCEDURE"),
        ("blepharoplasty", "PHI_PROCEDURE"),
        ("venogram", "PHI_TEST"),
    ],
)
def test_clinical_word_endings(
    presidio_screen: ClassifierPhiScreen, word: str, entity: str
) -> None:
    assert has(cands(presidio_screen, f"after the {word} last week"), entity, word)


@pytest.mark.parametrize("word", ["analysis", "sympathy", "diploma", "photography", "program"])
def test_ordinary_words_with_clinical_endings(
    presidio_screen: ClassifierPhiScreen, word: str
) -> None:
    found = cands(presidio_screen, f"thanks for the {word}")
    assert not any(e in ("PHI_CONDITION", "PHI_PROCEDURE", "PHI_TEST") for e, _ in found)


def test_records_team_is_not_a_record(presidio_screen: ClassifierPhiScreen) -> None:
    found = cands(presidio_screen, "copies from our medical records team at 555-0135")
    assert not any(e == "PHI_CONFIRM" for e, _ in found)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("open from 8 a.m. to 4 p.m. Please don't drive through standing water", None),
        ("check-in starts at 9 a.m. with Dr. Okafor's team", None),
        ("from 7 AM Monday Drive-up flu shots", None),
        ("mail it to 400 Orchard Ave", "400 Orchard Ave"),
        ("we stopped by 9 Amherst Dr. yesterday", "9 Amherst Dr."),
    ],
)
def test_a_time_of_day_is_not_a_house_number(text: str, address: str | None) -> None:
    from workflows.phi.patterns import ADDRESS

    found = ADDRESS.search(text)
    assert (found.group(0) if found else None) == address
