"""How large a value may be: the same limits for every way in and for every database.

The table columns are declared with these lengths (ledger.models), and the reception's
validation (ledger.validation) and the workbook reader (reports.template) check them
before anything is stored, so SQLite (which would store anything) and PostgreSQL (which
would abort the whole transaction) accept exactly the same receptions, and ``check``
agrees with ``import``.
"""

from __future__ import annotations

from decimal import Decimal

# no county bureau's reception costs a billion yuan: a larger figure is a typo or an attack
MAX_AMOUNT = Decimal("999999999.99")
# guests, companions, diners, lodging people: more than a hundred thousand is not a reception
MAX_COUNT = 100_000

# characters per text field; the String columns are declared with these lengths
UNIT = 200  # visiting unit, a person's unit, a venue
ACTIVITY = 500
LETTER_NO = 100
LETTER_TITLE = 300
PERSON_NAME = 64  # people's names, user names, display names, 经办人
PERSON_TITLE = 100
INVOICE_NO = 100
POLICY_NAME = 100  # a policy version's name
# free text stored in unbounded columns still has a ceiling a form can show
PROSE = 4000

RECEPTION_TEXT: dict[str, int] = {
    "visiting_unit": UNIT,
    "activity": ACTIVITY,
    "letter_no": LETTER_NO,
    "letter_title": LETTER_TITLE,
    "phone_record": PROSE,
    "gift_description": PROSE,
    "classified_reason": PROSE,
    "remarks": PROSE,
    "clerk_name": PERSON_NAME,
}
PERSON_TEXT: dict[str, int] = {"name": PERSON_NAME, "unit": UNIT, "title": PERSON_TITLE}
MEAL_TEXT: dict[str, int] = {"venue": UNIT, "invoice_no": INVOICE_NO}
