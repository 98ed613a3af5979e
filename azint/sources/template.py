"""ARM template expressions, as far as ``az group export`` writes them.

An exported template names resources with ``[parameters('…')]`` and ``[concat(…)]`` and refers to
them with ``[resourceId('Microsoft.Network/…', …)]`` ("Template functions - resources":
https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions-resource).
This evaluates the string functions such templates use; anything else (``reference()``, ``copy``
loops) is refused by name, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

# Exported templates do not say which subscription and group they came from: resources they
# define get ids under these, and references to them are matched on the rest of the id.
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "template"

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+)|(?P<name>[A-Za-z_][\w]*)"
                    r"|(?P<punct>[(),.\[\]]))")


class ExpressionError(ValueError):
    """An expression this evaluator does not read."""


def resource_id(*args: str) -> str:
    """``resourceId([subscription,] [group,] type, name…)`` as Azure builds it."""
    typed = next((i for i, a in enumerate(args) if "/" in a), None)
    if typed is None or typed > 2:
        raise ExpressionError("resourceId() needs a resource type such as 'Microsoft.Network/…'")
    scope, (kind, *names) = args[:typed], args[typed:]
    subscription = scope[0] if len(scope) == 2 else SUBSCRIPTION
    group = scope[-1] if scope else RESOURCE_GROUP
    namespace, *types = kind.split("/")
    if len(types) != len(names):
        raise ExpressionError(f"resourceId() of type '{kind}' needs {len(types)} name(s)")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{namespace}/{path}"


class Evaluator:
    """Evaluates ``[…]`` strings against a template's parameters and variables."""

    def __init__(self, parameters: Mapping[str, Any], variables: Mapping[str, Any]) -> None:
        self.parameters = parameters
        self.variables = variables
        self.functions: dict[str, Callable[..., Any]] = {
            "parameters": self._parameter, "variables": self._variable,
            "concat": lambda *a: "".join(map(str, a)), "resourceid": resource_id,
            "format": lambda f, *a: re.sub(r"\{(\d+)\}", lambda m: str(a[int(m.group(1))]), f),
            "tolower": str.lower, "toupper": str.upper,
            "subscription": lambda: {"subscriptionId": SUBSCRIPTION},
            "resourcegroup": lambda: {"name": RESOURCE_GROUP},
        }

    def value(self, value: Any) -> Any:
        """``value`` with every expression inside it evaluated (lists and objects too)."""
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        return value

    def string(self, text: str) -> Any:
        if not (text.startswith("[") and text.endswith("]")) or text.startswith("[["):
            return text[1:] if text.startswith("[[") else text
        tokens = [(m.lastgroup, m.group(m.lastgroup or 0)) for m in _TOKEN.finditer(text[1:-1])]
        result, rest = self._expression(tokens)
        if rest:
            raise ExpressionError(f"unexpected '{rest[0][1]}'")
        return result

    def _expression(self, tokens: list[tuple[str | None, str]]) -> tuple[Any, list[Any]]:
        if not tokens:
            raise ExpressionError("incomplete expression")
        (kind, text), rest = tokens[0], tokens[1:]
        if kind == "str":
            value: Any = text[1:-1].replace("''", "'")
        elif kind == "num":
            value = int(text)
        elif kind == "name":
            value, rest = self._call(text, rest)
        else:
            raise ExpressionError(f"unexpected '{text}'")
        while rest and rest[0][1] == ".":
            if len(rest) < 2 or not isinstance(value, dict) or rest[1][1] not in value:
                raise ExpressionError("property access this import does not evaluate")
            value, rest = value[rest[1][1]], rest[2:]
        return value, rest

    def _call(self, name: str, tokens: list[Any]) -> tuple[Any, list[Any]]:
        function = self.functions.get(name.lower())
        if function is None:
            raise ExpressionError(f"template function {name}() is not supported by the import")
        if not tokens or tokens[0][1] != "(":
            raise ExpressionError(f"{name} must be called")
        args: list[Any] = []
        tokens = tokens[1:]
        while tokens and tokens[0][1] != ")":
            arg, tokens = self._expression(tokens)
            args.append(arg)
            if tokens and tokens[0][1] == ",":
                tokens = tokens[1:]
        if not tokens:
            raise ExpressionError(f"{name}( is not closed")
        try:
            return function(*args), tokens[1:]
        except (TypeError, IndexError) as exc:
            raise ExpressionError(f"{name}(): {exc}") from exc

    def _parameter(self, name: str) -> Any:
        if name not in self.parameters:
            raise ExpressionError(f"parameter '{name}' is not defined")
        spec = self.parameters[name]
        if not isinstance(spec, dict) or "defaultValue" not in spec:
            raise ExpressionError(f"parameter '{name}' has no defaultValue")
        return self.value(spec["defaultValue"])

    def _variable(self, name: str) -> Any:
        if name not in self.variables:
            raise ExpressionError(f"variable '{name}' is not defined")
        return self.value(self.variables[name])
