"""Reading case files and persons, always starting from what the user may see."""

from cases.selectors.case_files import case_get_for_reading, case_list_visible, case_page_visible
from cases.selectors.persons import person_likely_duplicates

__all__ = ["case_get_for_reading", "case_list_visible", "case_page_visible", "person_likely_duplicates"]
