"""Identifiers that enter the hub: personal identity and coordination numbers, organisation
numbers and recipient ids. Validation is pure (no clock, no I/O) and never echoes a value.
"""

from lovhub.identity.errors import (
    InvalidIdentifierError,
    InvalidOrganisationNumberError,
    InvalidPersonalIdError,
)
from lovhub.identity.luhn import luhn_check_digit, luhn_valid
from lovhub.identity.organisation_number import (
    is_valid_organisation_number,
    parse_organisation_number,
    synthetic_organisation_number,
)
from lovhub.identity.personal_id import (
    COORDINATION_DAY_OFFSET,
    PersonalId,
    is_valid_personal_id,
    parse_personal_id,
    synthetic_personal_id,
    synthetic_personal_ids,
)
from lovhub.identity.recipient_id import RECIPIENT_ID_PATTERN, is_reserved_id, is_valid_recipient_id
from lovhub.identity.shapes import holds_personal_id_shape, is_personal_id_shape

__all__ = [
    "COORDINATION_DAY_OFFSET",
    "RECIPIENT_ID_PATTERN",
    "InvalidIdentifierError",
    "InvalidOrganisationNumberError",
    "InvalidPersonalIdError",
    "PersonalId",
    "holds_personal_id_shape",
    "is_personal_id_shape",
    "is_reserved_id",
    "is_valid_organisation_number",
    "is_valid_personal_id",
    "is_valid_recipient_id",
    "luhn_check_digit",
    "luhn_valid",
    "parse_organisation_number",
    "parse_personal_id",
    "synthetic_organisation_number",
    "synthetic_personal_id",
    "synthetic_personal_ids",
]
