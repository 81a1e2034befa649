"""Attack on issue 10: the life of a reception in the wrong order.

README (报销): "After approval a 经办人 presses 登记报销… ... The figures stay locked." and
"Refused before approval and for a void reception." (作废): "A void reception ... counts nowhere:
not in the status bar's total, the year-on-year target, notices, the disclosure ...".
A reception whose voucher was recorded (money paid out) must not vanish from every total by a
reopen + void, nor have its figures changed under the recorded voucher.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ledger.errors import LedgerError
from ledger.records import Status
from ledger.service import LedgerService
from tests.conftest import Team, sample_reception


@pytest.fixture(autouse=True)
def _spring(service: LedgerService) -> None:
    service.clock = lambda: datetime(2026, 3, 20, 9, 0)


def reimbursed(service: LedgerService, team: Team):  # type: ignore[no-untyped-def]
    r = service.submit(team.clerk, sample_reception(date(2026, 3, 12), letter_no="市教函〔2026〕9号"))
    r = service.approve(team.approver, r.id, version=r.version)
    return service.record_reimbursement(team.clerk, r.id, "记-001", date(2026, 3, 15), version=r.version)


def test_a_reimbursed_reception_cannot_be_voided_after_a_reopen(service: LedgerService, team: Team) -> None:
    r = reimbursed(service, team)
    assert r.reimbursement_no == "记-001"
    r = service.reopen(team.approver, r.id, "改日期", version=r.version)
    assert r.status == Status.RETURNED and r.reimbursement_no == "记-001"  # the voucher stays
    with pytest.raises(LedgerError):
        # today: voided, keeps 记-001, and its 300.00 paid out leaves every total and the target
        service.void(team.clerk, r.id, "不要了", version=r.version)


def test_the_figures_of_a_reimbursed_reception_stay_locked_after_a_reopen(
    service: LedgerService, team: Team
) -> None:
    from dataclasses import replace
    from decimal import Decimal

    r = reimbursed(service, team)
    r = service.reopen(team.approver, r.id, "改日期", version=r.version)
    meal = replace(r.meals[0], amount=Decimal("390.00"))
    try:
        changed = service.save(team.clerk, replace(r, meals=(meal,)))
    except LedgerError:
        return  # refused: the figures stay as reimbursed
    # or, at the least, the voucher recorded for 300.00 no longer stands beside 390.00 unremarked
    assert changed.reimbursement_no == "", (
        "the total changed to 390.00 under voucher 记-001 (recorded for 300.00)"
    )
