"""azint: emulate Azure hybrid networks and print what Windows tracert and ping would show."""

__version__ = "0.1.0"
