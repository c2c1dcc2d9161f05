"""Errors of the identity package.

    LovhubError
    └── InvalidIdentifierError          an identifier fails its format or check digit
        ├── InvalidPersonalIdError       reason BAD_PERSONAL_ID
        └── InvalidOrganisationNumberError  reason BAD_ORGANISATION_NUMBER

Like :class:`lovhub.codec.InvalidFieldError` they carry a reason code and the field's path,
never the value: the value is personal data (or may be, when it is garbage).
"""

from __future__ import annotations

from lovhub.errors import LovhubError

__all__ = ["InvalidIdentifierError", "InvalidOrganisationNumberError", "InvalidPersonalIdError"]


class InvalidIdentifierError(LovhubError):
    """An identifier is not valid. ``reason`` is a stable code, ``path`` names the field."""

    code = "INVALID_IDENTIFIER"
    reason = "BAD_IDENTIFIER"

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"invalid field {path or '<value>'}: {self.reason}")

    def __reduce__(self) -> tuple[type[InvalidIdentifierError], tuple[str]]:
        return (type(self), (self.path,))


class InvalidPersonalIdError(InvalidIdentifierError):
    reason = "BAD_PERSONAL_ID"


class InvalidOrganisationNumberError(InvalidIdentifierError):
    reason = "BAD_ORGANISATION_NUMBER"
