"""The regional part of a new policy version (issue 9): caps for 本地 guests and which units are
本地, the lodging cap, the foreign-guest section, the documents required before submission, the
pre-approval switch and the guest-list rule. Embedded in the policy tab of the settings."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from ledger.i18n import tr
from ledger.money import MoneyError, parse_money
from ledger.policy import DocumentRule, ForeignRule, LodgingRule, Policy
from ledger.records import ATTACHMENT_KINDS, MEAL_KINDS
from ui.widgets import error_label

UNIT_SEPARATORS = "、,，;；\n"


def split_units(text: str) -> tuple[str, ...]:
    for sep in UNIT_SEPARATORS:
        text = text.replace(sep, "、")
    out: list[str] = []
    for part in text.split("、"):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return tuple(out)


def regional_text(p: Policy) -> str:
    """One line for the versions table: 本地 caps, lodging, foreign guests, documents."""
    local = "/".join(f"{p.local_meal_cap(k):.0f}" for k in MEAL_KINDS)
    foreign = "/".join(f"{p.foreign.meal_cap(k):.0f}" for k in MEAL_KINDS)
    lodging = (
        tr("住宿 {c}/人·晚").format(c=f"{p.lodging.cap_per_person_night:.2f}")
        if p.lodging.check
        else tr("住宿不查")
    )
    parts = [
        tr("本地 {c}").format(c=local),
        lodging,
        tr("外宾 {c}，宴请 {n} 次").format(c=foreign, n=p.foreign.max_banquets),
        tr("单据：{d}").format(d=p.documents.labels() or tr("无")),
    ]
    if p.check_pre_approval:
        parts.append(tr("事前审批"))
    if p.require_guest_names:
        parts.append(tr("名单须完整"))
    return "；".join(parts)


class RegionalPolicyForm(QWidget):
    """The fields of the regional parameters; ``fill`` from a version, ``changes`` for a new one."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.local_cap_edits = {kind: QLineEdit() for kind in MEAL_KINDS}
        self.foreign_cap_edits = {kind: QLineEdit() for kind in MEAL_KINDS}
        self.local_units_edit = QLineEdit()
        self.local_units_edit.setPlaceholderText(
            tr("如：嘉鱼县、咸宁市（来访单位名称含其中任一词语即为本地）")
        )
        self.lodging_box = QCheckBox(tr("检查住宿费（lodging_over_cap）"))
        self.lodging_cap_edit = QLineEdit()
        self.banquets_spin = QSpinBox()
        self.banquets_spin.setRange(0, 99)
        self.document_boxes = {kind: QCheckBox(label) for kind, label in ATTACHMENT_KINDS.items()}
        self.pre_approval_box = QCheckBox(tr("检查事前审批（须附“审批单”，pre_approval_missing）"))
        self.guest_names_box = QCheckBox(tr("接待对象名单须完整（名单人数不少于接待对象人数方可提交）"))
        self.message = error_label()

        form = QFormLayout(self)
        form.addRow(tr("本地来宾餐费标准（元/人）"), self._caps_row(self.local_cap_edits))
        form.addRow(tr("本地单位"), self.local_units_edit)
        lodging = QHBoxLayout()
        lodging.addWidget(self.lodging_box)
        lodging.addWidget(QLabel(tr("标准（元/人·晚）")))
        lodging.addWidget(self.lodging_cap_edit)
        lodging.addStretch(1)
        form.addRow(tr("住宿"), lodging)
        form.addRow(tr("外宾餐费标准（元/人）"), self._caps_row(self.foreign_cap_edits))
        form.addRow(tr("外宾宴请次数上限"), self.banquets_spin)
        documents = QHBoxLayout()
        for box in self.document_boxes.values():
            documents.addWidget(box)
        documents.addStretch(1)
        form.addRow(tr("提交前须附单据"), documents)
        form.addRow("", self.pre_approval_box)
        form.addRow("", self.guest_names_box)
        form.addRow("", self.message)
        self.lodging_box.toggled.connect(self.lodging_cap_edit.setEnabled)

    @staticmethod
    def _caps_row(edits: dict[str, QLineEdit]) -> QHBoxLayout:
        row = QHBoxLayout()
        for kind, edit in edits.items():
            row.addWidget(QLabel(MEAL_KINDS[kind]))
            edit.setMaximumWidth(90)
            row.addWidget(edit)
        row.addStretch(1)
        return row

    def fill(self, p: Policy) -> None:
        for kind, edit in self.local_cap_edits.items():
            edit.setText(f"{p.local_meal_cap(kind):.2f}")
        for kind, edit in self.foreign_cap_edits.items():
            edit.setText(f"{p.foreign.meal_cap(kind):.2f}")
        self.local_units_edit.setText("、".join(p.local_units))
        self.lodging_box.setChecked(p.lodging.check)
        self.lodging_cap_edit.setText(f"{p.lodging.cap_per_person_night:.2f}")
        self.lodging_cap_edit.setEnabled(p.lodging.check)
        self.banquets_spin.setValue(p.foreign.max_banquets)
        for kind, box in self.document_boxes.items():
            box.setChecked(kind in p.documents.required)
        self.pre_approval_box.setChecked(p.check_pre_approval)
        self.guest_names_box.setChecked(p.require_guest_names)
        self.message.hide()

    def _caps(self, edits: dict[str, QLineEdit], group: str, bad: list[str]) -> dict[str, Decimal]:
        caps: dict[str, Decimal] = {}
        for kind, edit in edits.items():
            label = group + MEAL_KINDS[kind]
            if not edit.text().strip():
                bad.append(tr("{what}：请填写标准金额").format(what=label))
                continue
            try:
                caps[kind] = parse_money(edit.text())
            except MoneyError as exc:
                bad.append(f"{label}：{exc}")
        return caps

    def changes(self) -> dict[str, Any] | None:
        """The regional fields for ``dataclasses.replace``, or None with the problems shown."""
        bad: list[str] = []
        local = self._caps(self.local_cap_edits, tr("本地"), bad)
        foreign = self._caps(self.foreign_cap_edits, tr("外宾"), bad)
        lodging_cap = Decimal("0.00")
        text = self.lodging_cap_edit.text().strip()
        if text:
            try:
                lodging_cap = parse_money(text)
            except MoneyError as exc:
                bad.append(tr("住宿标准：{e}").format(e=exc))
        elif self.lodging_box.isChecked():
            bad.append(tr("住宿标准：检查住宿费时请填写每人每晚的标准"))
        if bad:
            self.message.setText("；".join(bad))
            self.message.show()
            return None
        self.message.hide()
        return {
            "meal_caps_local": local,
            "local_units": split_units(self.local_units_edit.text()),
            "lodging": LodgingRule(check=self.lodging_box.isChecked(), cap_per_person_night=lodging_cap),
            "foreign": ForeignRule(meal_caps=foreign, max_banquets=self.banquets_spin.value()),
            "documents": DocumentRule(tuple(k for k, box in self.document_boxes.items() if box.isChecked())),
            "check_pre_approval": self.pre_approval_box.isChecked(),
            "require_guest_names": self.guest_names_box.isChecked(),
        }

    def apply(self, policy: Policy) -> Policy | None:
        changes = self.changes()
        return None if changes is None else replace(policy, **changes)
