"""The live check of the reception form: what the service says of the record as typed.

One run is one ``assess`` and one ``validate``; a write reuses it (the explanations it sends
are those of the breaches found) and a refusal is shown with it, without asking again.
Problems are shown at their fields (``FieldIndex``), breaches marked on the fields they
concern, explanations asked for in the check panel.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from ledger.i18n import tr
from ledger.money import fmt
from ledger.policy import RULES
from ledger.records import Assessment, Attachment, Reception
from ledger.service import InvalidReception, LedgerError, LedgerService, StaleEdit
from ui.autosave import Autosaver
from ui.reception.attachments_tab import AttachmentsTab
from ui.reception.check_panel import NOT_FINAL, CheckPanel
from ui.reception.costs_tab import CostsTab
from ui.reception.fields import FieldIndex, mark
from ui.reception.header import Header

# which fields a breach of a rule marks
BREACH_FIELDS = (
    ("companion_count", "companions_over_cap"),
    ("letter_no", "missing_official_letter"),
    ("phone_record", "missing_official_letter"),
    ("gift_amount", "gift"),
    ("gift_description", "gift"),
    ("meals", "too_many_meals"),
)


class Checked(Protocol):
    """What the check reads of the form."""

    service: LedgerService
    fields: FieldIndex
    costs: CostsTab
    check: CheckPanel
    attachments: AttachmentsTab
    header: Header
    tabs: QTabWidget

    @property
    def reception(self) -> Reception: ...
    @property
    def autosaver(self) -> Autosaver: ...
    def is_editable(self) -> bool: ...
    def typed_problems(self) -> dict[str, str]: ...
    def current_reception(self, *, all_explanations: bool = False) -> Reception: ...
    def say(self, message: str, *, error: bool = False) -> None: ...


class LiveCheck:
    """The check of one form: its last assessment and problems, and how refusals are shown."""

    def __init__(self, form: Checked) -> None:
        self.form = form
        self.assessment: Assessment | None = None
        self.problems: dict[str, str] = {}
        self.service_problems: dict[str, str] = {}  # what the last refusal reported
        self.submit_tried = False  # after a 提交审核, submit's own problems are shown too
        self._shown: tuple[Reception, bool] | None = None

    def run(self, r: Reception) -> None:
        """Assess and validate the record as typed; show figures, breaches and problems."""
        form = self.form
        counted, refused = form.costs.counted(r)
        self.assessment = form.service.assess(counted)
        self._shown = (counted, refused)
        self._show_assessment(counted, self.assessment, refused)
        validated = form.service.validate(r, for_submit=self.submit_tried)
        self.show_problems(self._problems(validated))
        self._show_documents(r)

    def _show_documents(self, r: Reception) -> None:
        """The documents the policy requires and which of them the reception still lacks (its
        files, a new form's files waiting to be saved, the letter's scan, the approved plan)."""
        form = self.form
        required = form.service.policy_for(r.reception_date).documents.required
        if not required:
            form.check.show_documents((), ())
            return
        pending = tuple(
            Attachment(0, kind, name, "", len(content)) for name, content, kind in form.attachments.pending()
        )
        with_files = replace(r, attachments=r.attachments + pending) if pending else r
        form.check.show_documents(required, form.service.missing_documents(with_files))

    def show_written(self) -> None:
        """After a write the service took: the record is what was checked, and has no problems."""
        if self.assessment is not None and self._shown is not None:
            self._show_assessment(self._shown[0], self.assessment, self._shown[1])
        self.show_problems({})

    def _show_assessment(self, r: Reception, a: Assessment, not_final: bool) -> None:
        form = self.form
        by_rule = form.check.show_assessment(r, a, editable=form.is_editable(), not_final=not_final)
        totals = tr("餐费 {m} 元　烟酒 {t} 元　合计 {x} 元")
        form.costs.meal_totals.setText(
            totals.format(m=fmt(r.meal_total), t=fmt(r.tobacco_alcohol_total), x=fmt(a.total))
            + (NOT_FINAL if not_final else "")
        )
        form.costs.meal_totals.setStyleSheet("color: #c62828;" if not_final else "")
        for key, rule in BREACH_FIELDS:
            widget = form.fields.widget[key]
            mark(widget, "breach", rule in by_rule)
            widget.setToolTip("\n".join(by_rule[rule]) if rule in by_rule else "")
        meal_breaches: dict[int, list[str]] = {}
        for v in a.violations:
            if v.meal_index is not None:
                meal_breaches.setdefault(v.meal_index, []).append(v.message)
        form.costs.meals_model.set_breaches(meal_breaches)

    def _problems(self, validated: dict[str, str]) -> dict[str, str]:
        """Local refusals first, then the service's, the missing explanations, the last refusal's."""
        form = self.form
        problems = form.typed_problems()
        for key, message in validated.items():
            problems.setdefault(key, message)
        if self.submit_tried and self.assessment is not None:
            for rule in self.assessment.rules:
                box = form.check.rule_boxes.get(rule)
                if box is None or not box.text().strip():
                    problems[f"explanations.{rule}"] = tr("请为“{rule}”填写情况说明后再提交").format(
                        rule=RULES.get(rule, rule)
                    )
        # problems the service reported that the form cannot recompute (e.g. attachments)
        for key, message in self.service_problems.items():
            if (
                key not in problems
                and not key.startswith(("explanations.", "meals["))
                and key not in form.fields.widget
            ):
                problems[key] = message
        return problems

    def show_problems(self, problems: dict[str, str]) -> None:
        form = self.form
        for key, error in form.fields.error.items():
            message = problems.get(key, "")
            mark(form.fields.widget[key], "problem", bool(message))
            _say_at(error, message)
        meal_lines = [message for key, message in problems.items() if key.startswith("meals[")]
        form.costs.meals_model.set_problems(problems)
        if meal_lines:
            form.costs.meals_error.setText("\n".join(dict.fromkeys(meal_lines)))
            form.costs.meals_error.show()
            mark(form.costs.meals_view, "problem", True)
        elif not problems.get("meals"):
            form.costs.meals_error.hide()
        for rule, box in form.check.rule_boxes.items():
            message = problems.get(f"explanations.{rule}", "")
            mark(box.explanation, "problem", bool(message))
            _say_at(box.error, message)
        self.problems = problems

    def refused(self, exc: LedgerError, doing: str) -> None:
        """Show why a write was refused, with what the last run found; the typing stays."""
        form = self.form
        if isinstance(exc, StaleEdit):
            form.header.show_banner(
                str(exc) + tr("您填写的内容仍保留在此窗口中（并已自动保存），可对照最新版本后重新填写。"),
                "error",
            )
            form.header.open_latest_button.setVisible(form.reception.id is not None)
            form.autosaver.changed()
            form.autosaver.write_now()
            form.say(tr("未{doing}：记录已在别处被修改").format(doing=doing), error=True)
            return
        if isinstance(exc, InvalidReception):
            self.service_problems = dict(exc.problems)
            problems = {**self._problems({}), **exc.problems}
            for key, message in self.problems.items():
                problems.setdefault(key, message)
            self.show_problems(problems)
            lines = list(dict.fromkeys([*exc.problems.values(), *problems.values()]))
            form.say(tr("未{doing}：").format(doing=doing) + "；".join(lines), error=True, about_fields=True)
            self.focus(next(iter(exc.problems)))
            return
        form.say(tr("未{doing}：{reason}").format(doing=doing, reason=exc), error=True)

    def focus(self, key: str) -> None:
        """Take the user to the field of a problem."""
        form = self.form
        if key.startswith("explanations."):
            box = form.check.rule_boxes.get(key.split(".", 1)[1])
            if box is not None:
                box.explanation.setFocus()
            return
        if key.startswith("meals["):
            key = "meals"
        if key in form.fields.widget:
            form.tabs.setCurrentIndex(form.fields.tab[key])
            widget: QWidget = form.fields.widget[key]
            widget.setFocus()


def _say_at(label: QLabel, message: str) -> None:
    label.setText(message)
    label.setVisible(bool(message))
