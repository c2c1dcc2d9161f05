"""Plain-language texts for the access report, in Swedish and English.

Every reason code the hub can write to the audit stream (the decision core's
:class:`~lovhub.core.reasons.Reason` and the pipeline's rejection reasons) has a sentence
here in both languages; a unit test keeps it that way. Purpose texts come from the policy
catalogue; Swedish names for the reference catalogue's purposes are kept here because the
catalogue itself is written in English.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = [
    "LANGUAGES",
    "REASON_TEXT",
    "Language",
    "event_type_text",
    "field_text",
    "label",
    "legal_basis_text",
    "lookup_command_text",
    "purpose_name",
    "reason_text",
]

Language = Literal["sv", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("sv", "en")

REASON_TEXT: Final[dict[str, dict[Language, str]]] = {
    # Decision reasons (lovhub.core.reasons.Reason).
    "NO_CANDIDATE": {
        "sv": "Ingen mottagare hade rätt att få uppgiften, så den lämnades inte ut till någon.",
        "en": "No recipient was entitled to the information, so it was not shared with anyone.",
    },
    "RECIPIENT_UNKNOWN": {
        "sv": "Mottagaren finns inte i registret över godkända mottagare.",
        "en": "The recipient is not in the register of approved recipients.",
    },
    "RECIPIENT_SUSPENDED": {
        "sv": "Mottagaren var tillfälligt avstängd och fick inga uppgifter.",
        "en": "The recipient was suspended and received no information.",
    },
    "RECIPIENT_UNAVAILABLE": {
        "sv": "Mottagarens ämne gick inte att skriva till; uppgifterna hölls inne och "
        "skickas på nytt av en operatör.",
        "en": "The recipient's topic could not be written; the information was held back "
        "and is re-delivered by an operator.",
    },
    "RECIPIENT_TERMINATED": {
        "sv": "Mottagarens avtal hade upphört.",
        "en": "The recipient's contract had ended.",
    },
    "NO_UNDERTAKING": {
        "sv": "Leverantören hade inte skrivit under någon förbindelse om tystnadsplikt.",
        "en": "The provider had not signed an undertaking of confidentiality.",
    },
    "NO_AGREEMENT": {
        "sv": "Mottagaren saknade ett granskat avtal om att få uppgifter från navet.",
        "en": "The recipient had no vetted agreement to receive information from the hub.",
    },
    "RESIDENCY": {
        "sv": "Mottagaren lagrar eller behandlar uppgifter i ett land där det inte är tillåtet.",
        "en": "The recipient stores or processes data in a country where that is not allowed.",
    },
    "NOT_ASSIGNED": {
        "sv": "Du var inte anvisad till den här leverantören vid tillfället.",
        "en": "You were not assigned to this provider at the time.",
    },
    "CONSENT_SPENT": {
        "sv": "Samtycket gällde ett enda svar, och det svaret hade redan lämnats.",
        "en": "The consent was for one answer, and that answer had already been given.",
    },
    "RESTRICTED": {
        "sv": "Behandlingen av dina uppgifter var begränsad; inget lämnades ut under tiden.",
        "en": "Processing of your data was restricted; nothing was shared meanwhile.",
    },
    "RESTRICTION_RECORDED": {
        "sv": "En begränsning av behandlingen registrerades eller hävdes; den lämnas aldrig ut.",
        "en": "A restriction of processing was recorded or lifted; it is never shared.",
    },
    "DUPLICATE_INPUT": {
        "sv": "Samma händelse skickades igen; den var redan behandlad och inget nytt lämnades ut.",
        "en": "The same event was sent again; it was already handled and nothing new was shared.",
    },
    "FOLLOW_UP_ENDED": {
        "sv": "Anvisningen hade upphört och tiden för uppföljning efter den hade gått ut.",
        "en": "The assignment had ended and the time for following it up had passed.",
    },
    "NO_CONSENT": {
        "sv": "Du hade inte gett ditt samtycke till att mottagaren fick uppgiften.",
        "en": "You had not given your consent for the recipient to receive this.",
    },
    "CONSENT_WITHDRAWN": {
        "sv": "Du hade återkallat ditt samtycke.",
        "en": "You had withdrawn your consent.",
    },
    "CONSENT_EXPIRED": {
        "sv": "Ditt samtycke hade gått ut.",
        "en": "Your consent had expired.",
    },
    "PURPOSE_NOT_CONTRACTED": {
        "sv": "Mottagarens avtal omfattar inte det ändamål uppgiften gällde.",
        "en": "The recipient's contract does not cover the purpose the information was for.",
    },
    "PURPOSE_UNKNOWN": {
        "sv": "Ändamålet finns inte i förteckningen över tillåtna ändamål.",
        "en": "The purpose is not in the catalogue of permitted purposes.",
    },
    "NOTHING_ALLOWED": {
        "sv": "Inga av uppgifterna fick lämnas ut för det här ändamålet.",
        "en": "None of the information could be shared for this purpose.",
    },
    "NO_KEY": {
        "sv": "Mottagaren saknade en giltig krypteringsnyckel, så inget skickades.",
        "en": "The recipient had no valid encryption key, so nothing was sent.",
    },
    "CONSENT_RECORDED": {
        "sv": "Ditt samtycke registrerades; själva händelsen lämnas aldrig ut.",
        "en": "Your consent was recorded; the event itself is never shared.",
    },
    "CONSENT_WITHDRAWAL_RECORDED": {
        "sv": "Ditt återkallande av samtycket registrerades; inget lämnas ut med stöd av det.",
        "en": "Your withdrawal of consent was recorded; nothing is shared on that consent.",
    },
    "PROTECTION_RECORDED": {
        "sv": "Ändringen av skyddade personuppgifter registrerades och lämnades inte ut.",
        "en": "The change to your protected identity was recorded and not shared.",
    },
    # Rejection reasons (lovhub.pipeline.rejection).
    "MALFORMED": {
        "sv": "Uppgiften kunde inte läsas och lämnades inte ut.",
        "en": "The record could not be read and was not shared.",
    },
    "UNKNOWN_SCHEMA": {
        "sv": "Uppgiften hade ett okänt format och lämnades inte ut.",
        "en": "The record had an unknown format and was not shared.",
    },
    "INVALID_FIELD": {
        "sv": "En uppgift var felaktig och lämnades inte ut.",
        "en": "A field was invalid and the record was not shared.",
    },
    "BAD_PERSONAL_ID": {
        "sv": "Personnumret var felaktigt, så uppgiften lämnades inte ut.",
        "en": "The personal identity number was invalid, so the record was not shared.",
    },
    "OVERSIZED": {
        "sv": "Uppgiften var för stor och lämnades inte ut.",
        "en": "The record was too large and was not shared.",
    },
    "UNKNOWN_RECIPIENT": {
        "sv": "Uppgiften nämnde en mottagare som inte är godkänd och lämnades inte ut.",
        "en": "The record named a recipient that is not approved and was not shared.",
    },
    "UNKNOWN_JOBSEEKER": {
        "sv": "Uppgiften gällde en person som navet inte känner till och lämnades inte ut.",
        "en": "The record concerned a person the hub does not know and was not shared.",
    },
    "OTHER": {
        "sv": "Uppgiften kunde inte behandlas och lämnades inte ut.",
        "en": "The record could not be processed and was not shared.",
    },
}

_UNKNOWN_REASON: Final[dict[Language, str]] = {
    "sv": "Uppgiften lämnades inte ut (kod {code}).",
    "en": "The information was not shared (code {code}).",
}

_PURPOSE_NAME_SV: Final[dict[str, str]] = {
    "lov.matching": "Matchning mot arbete och utbildning",
    "lov.preparation": "Förberedelse för arbete eller studier (rusta)",
    "lov.contact": "Kontakt för att boka och hålla möten",
    "lov.compensation": "Beräkning av leverantörens ersättning",
    "lov.follow-up": "Uppföljning av resultatet efter anvisningen",
    "consent.registration-status": "Besked till en namngiven mottagare om att du är inskriven",
}

_EVENT_TYPE: Final[dict[str, dict[Language, str]]] = {
    "REGISTRATION": {"sv": "Inskrivning", "en": "Registration"},
    "DEREGISTRATION": {"sv": "Avaktualisering", "en": "Deregistration"},
    "ASSESSMENT": {"sv": "Bedömning", "en": "Assessment"},
    "ASSIGNMENT_STARTED": {"sv": "Anvisning påbörjad", "en": "Assignment started"},
    "ASSIGNMENT_ENDED": {"sv": "Anvisning avslutad", "en": "Assignment ended"},
    "PLAN_UPDATED": {"sv": "Handlingsplan ändrad", "en": "Action plan updated"},
    "CONTACT_DETAILS_CHANGED": {"sv": "Kontaktuppgifter ändrade", "en": "Contact details changed"},
    "HEALTH_RESTRICTION_RECORDED": {
        "sv": "Hälsorelaterad begränsning",
        "en": "Health-related restriction",
    },
    "PROTECTED_IDENTITY_SET": {"sv": "Skyddade personuppgifter", "en": "Protected identity"},
    "PROTECTED_IDENTITY_CLEARED": {
        "sv": "Skyddade personuppgifter upphävda",
        "en": "Protected identity cleared",
    },
    "CONSENT_GIVEN": {"sv": "Samtycke lämnat", "en": "Consent given"},
    "CONSENT_WITHDRAWN": {"sv": "Samtycke återkallat", "en": "Consent withdrawn"},
    # Hub-made deliveries and the v3 event types (issue 11).
    "REGISTRATION_STATUS": {
        "sv": "Besked om inskrivning (på ditt samtycke)",
        "en": "Answer on registration status (on your consent)",
    },
    "CORRECTION": {"sv": "Rättelse", "en": "Correction"},
    "RESTRICTION_SET": {"sv": "Begränsning av behandling", "en": "Restriction of processing"},
    "RESTRICTION_CLEARED": {
        "sv": "Begränsning av behandling hävd",
        "en": "Restriction of processing lifted",
    },
}

_LEGAL_BASIS: Final[dict[str, dict[Language, str]]] = {
    "ASSIGNMENT": {
        "sv": "Anvisning enligt lagen om valfrihetssystem (LOV)",
        "en": "Assignment under the Act on System of Choice (LOV)",
    },
    "CONSENT": {"sv": "Ditt samtycke", "en": "Your consent"},
    "NONE": {"sv": "Ingen rättslig grund", "en": "No legal basis"},
}

# The commands an operator looks a person up with (OperatorLookup.command).
_LOOKUP_COMMAND: Final[dict[str, dict[Language, str]]] = {
    "ACCESS_REPORT": {
        "sv": "Sammanställning av vem som har fått uppgifter om dig (registerutdrag)",
        "en": "Report of who has received data about you (access report)",
    },
    "REPLAY": {
        "sv": "Genomgång av navets beslut om dig",
        "en": "Review of the hub's decisions about you",
    },
    "OTHER": {"sv": "Annan sökning", "en": "Other lookup"},
}

# The last part of a delivered field's path, in plain words.
_FIELD: Final[dict[str, dict[Language, str]]] = {
    "municipality_code": {"sv": "kommun", "en": "municipality"},
    "age_band": {"sv": "åldersgrupp", "en": "age band"},
    "birth_year": {"sv": "födelseår", "en": "year of birth"},
    "education_level": {"sv": "utbildningsnivå", "en": "education level"},
    "languages": {"sv": "språk", "en": "languages"},
    "given_name": {"sv": "förnamn", "en": "first name"},
    "preferred_language": {"sv": "önskat språk", "en": "preferred language"},
    "registered": {"sv": "inskriven (ja/nej)", "en": "registered (yes/no)"},
    "consent_reference": {
        "sv": "mottagarens referens som du angav",
        "en": "the recipient's reference you gave",
    },
    "delivery_kind": {"sv": "slag av utlämning", "en": "kind of delivery"},
    "corrects_event_id": {"sv": "vilken uppgift som rättas", "en": "which record is corrected"},
    "registered_at": {"sv": "inskriven (ja/nej)", "en": "registered (yes/no)"},
    "deregistered": {"sv": "avaktualiserad (ja/nej)", "en": "deregistered (yes/no)"},
    "reason": {"sv": "orsak", "en": "reason"},
    "distance_category": {
        "sv": "avstånd till arbetsmarknaden",
        "en": "distance from the labour market",
    },
    "support_need": {"sv": "stödbehov", "en": "support need"},
    "method": {"sv": "bedömningssätt", "en": "assessment method"},
    "code": {"sv": "skälkoder", "en": "reason codes"},
    "assignment_id": {"sv": "anvisningens id", "en": "assignment id"},
    "service_code": {"sv": "tjänst", "en": "service"},
    "valid_from": {"sv": "giltig från", "en": "valid from"},
    "valid_to": {"sv": "giltig till", "en": "valid to"},
    "valid_until": {"sv": "giltig till", "en": "valid until"},
    "plan_id": {"sv": "handlingsplan", "en": "action plan"},
    "activity_code": {"sv": "aktiviteter", "en": "activities"},
    "starts_on": {"sv": "aktiviteternas start", "en": "activity start dates"},
    "ends_on": {"sv": "aktiviteternas slut", "en": "activity end dates"},
    "phone": {"sv": "telefonnummer", "en": "phone number"},
    "email": {"sv": "e-postadress", "en": "e-mail address"},
    "restriction_code": {"sv": "begränsningskod", "en": "restriction code"},
    "work_ability_percent": {"sv": "arbetsförmåga (procent)", "en": "work ability (percent)"},
}

_LABELS: Final[dict[str, dict[Language, str]]] = {
    "title": {"sv": "Vem har fått uppgifter om mig?", "en": "Who has received data about me?"},
    "intro": {
        "sv": "Det här är en sammanställning enligt artikel 15 i dataskyddsförordningen "
        "(GDPR) av vilka mottagare som har fått uppgifter om dig genom "
        "Arbetsförmedlingens delningsnav, när, vilka uppgifter, för vilket ändamål och "
        "med vilken rättslig grund, samt vad som inte lämnades ut och varför.",
        "en": "This is a summary under article 15 of the General Data Protection Regulation "
        "(GDPR) of which recipients have received data about you through the employment "
        "service's sharing hub: when, which data, for which purpose and on which legal "
        "basis, and what was not shared and why.",
    },
    "generated": {"sv": "Sammanställd", "en": "Generated"},
    "delivery_count": {"sv": "utlämnanden", "en": "deliveries"},
    "provider_reports": {
        "sv": "Rapporter om dig från leverantörer till Arbetsförmedlingen",
        "en": "Reports about you from providers to the employment service",
    },
    "forwarded": {
        "sv": "Vidarebefordrad till Arbetsförmedlingen",
        "en": "Forwarded to the employment service",
    },
    "report_refused": {"sv": "Inte vidarebefordrad", "en": "Not forwarded"},
    "provider": {"sv": "Leverantör", "en": "Provider"},
    "recipients": {"sv": "Mottagare", "en": "Recipients"},
    "location": {
        "sv": "Var mottagaren lagrar uppgifterna (enligt registret i dag)",
        "en": "Where the recipient keeps the data (as the register says today)",
    },
    "hosting": {"sv": "drift hos", "en": "hosted by"},
    "sub_processors": {"sv": "underbiträden", "en": "sub-processors"},
    "location_unknown": {"sv": "inte angivet i registret", "en": "not in the register"},
    "deliveries": {"sv": "Utlämnade uppgifter (senaste först)", "en": "Data shared (newest first)"},
    "withheld": {"sv": "Uppgifter som inte lämnades ut", "en": "Data not shared"},
    "none_delivered": {
        "sv": "Inga uppgifter om dig har lämnats ut.",
        "en": "No data about you has been shared.",
    },
    "none_withheld": {"sv": "Inget att redovisa.", "en": "Nothing to report."},
    "no_record": {
        "sv": "Navet har inga uppgifter om dig alls: inget beslut i navets granskningslogg "
        "nämner dig. Navet har alltså varken behandlat eller lämnat ut något om dig. Om du "
        "tror att det är fel, kontrollera att rätt person har sökts fram.",
        "en": "The hub has no record of you at all: no decision in the hub's audit log "
        "mentions you. So the hub has neither processed nor shared anything about you. If "
        "you think this is wrong, check that the right person was looked up.",
    },
    "when": {"sv": "När", "en": "When"},
    "recipient": {"sv": "Mottagare", "en": "Recipient"},
    "event": {"sv": "Händelse", "en": "Event"},
    "fields": {"sv": "Uppgifter", "en": "Data"},
    "purpose": {"sv": "Ändamål", "en": "Purpose"},
    "legal_basis": {"sv": "Rättslig grund", "en": "Legal basis"},
    "consent": {"sv": "samtycke", "en": "consent"},
    "why": {"sv": "Varför", "en": "Why"},
    "count": {"sv": "Antal", "en": "Count"},
    "first": {"sv": "Första", "en": "First"},
    "last": {"sv": "Senaste", "en": "Latest"},
    "redelivery": {"sv": "skickad igen efter avbrott", "en": "re-sent after an outage"},
    "not_processed": {
        "sv": "Uppgifter som inte kunde behandlas och därför inte lämnades ut",
        "en": "Records that could not be processed and so were not shared",
    },
    "not_shared_with_anyone": {
        "sv": "Händelser som inte lämnades ut till någon",
        "en": "Events not shared with anyone",
    },
    # Operators' lookups of the person (issue 15, part 4).
    "lookups": {
        "sv": "Sökningar på dig i navets granskningslogg (senaste först)",
        "en": "Lookups of you in the hub's audit log (newest first)",
    },
    "lookups_intro": {
        "sv": "Varje gång någon på Arbetsförmedlingen söker fram dig i navets granskningslogg "
        "registreras när, för vilket ärende, av vem och hur. Sökningen som gjordes för den "
        "här sammanställningen är registrerad och står med nedan.",
        "en": "Each time someone at the employment service looks you up in the hub's audit "
        "log, when, for which case, by whom and how is recorded. The lookup made for this "
        "report is recorded and listed below.",
    },
    "case": {"sv": "Ärende", "en": "Case"},
    "operator": {"sv": "Av vem", "en": "By whom"},
    "by": {"sv": "av", "en": "by"},
    "lookup": {"sv": "Sökning", "en": "Lookup"},
    "this_report": {"sv": "den här sammanställningen", "en": "this report"},
    "none_looked_up": {
        "sv": "Ingen har sökt fram dig i navets granskningslogg.",
        "en": "No one has looked you up in the hub's audit log.",
    },
}


def reason_text(code: str, lang: Language) -> str:
    """The reason code in plain words; an unknown code is shown as itself, never hidden."""
    text = REASON_TEXT.get(code)
    return text[lang] if text else _UNKNOWN_REASON[lang].format(code=code)


def purpose_name(purpose_id: str, description: str | None, lang: Language) -> str:
    """The purpose's name: Swedish from the table above, else the catalogue's description."""
    if lang == "sv" and purpose_id in _PURPOSE_NAME_SV:
        return _PURPOSE_NAME_SV[purpose_id]
    return description or purpose_id


def event_type_text(event_type: str | None, lang: Language) -> str:
    if event_type is None:
        return "-"
    text = _EVENT_TYPE.get(event_type)
    return text[lang] if text else event_type


def legal_basis_text(basis: str, lang: Language) -> str:
    text = _LEGAL_BASIS.get(basis)
    return text[lang] if text else basis


def lookup_command_text(command: str, lang: Language) -> str:
    """How the operator looked the person up, in plain words (an unknown command as itself)."""
    text = _LOOKUP_COMMAND.get(command)
    return text[lang] if text else command


def field_text(path: str, lang: Language) -> str:
    """A delivered field's path in plain words (the path itself when there is none)."""
    last = path.replace("[]", "").rsplit(".", 1)[-1]
    text = _FIELD.get(last)
    return text[lang] if text else path


def label(name: str, lang: Language) -> str:
    return _LABELS[name][lang]
