"""The live check at the side of the form: figures, the verdict, and a box per breached rule
with its explanation (情况说明)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ledger.i18n import tr
from ledger.money import fmt
from ledger.policy import RULES
from ledger.records import ATTACHMENT_KINDS, Assessment, Reception
from ledger.risks import Risk
from ui.reception.fields import restyle
from ui.supervision import WARNING_COLOUR, risk_lines

NOT_FINAL = tr("（有金额输入有误，合计未含该项）")


class RuleBox(QFrame):
    """One rule's breaches with their figures, and its explanation (情况说明)."""

    def __init__(self, rule: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rule = rule
        self.setObjectName("ruleBox")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.setSpacing(4)
        self.title = QLabel(RULES.get(rule, rule))
        self.title.setObjectName("ruleTitle")
        layout.addWidget(self.title)
        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.messages.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.messages)
        self.prompt = QLabel(tr("情况说明（提交前必填）："))
        layout.addWidget(self.prompt)
        self.explanation = QPlainTextEdit()
        self.explanation.setPlaceholderText(tr("写明原因和处理情况，例如：超标部分由个人承担"))
        self.explanation.setFixedHeight(64)
        self.explanation.setTabChangesFocus(True)
        layout.addWidget(self.explanation)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

    def text(self) -> str:
        return self.explanation.toPlainText()

    def set_read_only(self, read_only: bool) -> None:
        self.explanation.setReadOnly(read_only)
        restyle(self.explanation)
        self.prompt.setText(tr("情况说明：") if read_only else tr("情况说明（提交前必填）："))


class CheckPanel(QGroupBox):
    """合规检查与情况说明. ``edited`` when an explanation is typed."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr("合规检查与情况说明"), parent)
        self._read_only = False
        self.rule_boxes: dict[str, RuleBox] = {}
        # everything scrolls together: on a short screen (the laptop at 150 %) the figures are
        # never squeezed into each other, the panel scrolls instead
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # lines wrap instead
        holder = QWidget()
        v = QVBoxLayout(holder)
        v.setContentsMargins(0, 0, 0, 0)
        QVBoxLayout(self).addWidget(scroll)
        figures = QGridLayout()
        self.total_label = QLabel()
        self.over_label = QLabel()
        self.reimbursable_label = QLabel()
        self.meal_label = QLabel()
        self.per_person_label = QLabel()
        self.other_label = QLabel()
        for row, (name, label) in enumerate(
            (
                (tr("餐费："), self.meal_label),
                (tr("人均餐费："), self.per_person_label),
                (tr("其他费用："), self.other_label),
                (tr("费用合计："), self.total_label),
                (tr("超标金额："), self.over_label),
                (tr("可报销金额："), self.reimbursable_label),
            )
        ):
            figures.addWidget(QLabel(name), row, 0)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            figures.addWidget(label, row, 1)
        figures.setColumnStretch(1, 1)
        v.addLayout(figures)
        self.not_final_label = QLabel(NOT_FINAL)
        self.not_final_label.setObjectName("fieldError")
        self.not_final_label.setWordWrap(True)
        self.not_final_label.hide()
        v.addWidget(self.not_final_label)
        self.verdict_label = QLabel()
        self.verdict_label.setWordWrap(True)
        v.addWidget(self.verdict_label)
        self.policy_label = QLabel()
        self.policy_label.setStyleSheet("color: #666;")
        v.addWidget(self.policy_label)
        self.documents_label = QLabel()  # the documents the policy requires, and what is missing
        self.documents_label.setWordWrap(True)
        self.documents_label.hide()
        v.addWidget(self.documents_label)
        self.risks_label = QLabel()  # supervision warnings (疑点): shown, never blocking
        self.risks_label.setWordWrap(True)
        self.risks_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.risks_label.setStyleSheet(f"color: {WARNING_COLOUR};")
        self.risks_label.hide()
        v.addWidget(self.risks_label)
        self._rules_layout = QVBoxLayout()
        self._rules_layout.setContentsMargins(0, 0, 0, 0)
        self._rules_layout.addStretch(1)
        v.addLayout(self._rules_layout, 1)
        scroll.setWidget(holder)
        self._scroll = scroll

    def show_documents(self, required: tuple[str, ...], missing: tuple[str, ...]) -> None:
        """单据: what the policy requires before submission, and what this reception still lacks."""
        names = "、".join(ATTACHMENT_KINDS.get(k, k) for k in required)
        if not required:
            self.documents_label.hide()
        elif missing:
            lacking = "、".join(ATTACHMENT_KINDS.get(k, k) for k in missing)
            self.documents_label.setText(
                tr("单据（须有 {names}）：缺 {missing}").format(names=names, missing=lacking)
            )
            self.documents_label.setStyleSheet("color: #c62828;")
            self.documents_label.show()
        else:
            self.documents_label.setText(tr("单据（须有 {names}）：齐全").format(names=names))
            self.documents_label.setStyleSheet("color: #2e7d32;")
            self.documents_label.show()

    def show_risks(self, risks: list[Risk], ref: str) -> None:
        """The supervision warnings of the stored reception (none for a new one)."""
        lines = risk_lines(risks, ref)
        self.risks_label.setText(
            tr("疑点提示（供核查，不影响提交和审核）：") + "".join(f"\n• {line}" for line in lines)
        )
        self.risks_label.setVisible(bool(lines))

    def rule_box(self, rule: str) -> RuleBox:
        """The box of a rule, made (hidden, in the order of RULES) the first time it is asked for."""
        box = self.rule_boxes.get(rule)
        if box is None:
            box = RuleBox(rule)
            box.hide()
            box.set_read_only(self._read_only)
            box.explanation.textChanged.connect(self.edited)
            self.rule_boxes[rule] = box
            order = list(RULES)
            position = (
                sum(
                    1
                    for other in self.rule_boxes
                    if other != rule and other in order and order.index(other) < order.index(rule)
                )
                if rule in order
                else len(self.rule_boxes) - 1
            )
            self._rules_layout.insertWidget(position, box)
            self._chain_tab_order()
        return box

    def _chain_tab_order(self) -> None:
        """Tab goes from box to box as they stand on the screen (the order of RULES), not in
        the order they happened to be made — else typed explanations land under the wrong breach.
        The boxes come right after the panel's own scroll area, so Tab reaches them before the
        form's buttons below (a box made after the window was built would otherwise follow 关闭)."""
        shown = [self._rules_layout.itemAt(i).widget() for i in range(self._rules_layout.count())]
        boxes = [w for w in shown if isinstance(w, RuleBox)]
        chain = [self._scroll, *(box.explanation for box in boxes)]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def load(self, explanations: dict[str, str]) -> None:
        for rule, text in explanations.items():
            self.rule_box(rule).explanation.setPlainText(text)

    def explanations(self, rules: list[str] | None = None) -> dict[str, str]:
        """The explanations typed for ``rules`` (every one typed when None), empty ones left out."""
        chosen = self.rule_boxes if rules is None else [r for r in rules if r in self.rule_boxes]
        texts = {rule: self.rule_boxes[rule].text() for rule in chosen}
        return {k: v for k, v in texts.items() if v.strip()}

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for box in self.rule_boxes.values():
            box.set_read_only(read_only)

    def show_assessment(
        self, r: Reception, a: Assessment, *, editable: bool, not_final: bool
    ) -> dict[str, list[str]]:
        """Show the figures and the breaches of ``r``; returns the breach lines by rule."""
        self.not_final_label.setVisible(not_final)
        self.total_label.setText(tr("{x} 元").format(x=fmt(a.total)))
        over = tr("{x} 元").format(x=fmt(a.over_standard_amount))
        self.over_label.setText(
            f"<b style='color:#b71c1c'>{over}</b>" if a.over_standard_amount > 0 else over
        )
        self.reimbursable_label.setText(tr("{x} 元").format(x=fmt(a.reimbursable)))
        # the meal apart: 人均餐费 is the meal ÷ its diners, never with lodging or transport in it
        self.meal_label.setText(tr("{x} 元").format(x=fmt(r.meal_total)))
        self.per_person_label.setText(
            tr("{x} 元（{n} 人就餐）").format(x=fmt(r.meal_per_person), n=r.meal_diners)
            if r.meal_diners
            else "—"
        )
        self.other_label.setText(
            tr("{x} 元（烟酒、住宿、交通、其他、礼品）").format(x=fmt(r.other_costs_total))
        )
        self.policy_label.setText(
            tr("依据 {d} 起执行的接待标准").format(d=a.policy_effective_from.isoformat())
        )
        if a.compliant:
            self.verdict_label.setObjectName("compliant")
            self.verdict_label.setText(tr("✓ 符合接待标准"))
        else:
            self.verdict_label.setObjectName("breachCount")
            # a breach without an over-standard amount (too many companions, no letter) costs nothing
            costly = a.over_standard_amount > 0
            if editable:
                advice = (
                    tr("请逐项填写情况说明；超标部分不予报销。") if costly else tr("请逐项填写情况说明。")
                )
            else:
                advice = tr("超标部分不予报销。") if costly else ""
            self.verdict_label.setText(tr("发现 {n} 处违规。").format(n=len(a.violations)) + advice)
        restyle(self.verdict_label)

        by_rule: dict[str, list[str]] = {}
        for v in a.violations:
            line = v.message
            if v.excess > 0 and fmt(v.excess) not in line:
                line += tr("（超标 {x} 元）").format(x=fmt(v.excess))
            by_rule.setdefault(v.rule, []).append(line)
        for rule in RULES:
            if rule in by_rule:
                box = self.rule_box(rule)
                box.messages.setText("\n".join(f"• {line}" for line in by_rule[rule]))
                box.show()
            elif rule in self.rule_boxes:
                self.rule_boxes[rule].hide()  # the text typed stays, should the breach come back
        return by_rule
