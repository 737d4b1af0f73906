"""The one error family users see: each message says what went wrong and what to do."""

from __future__ import annotations


class DetectorError(Exception):
    """A problem the user can fix; the CLI prints it as one line and exits non-zero."""

    exit_code = 1


class InputError(DetectorError):
    """The documents or pair files given cannot be read."""

    exit_code = 2


class ModelError(DetectorError):
    """A model named in models.lock is missing, unpinned or does not match its hash."""

    exit_code = 3


class OutputError(DetectorError):
    """The output folder cannot be written."""

    exit_code = 4
