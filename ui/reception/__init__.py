"""The reception form (接待登记), one module per part:

- ``dialog``: the form itself — state, header, permissions, writes, closing, hearing of changes;
- ``header``: title, who did what, the banner;
- ``basic_tab``, ``people_tab``, ``costs_tab``, ``attachments_tab``: one tab each, every one
  with ``load(reception)``, ``values()`` (its part of the record) and ``set_read_only(bool)``;
- ``check_panel`` (the figures, the verdict, the explanation boxes) and ``check`` (running the
  check, showing problems at their fields, showing refusals);
- ``fields``: the money field, marks, the index of fields by the service's keys.
"""

from ui.reception.attachments_tab import FilePrompt
from ui.reception.dialog import ReceptionDialog, UnsavedPrompt

__all__ = ["FilePrompt", "ReceptionDialog", "UnsavedPrompt"]
