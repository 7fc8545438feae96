"""Writing case files and everything around them (one module per part, re-exported here)."""

from cases.services.case_files import (
    LEAD_SERVICE_BASIS,
    TRANSITIONS,
    StaleCaseFile,
    case_open,
    case_transition,
)
from cases.services.persons import avs_normalise, person_create

__all__ = [
    "LEAD_SERVICE_BASIS",
    "TRANSITIONS",
    "StaleCaseFile",
    "avs_normalise",
    "case_open",
    "case_transition",
    "person_create",
]
