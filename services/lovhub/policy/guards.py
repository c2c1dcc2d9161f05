"""Guarantees written in code, so that they hold whatever a policy file says.

- Address and contact fields of a jobseeker with protected identity never leave the hub:
  :func:`is_contact_path` recognises them by path (the built-in paths, anything under or
  above them, and any segment that names an address, phone or e-mail), and the minimiser
  drops them for a protected person even when a faulty policy allows them.
- Direct identifiers and free text may only be delivered encrypted (``personal: true``).
"""

from __future__ import annotations

import functools

__all__ = [
    "BUILTIN_PROTECTED_IDENTITY_PATHS",
    "DIRECT_IDENTIFIER_PATHS",
    "RECORD_PATHS",
    "is_contact_path",
    "is_under",
]

#: Paths every policy's ``protected_identity_paths`` must include.
BUILTIN_PROTECTED_IDENTITY_PATHS: tuple[str, ...] = ("body.address", "body.phone", "body.email")
#: Paths that identify or locate a person directly: delivered only as personal (encrypted).
DIRECT_IDENTIFIER_PATHS: frozenset[str] = frozenset(
    {
        "body.personal_id",
        "body.given_name",
        "body.family_name",
        "body.birth_date",
        "body.phone",
        "body.email",
        "body.address.street",
        "body.address.postal_code",
        "body.address.city",
    }
)
#: Paths whose value is a record: no transform but ``municipality`` can deliver them.
RECORD_PATHS: frozenset[str] = frozenset({"body", "body.address"})

# A path segment containing one of these words is contact data for protected identity.
_CONTACT_WORDS = ("address", "phone", "mobile", "email", "e_mail", "street", "postal", "municip")
_CONTACT_SEGMENTS = frozenset({"city", "zip", "co", "care_of"})


def is_under(path: str, ancestor: str) -> bool:
    """True when ``path`` is ``ancestor`` or lies inside it (``[]`` markers ignored)."""
    path, ancestor = path.replace("[]", ""), ancestor.replace("[]", "")
    return path == ancestor or path.startswith(ancestor + ".")


@functools.lru_cache(maxsize=4096)
def is_contact_path(path: str, extra: tuple[str, ...] = ()) -> bool:
    """True for an address or contact path (or a record containing one).

    ``extra`` adds a policy's own ``protected_identity_paths`` to the built-in ones.
    """
    for protected in (*BUILTIN_PROTECTED_IDENTITY_PATHS, *extra):
        if is_under(path, protected) or is_under(protected, path):
            return True
    for segment in path.replace("[]", "").split(".")[1:]:
        if segment in _CONTACT_SEGMENTS or any(word in segment for word in _CONTACT_WORDS):
            return True
    return False
