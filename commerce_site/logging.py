"""One log line per event: `event key=value ...`, taking the `extra={...}` that
callers pass (`logger.info("generation.batch_done", extra={"job": 3})`)."""

import logging

# Attributes every LogRecord has; anything else came from `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class StructuredFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value!r}" for key, value in vars(record).items() if key not in _STANDARD)
        line = f"{self.formatTime(record)} {record.levelname:<7} {record.name} {record.getMessage()}"
        if fields:
            line = f"{line} {fields}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line
