"""Logs never carry AVS numbers."""

import logging

from cii_platform.core.logging import RedactPersonalDataFilter


def test_an_avs_number_in_a_log_message_is_masked():
    record = logging.LogRecord(
        "x", logging.WARNING, __file__, 1, "Not Found: /personnes/%s", ("756.9217.0769.85",), None
    )

    RedactPersonalDataFilter().filter(record)

    assert record.getMessage() == "Not Found: /personnes/756.****.****.**"


def test_a_message_without_personal_data_is_left_alone():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "case %s opened", ("CII-2026-00042",), None)

    RedactPersonalDataFilter().filter(record)

    assert record.getMessage() == "case CII-2026-00042 opened"


def test_the_filter_is_on_the_console_handler(settings):
    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]
