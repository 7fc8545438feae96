"""Swiss formats for templates: `{{ amount|chf }}` gives CHF 10'000.00."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def chf(value: object) -> str:
    """Format an amount as `CHF 10'000.00` (apostrophe thousands, two decimals); '' for no value."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return ""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", "'")
    # Only digits, a sign and apostrophes: nothing to escape.
    return mark_safe(f"CHF {sign}{grouped}.{cents}")  # noqa: S308


@register.filter
def swiss_number(value: object) -> str:
    """An integer with apostrophes between thousands (12'345); other values unchanged."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "" if value is None else str(value)
    # Only digits, a sign and apostrophes: nothing to escape.
    return mark_safe(f"{value:,}".replace(",", "'"))  # noqa: S308
