"""Attack on issue 10: the letter register's "any spelling".

README (公函登记): "A number registered already — in any spelling: 〔〕 or [], full-width digits,
spaces — is refused at the field." 〔〕, [], 【】, （）, ﹝﹞, full-width digits, zero-width and
no-break spaces are all caught (tried); the angle brackets a Chinese keyboard gives for < > are not.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ledger.errors import InvalidReception
from ledger.preapproval import Letter
from ledger.service import LedgerService
from tests.conftest import Team


@pytest.fixture(autouse=True)
def _march(service: LedgerService) -> None:
    service.clock = lambda: datetime(2026, 3, 1, 9, 0)


@pytest.mark.parametrize(
    "spelling", ["市教函〈2026〉7号", "市教函《2026》7号", "市教函<2026>7号", "市教函「2026」7号"]
)
def test_a_letter_number_in_angle_brackets_is_the_same_letter(
    service: LedgerService, team: Team, spelling: str
) -> None:
    service.register_letter(
        team.clerk, Letter("市教函〔2026〕7号", "市教育局", "督导函", date(2026, 3, 1)), ("函.pdf", b"%PDF")
    )
    with pytest.raises(InvalidReception):  # registered with its scan already: a duplicate
        service.register_letter(team.clerk, Letter(spelling, "市教育局"))
    assert [x.letter_no for x in service.letters()] == ["市教函〔2026〕7号"]
