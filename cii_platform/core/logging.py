"""A logging filter that masks AVS numbers, should one ever reach a log message."""

import logging
import re

AVS_NUMBER = re.compile(r"756[.\s]?\d{4}[.\s]?\d{4}[.\s]?\d{2}")


class RedactPersonalDataFilter(logging.Filter):
    """Replace AVS numbers in log messages and their arguments by a fixed mask."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = AVS_NUMBER.sub("756.****.****.**", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
