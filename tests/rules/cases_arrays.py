"""Rule-table cases of one family (merged into ``rule_cases``): same format as there."""

from rule_cases import away, divisor, exponent, gen, pos, spd, unit, well  # noqa: F401

UNARY: dict = {}
BINARY: dict = {}
CASES: dict = {}
