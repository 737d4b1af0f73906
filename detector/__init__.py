"""detector: find where documents contradict each other, or themselves."""

from .errors import DetectorError, InputError, ModelError, OutputError
from .pipeline import ScanResult, Settings, scan

__all__ = ["DetectorError", "InputError", "ModelError", "OutputError", "ScanResult", "Settings", "scan"]
__version__ = "0.1.0"
