"""The audit-db fixtures the `events` and `escalations` tests share with tests/audit."""

from tests.audit.conftest import db, template_db  # noqa: F401 - fixtures
