"""Demo and generated data: one realistic school for trying Zhurnal, many for benchmarks."""

from .generator import DEFAULT_SEED, SIZES, DemoResult, generate
from .logins import DEMO_LOGINS, DEMO_PASSWORD, DemoLogin

__all__ = [
    "DEFAULT_SEED",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "SIZES",
    "DemoLogin",
    "DemoResult",
    "generate",
]
