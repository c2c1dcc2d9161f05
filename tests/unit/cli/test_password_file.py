"""--password-file reads what --credentials-out writes (issue 14, part 5), or a bare password."""

from __future__ import annotations

import json

import pytest

from lovhub.cli.consume import password_from_file
from lovhub.errors import ConfigurationError

# The format `lovhub recipient add --credentials-out` writes, built here independently.
WRITTEN = json.dumps({"username": "jobbcoach-syd", "password": "s3cret-Pw"}, indent=2) + "\n"


def test_the_credentials_file_gives_its_password() -> None:
    assert password_from_file(WRITTEN, "jobbcoach-syd") == "s3cret-Pw"


def test_a_bare_password_file_still_works() -> None:
    assert password_from_file("  s3cret-Pw\n", "jobbcoach-syd") == "s3cret-Pw"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (WRITTEN, "not nya-vagar's"),
        ('{"username": "nya-vagar"}', "no password"),
        ('{"password": 42}', "no password"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_credentials_file_that_does_not_fit_is_refused(text: str, message: str) -> None:
    principal = "nya-vagar" if "not nya" in message else "jobbcoach-syd"
    with pytest.raises(ConfigurationError, match=message) as caught:
        password_from_file(text, principal)
    assert "s3cret" not in str(caught.value)
