"""utility-gym: Gymnasium environments for real-world agent work with a simulated user in the
loop."""

from utility_gym import registration as _registration  # noqa: F401  (registers utility/* ids)

__version__ = "0.1.0"
