"""pytest-qt setup: offscreen Qt, the bundled font, a fresh ledger per test."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
