"""Where the window remembers its size, column widths and the last user name (QSettings)."""

from __future__ import annotations

from PySide6.QtCore import QSettings

ORGANIZATION = "ReceptionLedger"
APPLICATION = "ReceptionLedger"


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)
